"""MboxSource: separator rule, byte-exact messages, mboxrd unquoting, streaming."""

from __future__ import annotations

import re
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailkeep.sources.base import SourceError
from mailkeep.sources.mbox import MboxSource, looks_like_separator, separator_date

SEP = b"From alice@example.com Sun Dec 25 21:33:37 2011\n"


def _msg(n: int, eol: bytes = b"\n") -> bytes:
    lines = [b"From: alice@example.com", f"Subject: mail {n}".encode(), b"", f"body {n}".encode()]
    return eol.join(lines) + eol


def _mboxrd(messages: list[bytes], eol: bytes = b"\n") -> bytes:
    """Write messages as an mboxrd writer would."""
    out = []
    for raw in messages:
        quoted = re.sub(rb"(?m)^(>*From )", rb">\1", raw)
        out.append(SEP.replace(b"\n", eol) + quoted + eol)
    return b"".join(out)


def _read(path: Path, data: bytes) -> tuple[MboxSource, list[bytes]]:
    path.write_bytes(data)
    source = MboxSource(path)
    return source, [m.raw for m in source.messages()]


def test_one_message(tmp_path: Path) -> None:
    _, raws = _read(tmp_path / "one.mbox", _mboxrd([_msg(1)]))
    assert raws == [_msg(1)]
    [message] = MboxSource(tmp_path / "one.mbox", folder="Old/Mail").messages()
    assert message.source_id == "one.mbox:0"
    assert message.folder == "Old/Mail"
    assert message.received == datetime(2011, 12, 25, 21, 33, 37, tzinfo=UTC)


def test_three_messages_offsets_and_progress(tmp_path: Path) -> None:
    data = _mboxrd([_msg(1), _msg(2), _msg(3)])
    path = tmp_path / "three.mbox"
    path.write_bytes(data)
    source = MboxSource(path)
    messages = list(source.messages())
    assert [m.raw for m in messages] == [_msg(1), _msg(2), _msg(3)]
    offsets = [int(m.source_id.rsplit(":", 1)[1]) for m in messages]
    assert [data[o : o + len(SEP)] for o in offsets] == [SEP] * 3
    assert source.estimate_unit == "bytes"
    assert source.estimate() == len(data) == source.bytes_read
    assert source.problems == []


def test_mboxrd_quoting_is_undone(tmp_path: Path) -> None:
    raw = b"Subject: q\n\nFrom the start\n>From quoted\n>>From twice\n> From not quoted\n"
    stored = b"Subject: q\n\n>From the start\n>>From quoted\n>>>From twice\n> From not quoted\n"
    _, raws = _read(tmp_path / "rd.mbox", SEP + stored + b"\n")
    assert raws == [raw]


def test_crlf_mbox_keeps_crlf(tmp_path: Path) -> None:
    messages = [_msg(1, b"\r\n"), _msg(2, b"\r\n")]
    _, raws = _read(tmp_path / "crlf.mbox", _mboxrd(messages, b"\r\n"))
    assert raws == messages
    assert all(b"\r\n" in raw and b"\n\n" not in raw for raw in raws)


def test_from_line_after_text_is_body(tmp_path: Path) -> None:
    body = b"Subject: x\n\nHello,\nFrom here on we talk about mbox.\nFrom: a header-ish line\n"
    _, raws = _read(tmp_path / "body.mbox", SEP + body + b"\n" + SEP + _msg(2) + b"\n")
    assert raws == [body, _msg(2)]


