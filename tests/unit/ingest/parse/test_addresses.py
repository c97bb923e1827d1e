"""The fast path for common address lists gives exactly what the stdlib parser gives."""

from __future__ import annotations

from email.utils import getaddresses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailkeep.ingest.parse.addresses import _simple_pairs, parse_addresses
from mailkeep.ingest.parse.defects import Defects
from mailkeep.ingest.parse.model import Address

COMMON = [
    "alice@example.com",
    "<alice@example.com>",
    "Alice Example <alice@example.com>",
    "Alice  Q   Example\t<alice@example.com>",
    '"Example, Alice [IT]" <alice@example.com>',
    '"Alice" <alice@example.com>, bob@example.org,\t<carol@example.net>',
    "  Tom <tom@slack.net>, Gordon Mohr <gojomo@usa.net>  ",
    "o'brien+tag@sub.example.co.uk, x_y=z@example.com",
]
UNCOMMON = [
    "alice@example.com (Alice Example)",
    "Undisclosed recipients:;",
    "friends: alice@example.com, bob@example.org;",
    '"Alice \\"The Boss\\"" <alice@example.com>',
    '"odd local"@example.com',
    "=?utf-8?q?J=C3=B6rg?= <joerg@example.de>",
    "<@route.example:alice@example.com>",
    "Alice Example <alice@example.com",
    "alice@example.com,",
    "",
]


def _stdlib(line: str) -> list[tuple[str, str]]:
    return [pair for pair in getaddresses([line]) if pair != ("", "")]


@pytest.mark.parametrize("line", COMMON)
def test_common_lists_take_the_fast_path_with_the_stdlib_result(line: str) -> None:
    assert _simple_pairs([line]) == _stdlib(line)


@pytest.mark.parametrize("line", UNCOMMON)
def test_uncommon_lists_are_left_to_the_stdlib(line: str) -> None:
    fast = _simple_pairs([line])
    assert fast is None or fast == _stdlib(line)


_WORD = st.text("abcXYZ09.-_'+", min_size=1, max_size=8)
_ADDRESS = st.builds(lambda a, b: f"{a}@{b}", _WORD, st.sampled_from(["example.com", "x.org"]))
_NAME = st.text(st.sampled_from('ab Z,.;:<>@()"\\\t'), max_size=12)
_ITEM = st.one_of(
    _ADDRESS,
    st.builds(lambda n, a: f"{n} <{a}>", _NAME, _ADDRESS),
    st.builds(lambda n, a: f'"{n}" <{a}>', _NAME, _ADDRESS),
)


@given(st.lists(_ITEM, min_size=1, max_size=4), st.sampled_from([",", ", ", " ,\t"]))
def test_fast_path_agrees_with_the_stdlib_whenever_taken(items: list[str], sep: str) -> None:
    line = sep.join(items)
    fast = _simple_pairs([line])
    assert fast is None or fast == _stdlib(line)


def test_parse_addresses_decodes_and_deduplicates() -> None:
    values = ["Alice <a@example.com>, a@example.com", "Alice <a@example.com>"]
    assert parse_addresses(values, Defects()) == (
        Address("Alice", "a@example.com"),
        Address("", "a@example.com"),
    )
