"""Header-level helpers: dates, message ids, charset resolution."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailkeep.ingest.parse.charset import cp1252, decode_text, resolve_charset
from mailkeep.ingest.parse.defects import MAX_DEFECTS, Defects
from mailkeep.ingest.parse.headers import (
    _decode_header_general,
    decode_header,
    msg_ids,
    parse_date,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 21 Aug 2002 10:54:46 -0500 (CDT)", datetime(2002, 8, 21, 15, 54, 46, tzinfo=UTC)),
        ("21 Aug 2002 10:54:46 GMT", datetime(2002, 8, 21, 10, 54, 46, tzinfo=UTC)),
        ("Tue Aug 20 2002 09:42:28 GMT-0700", datetime(2002, 8, 20, 16, 42, 28, tzinfo=UTC)),
        ("Thu, 22 Aug 0102 12:07:35 +0800", datetime(2002, 8, 22, 4, 7, 35, tzinfo=UTC)),
        ("Fri, 30 Aug 02 03:10 -0400", datetime(2002, 8, 30, 7, 10, tzinfo=UTC)),
        ("Mon, 26 Aug 2002 03:20:37 +2500", datetime(2002, 8, 26, 3, 20, 37, tzinfo=UTC)),
        ("2002/09/14 Sat 02:29:32 CDT", datetime(2002, 9, 14, 7, 29, 32, tzinfo=UTC)),
        ("2002-08-22T12:34:56+02:00", datetime(2002, 8, 22, 10, 34, 56, tzinfo=UTC)),
        ("Thu, 22 Aug 2002 17:59:59 -0000", datetime(2002, 8, 22, 17, 59, 59, tzinfo=UTC)),
    ],
)
def test_dates(value: str, expected: datetime) -> None:
    parsed, _problem = parse_date(value)
    assert parsed == expected
    assert parsed is not None
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("value", ["", "garbage", "99/99/99", "Mon, 32 Foo 2002 99:99:99"])
def test_bad_dates(value: str) -> None:
    parsed, problem = parse_date(value)
    assert parsed is None
    assert problem


def test_msg_ids_without_brackets() -> None:
    assert msg_ids("abc@example.org") == ["<abc@example.org>"]
    assert msg_ids("no ids here") == []


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("ISO-8859-1", "cp1252"),
        ('"latin1"', "cp1252"),
        ("us-ascii", "cp1252"),
        ("gb2312", "gb18030"),
        ("ks_c_5601-1987", "cp949"),
        ("utf-8", "utf-8"),
        ("x-user-defined", None),
        ("default", None),
        ("base64", None),
        ("undefined", None),
        ("", None),
        (None, None),
    ],
)
def test_resolve_charset(label: str | None, codec: str | None) -> None:
    assert resolve_charset(label) == codec


def test_cp1252_never_fails() -> None:
    assert cp1252(bytes(range(256)))[0x81] == "\x81"
    assert cp1252(b"\x93x\x94") == "“x”"


def test_bad_utf8_keeps_good_characters() -> None:
    text, problem = decode_text("Grüße ".encode() + b"\xff", "utf-8")
    assert text.startswith("Grüße")
    assert problem


def test_decode_header_cleans_controls() -> None:
    defects = Defects()
    assert decode_header("a\tb\x00c\r\n d", defects) == "a b c d"


def test_defects_are_bounded_and_deduplicated() -> None:
    defects = Defects()
    for i in range(MAX_DEFECTS * 2):
        defects.add("same")
        defects.add(f"defect {i}" + "x" * 500)
    found = defects.as_tuple()
    assert len(found) == MAX_DEFECTS
    assert found.count("same") == 1
    assert all(len(d) <= 160 for d in found)


HEADER_TEXT = st.text(st.sampled_from("ab Z09 =?_-\t\r\n\x00\x7fé\udce9<>,@\"'"), max_size=40)


@settings(max_examples=400, deadline=None)
@given(value=HEADER_TEXT | st.text(max_size=40))
def test_decode_header_fast_path_agrees_with_the_general_rule(value: str) -> None:
    fast, general = Defects(), Defects()
    assert decode_header(value, fast) == _decode_header_general(value, general)
    assert fast.as_tuple() == general.as_tuple()


def test_dates_are_repaired_only_when_the_value_as_written_does_not_parse() -> None:
    assert parse_date("Wed, 21 Aug 2002 10:54:46 -0500")[1] is None
    assert parse_date("Mon, 26 Aug 2002 03:20:37 +2500")[1] == "malformed Date header repaired"