def test_strict_separator_without_blank_line_splits(tmp_path: Path) -> None:
    data = SEP + _msg(1) + b"From bob@example.org Mon Jan  2 03:04:05 2012\n" + _msg(2)
    source, raws = _read(tmp_path / "tight.mbox", data)
    assert raws == [_msg(1), _msg(2)]
    assert [m.received for m in source.messages()][1] == datetime(2012, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_loose_separator_after_blank_line_splits(tmp_path: Path) -> None:
    data = SEP + _msg(1) + b"\nFrom someone\n" + _msg(2) + b"\n"
    _, raws = _read(tmp_path / "loose.mbox", data)
    assert raws == [_msg(1), _msg(2)]


def test_not_an_mbox(tmp_path: Path) -> None:
    path = tmp_path / "notes.mbox"
    path.write_bytes(b"This isn't an mbox.\nFrom a@b Sun Dec 25 21:33:37 2011\n")
    with pytest.raises(SourceError, match="is not an mbox file"):
        next(iter(MboxSource(path).messages()))


@pytest.mark.parametrize("data", [b"", b"\n\r\n  \n"])
def test_empty_mbox_yields_nothing(tmp_path: Path, data: bytes) -> None:
    source, raws = _read(tmp_path / "empty.mbox", data)
    assert raws == []
    assert source.problems == []


def test_leading_blank_lines_are_skipped(tmp_path: Path) -> None:
    _, raws = _read(tmp_path / "lead.mbox", b"\n\n" + _mboxrd([_msg(1)]))
    assert raws == [_msg(1)]


def test_separator_without_message_is_a_problem(tmp_path: Path) -> None:
    source, raws = _read(tmp_path / "hole.mbox", SEP + b"\n" + SEP + _msg(2) + b"\n")
    assert raws == [_msg(2)]
    assert [(p.source_id, p.reason) for p in source.problems] == [("hole.mbox:0", "empty message")]


def test_missing_file(tmp_path: Path) -> None:
    source = MboxSource(tmp_path / "gone.mbox")
    with pytest.raises(SourceError, match="No such file or directory"):
        next(iter(source.messages()))
    assert source.estimate() is None


def test_overlong_lines_are_kept_intact(tmp_path: Path) -> None:
    long_line = b"x" * 200_000 + b"\n"
    raw = b"Subject: long\n\n" + long_line + b"y" * 70_000 + b"From not a separator\n"
    long_sep = b"From a@b Sun Dec 25 21:33:37 2011 " + b"z" * 100_000 + b"\n"
    _, raws = _read(tmp_path / "long.mbox", long_sep + raw + b"\n" + SEP + _msg(2))
    assert raws == [raw, _msg(2)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (SEP, datetime(2011, 12, 25, 21, 33, 37, tzinfo=UTC)),
        (b"From - Sat Jan  3 01:05:34 1996\r\n", datetime(1996, 1, 3, 1, 5, 34, tzinfo=UTC)),
        (
            b"From x@y Tue Mar 4 05:06:07 +0200 2014\n",
            datetime(2014, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=2))),
        ),
        (b"From x@y Mon, 1 Jan 2001 10:00:00 +0000\n", datetime(2001, 1, 1, 10, tzinfo=UTC)),
        (b"From x@y sometime\n", None),
        (b"From x@y Sun Feb 31 21:33:37 2011\n", None),
    ],
)
def test_separator_dates(line: bytes, expected: datetime | None) -> None:
    assert separator_date(line) == expected


def test_strict_separator_shape() -> None:
    assert looks_like_separator(b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n")
    assert looks_like_separator(b"From a@b Fri Jul 8 12:08 2011 remote from uucp\n")
    assert not looks_like_separator(b"From here on we talk about mbox.\n")
    assert not looks_like_separator(b"From me Fri Jul 8 this year\n")


_line = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b""))
_prefix = st.sampled_from([b"", b"From ", b">From ", b">>From ", b"From a@b Sun Dec 25 1:2 2011"])
_message = st.lists(
    st.tuples(_prefix, _line, st.sampled_from([b"\n", b"\r\n"])), min_size=1, max_size=8
).map(lambda lines: b"".join(p + text + eol for p, text, eol in lines))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_message, min_size=1, max_size=5))
def test_round_trip_is_byte_exact(tmp_path: Path, messages: list[bytes]) -> None:
    non_blank = [m for m in messages if m.strip(b"\r\n")]
    _, raws = _read(tmp_path / "prop.mbox", _mboxrd(non_blank))
    assert raws == non_blank


def test_streaming_memory_stays_far_below_file_size(tmp_path: Path) -> None:
    path = tmp_path / "big.mbox"
    line = b"Q" * 199 + b"\n"
    body = b"Subject: big\n\n" + line * 100  # ~20 kB per message
    count = 2_600
    with path.open("wb") as handle:
        for _ in range(count):
            handle.write(SEP + body + b"\n")
    size = path.stat().st_size
    assert size > 50_000_000
    source = MboxSource(path)
    tracemalloc.start()
    try:
        seen = sum(1 for _ in source.messages())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert source.bytes_read == size
    assert peak < 2_000_000, f"peak {peak} bytes for a {size}-byte mbox"
