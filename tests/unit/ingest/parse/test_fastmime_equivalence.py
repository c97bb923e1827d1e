"""Over many messages the fast MIME parser either gives up or equals the stdlib exactly."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailkeep.ingest.parse import fastmime

from . import messages
from .test_fastmime import GIVE_UP, REGULAR, assert_parse_message_unchanged
from .test_fuzz import RICH
from .trees import stdlib_tree, tree_difference

CORPUS_PY = Path(__file__).resolve().parents[4] / "bench" / "corpus.py"
EQUIVALENCE = settings(
    max_examples=500,
    deadline=None,
    database=None,  # keep the work tree clean
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def same_or_gives_up(raw: bytes) -> bool:
    """True when the fast parser took ``raw`` (and then its tree equals the stdlib's)."""
    try:
        fast = fastmime.parse_bytes(raw)
    except fastmime.GiveUp:
        return False
    difference = tree_difference(fast, stdlib_tree(raw))
    assert difference is None, f"{raw[:400]!r}: {difference}"
    return True


def _bench_corpus() -> ModuleType:
    name = "mailkeep_bench_corpus"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, CORPUS_PY)
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def test_benchmark_corpus_messages() -> None:
    generator = _bench_corpus().CorpusGenerator(seed=11, expected_count=3000)
    taken = 0
    for generated in generator.messages(3000):
        taken += same_or_gives_up(generated.raw)
        assert_parse_message_unchanged(generated.raw)
    assert taken == 3000  # the generator writes regular mail only


def _built_messages() -> list[bytes]:
    leaf = messages.part("text/plain", b"leaf")
    return [
        messages.simple(b"plain body\r\n"),
        messages.simple(b"<p>x</p>", "text/html; charset=utf-8", "quoted-printable"),
        messages.multipart("mixed", [leaf, messages.b64part("application/pdf", b"%PDF")]),
        messages.multipart("alternative", [leaf, leaf], boundary="=_alt", close=False),
        messages.nested(1, b"one"),
        messages.nested(4, b"four deep"),
        messages.message({"Subject": "x"}, b"body", sep=b"\n"),
        RICH,
        *REGULAR.values(),
        *GIVE_UP.values(),
    ]


def test_messages_built_by_the_test_helpers() -> None:
    results = [same_or_gives_up(raw) for raw in _built_messages()]
    assert results.count(True) >= len(REGULAR) + 7
    for raw in _built_messages():
        assert_parse_message_unchanged(raw)


# --- random MIME trees -----------------------------------------------------------------------

# Boundaries that are prefixes of each other (and repeat between levels) on purpose.
_BOUNDARIES = ["a", "ab", "abc", "b c", "=_x"]
_ODD_BOUNDARIES = ["a--", "ab--", "a", "ab"]  # "--a--" is the close delimiter of "a" too
_SAFE_LINES = st.sampled_from(["text", "", " ", "--", "X: y", "\xe9t\xe9", "--ab c"])
_RISKY_LINES = st.sampled_from(["--a", "--ab--", "--abc \t", "--a--", "From x", " indented"])
_LINES = st.integers(0, 9).flatmap(lambda n: _RISKY_LINES if n == 5 else _SAFE_LINES)


def _rarely(draw: st.DrawFn) -> bool:
    """True about one time in ten (not at hypothesis's favourite ends of a range)."""
    return draw(st.integers(0, 9)) == 5


@st.composite
def _lines(draw: st.DrawFn, eol: str) -> str:
    return "".join(line + eol for line in draw(st.lists(_LINES, max_size=4)))


@st.composite
def _headers(draw: st.DrawFn, content_type: str, eol: str) -> str:
    extra = draw(st.sampled_from(["", "Subject: s", "X-A: 1" + eol + "\tfolded", "X:"]))
    lines = [f"Content-Type: {content_type}"] if content_type else []
    lines += [extra] if extra else []
    blank = not _rarely(draw)
    return "".join(line + eol for line in lines) + (eol if blank else "")


@st.composite
def _entity(draw: st.DrawFn, depth: int, eol: str, outer: tuple[str, ...] = ()) -> str:
    kinds = ["multipart", "multipart", "leaf", "message"] if depth < 4 else ["leaf"]
    kind = draw(st.sampled_from(kinds))
    if kind == "leaf":
        content_type = draw(st.sampled_from(["", "text/plain", "text/html"]))
        return draw(_headers(content_type, eol)) + draw(_lines(eol))
    if kind == "message":
        return draw(_headers("message/rfc822", eol)) + draw(_entity(depth + 1, eol, outer))
    return draw(_multipart(depth, eol, outer))


@st.composite
def _multipart(draw: st.DrawFn, depth: int, eol: str, outer: tuple[str, ...]) -> str:
    # mostly a boundary unlike the enclosing ones', though often a prefix of one of them
    fresh = [b for b in _BOUNDARIES if b not in outer] or _BOUNDARIES
    boundary = draw(st.sampled_from(_ODD_BOUNDARIES if _rarely(draw) else fresh))
    subtype = draw(st.sampled_from(["mixed", "alternative", "digest"]))
    head = draw(_headers(f'multipart/{subtype}; boundary="{boundary}"', eol))
    body = draw(_lines(eol))
    for _ in range(0 if _rarely(draw) else draw(st.integers(min_value=1, max_value=3))):
        body += _delimiter(draw, boundary, eol) * draw(st.integers(min_value=1, max_value=2))
        body += draw(_entity(depth + 1, eol, (*outer, boundary)))
    if not _rarely(draw):
        body += _delimiter(draw, boundary, eol, close=True) + draw(_lines(eol))
    return head + body


def _delimiter(draw: st.DrawFn, boundary: str, eol: str, *, close: bool = False) -> str:
    space = draw(st.sampled_from(["", "", "", "", " ", "\t ", "x"]))
    return eol * draw(st.integers(0, 1)) + "--" + boundary + ("--" if close else "") + space + eol


@st.composite
def _message(draw: st.DrawFn) -> bytes:
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = draw(_entity(0, eol))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    return text.encode("latin-1")


@EQUIVALENCE
@given(_message())
def test_random_mime_trees(raw: bytes) -> None:
    same_or_gives_up(raw)
    assert_parse_message_unchanged(raw)


_MUTATIONS = st.sampled_from(
    [b"\r", b"\n", b"\r\n", b"--", b" ", b"\t", b":", b"\xff", b"From ", b"\r\n\r\n", b"--XyZ--"]
)
_SEEDS = [RICH, messages.nested(3, b"x"), *REGULAR.values()]


@EQUIVALENCE
@given(
    st.sampled_from(_SEEDS),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 8), _MUTATIONS), min_size=1, max_size=4),
)
def test_mutated_messages(seed: bytes, mutations: list[tuple[float, int, bytes]]) -> None:
    raw = seed
    for where, cut, insert in mutations:
        position = int(where * len(raw))
        raw = raw[:position] + insert + raw[position + cut :]
    same_or_gives_up(raw)
    assert_parse_message_unchanged(raw)
