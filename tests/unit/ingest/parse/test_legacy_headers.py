"""Undeclared 8-bit header bytes in a legacy charset: one codec per message, hinted by parts."""

from __future__ import annotations

import pytest

from mailkeep.ingest.parse.charset import guess_codec, legacy_header_codec
from mailkeep.ingest.parse.mime import parse_message
from tests.unit.ingest.parse.messages import LEGACY_HEADERS, legacy_header_message


@pytest.mark.parametrize(("charset", "subject", "name", "declared"),
                         [(c, s, n, d) for c, s, n, _, _, d in LEGACY_HEADERS])  # fmt: skip
def test_subject_and_sender_name_decode_as_written(
    charset: str, subject: str, name: str, declared: str | None
) -> None:
    parsed = parse_message(legacy_header_message(charset, subject, name, declared))
    assert parsed.subject == subject
    assert parsed.sender[0].name == name
    assert parsed.sender[0].email == "sender@example.net"


def test_a_declared_body_charset_is_the_hint_when_it_reads_every_value() -> None:
    values = ["Žluťoučký kůň".encode("iso8859_2"), "Petr Novák".encode("iso8859_2")]
    assert legacy_header_codec(values, ["us-ascii", "iso-8859-2"]) == "iso8859-2"
    # a hint that cannot read the bytes is ignored: detection decides
    koi8 = ["Отчёт о продажах".encode("koi8_r"), "Иван Петров".encode("koi8_r")]
    assert legacy_header_codec(koi8, ["shift_jis"]) == "koi8_r"


def test_utf8_and_ascii_headers_need_no_legacy_codec() -> None:
    assert legacy_header_codec([b"plain", "Grüße".encode()], ["koi8-r"]) is None


@pytest.mark.parametrize(
    "text",
    ["Réunion à Noël, déjà prévue", "«Bonjour» l’équipe – à bientôt", "Grüße aus Köln, Jürgen"],
)
def test_western_text_stays_windows_1252(text: str) -> None:
    assert guess_codec(text.encode("cp1252")) == "cp1252"
