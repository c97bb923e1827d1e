"""Whitespace normalisation: the ASCII fast path agrees with the general rules."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailkeep.ingest.extract.normalise import TextSink, _normalise_any, normalise_whitespace

_ASCII = st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=200)
_TRICKY = st.text(
    alphabet=st.sampled_from(list(" \t\r\n\x0b\x0c\x1c\x1f\x00\x7fab\xa0\u2028\xad\u3000")),
    max_size=60,
)


@given(_ASCII)
def test_ascii_text_follows_the_rules(text: str) -> None:
    assert normalise_whitespace(text) == _normalise_any(text)


@given(_TRICKY)
def test_mixed_text_follows_the_rules(text: str) -> None:
    assert normalise_whitespace(text) == _normalise_any(text)


@given(st.lists(st.one_of(_ASCII, _TRICKY, st.just("")), max_size=8))
def test_sink_result_is_the_normalised_whole(pieces: list[str]) -> None:
    sink = TextSink(10_000)
    for piece in pieces:
        if piece == "":
            sink.section_break()
        else:
            sink.add(piece)
    expected = _normalise_any("\n".join(p for p in pieces if p and not p.isspace()))
    # Section breaks add blank lines only; without them the texts are equal.
    assert sink.result().replace("\n\n", "\n") == expected.replace("\n\n", "\n")


def test_examples() -> None:
    assert normalise_whitespace("a\r\nb\rc\x0cd") == "a\nb\nc\nd"
    assert normalise_whitespace("  a \t\x00 b  \n\n\n\n c ") == "a b\n\nc"
    assert normalise_whitespace("caf\xe9\u00a0\u00a0bar\xadbaz") == "caf\xe9 barbaz"
