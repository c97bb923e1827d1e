"""Splitting MIME header parameters at semicolons outside quoted strings."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailkeep.ingest.parse.params import _split, _split_walked


@given(st.text(alphabet=st.sampled_from(list('ab =";\\\t')), max_size=40))
def test_split_follows_the_rule(value: str) -> None:
    assert _split(value) == _split_walked(value)


def test_examples() -> None:
    assert _split('attachment; filename="a;b.pdf"; size=3') == [
        "attachment",
        ' filename="a;b.pdf"',
        " size=3",
    ]
    assert _split('x; name="open') == ["x", ' name="open']
    assert _split('x; name="a\\";b"; c=d') == ["x", ' name="a\\";b"', " c=d"]
