"""parse_message on hand-built messages: charsets, structure, attachments, broken input."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from mailkeep.ingest.parse import mime
from mailkeep.ingest.parse.mime import parse_message
from mailkeep.ingest.parse.model import Address

from .messages import (
    b64part,
    message,
    multipart,
    nested,
    part,
    simple,
)

RUSSIAN = "Привет! Это тестовое сообщение, написанное по-русски. Мы проверяем кодировку письма."
JAPANESE = "こんにちは、世界。日本語のメールです。"


def _text_callback(calls: list[tuple[str, str, bytes]]) -> mime.AttachmentTextFn:
    def callback(filename: str, content_type: str, data: bytes) -> tuple[str, str | None]:
        calls.append((filename, content_type, data))
        if content_type.startswith("text/"):
            return data.decode("utf-8", "replace"), None
        return "", "not indexed"

    return callback


def _has_defect(defects: tuple[str, ...], fragment: str) -> bool:
    return any(fragment in d for d in defects)


# --- charsets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "expected", "guessed"),
    [
        # cp1252 smart quotes and dash under the usual wrong label
        (
            "text/plain; charset=iso-8859-1",
            "“Quoted” — it’s fine".encode("cp1252"),
            "“Quoted” — it’s fine",
            False,
        ),
        ("text/plain; charset=us-ascii", "naïve café".encode("cp1252"), "naïve café", False),
        ("text/plain", RUSSIAN.encode("koi8-r"), RUSSIAN, True),
        ("text/plain; charset=x-user-defined", "Grüße aus Köln".encode("cp1252"), "Köln", True),
        ("text/plain; charset=default", "déjà vu".encode("cp1252"), "déjà vu", True),
        ("text/plain; charset=uft-8", "Grüße, café".encode(), "Grüße, café", True),
        ("text/plain; charset=unknown-8bit", "Grüße, café".encode(), "Grüße, café", True),
        ("text/plain; charset=gb2312", "你好，这是测试邮件。".encode("gb18030"), "测试", False),
        ("text/plain; charset=gb2312", "欧元符号：€".encode("gb18030"), "€", False),
        ("text/plain; charset=ks_c_5601-1987", "똠방각하 안녕".encode("cp949"), "똠방각하", False),
        ("text/plain", JAPANESE.encode("iso2022_jp"), JAPANESE, True),
        ("text/plain; charset=utf-8", b"plain ascii", "plain ascii", False),
    ],
)
def test_body_charsets(content_type: str, body: bytes, expected: str, guessed: bool) -> None:
    parsed = parse_message(simple(body, content_type))
    assert expected in parsed.body_text
    assert _has_defect(parsed.defects, "charset") == guessed, parsed.defects


def test_quoted_printable_body_decoded() -> None:
    raw = simple(
        b"caf=E9 =93quoted=94 soft=\r\nbreak", "text/plain; charset=iso-8859-1", "quoted-printable"
    )
    assert parse_message(raw).body_text == "café “quoted” softbreak"


def test_base64_damage_is_a_defect_but_text_survives() -> None:
    encoded = base64.b64encode(b"Hello base64 world, still readable") + b"!!*"
    parsed = parse_message(simple(encoded, "text/plain", "base64"))
    assert "Hello base64 world" in parsed.body_text
    assert _has_defect(parsed.defects, "Base64"), parsed.defects


# --- headers --------------------------------------------------------------------------------


def test_raw_utf8_subject_and_sender() -> None:
    raw = message(
        {
            "From": "Jürgen Müller <j@example.de>".encode(),
            "Subject": "Grüße – naïve".encode(),
            "Date": "Mon, 26 Aug 2002 03:20:37 +0200",
        },
        b"body",
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Grüße – naïve"
    assert parsed.sender == (Address("Jürgen Müller", "j@example.de"),)
    assert parsed.date == datetime(2002, 8, 26, 1, 20, 37, tzinfo=UTC)
    assert not parsed.defects


def test_raw_latin1_subject_is_guessed() -> None:
    parsed = parse_message(message({"Subject": "Réunion à Paris".encode("cp1252")}, b""))
    assert parsed.subject == "Réunion à Paris"
    assert _has_defect(parsed.defects, "raw 8-bit header")


def test_rfc2047_word_split_mid_character() -> None:
    data = "日本語の件名".encode()
    first, second = base64.b64encode(data[:4]).decode(), base64.b64encode(data[4:]).decode()
    subject = f"=?UTF-8?B?{first}?=\r\n =?UTF-8?B?{second}?= tail"
    parsed = parse_message(message({"Subject": subject}, b""))
    assert parsed.subject == "日本語の件名 tail"


def test_rfc2047_q_words_and_literal_text() -> None:
    subject = "Re: =?iso-8859-1?q?caf=E9?= =?iso-8859-1?q?_cr=E8me?= and =?utf-8?q?=E2=82=AC?="
    parsed = parse_message(message({"Subject": subject}, b""))
    assert parsed.subject == "Re: café crème and €"


def test_encoded_comma_in_display_name_is_one_address() -> None:
    raw = message({"To": "=?utf-8?q?Doe=2C_J=C3=B6rg?= <jd@example.org>, other@example.org"}, b"")
    assert parse_message(raw).to == (
        Address("Doe, Jörg", "jd@example.org"),
        Address("", "other@example.org"),
    )


def test_message_ids() -> None:
    raw = message(
        {
            "Message-ID": "<abc@example.org>",
            "In-Reply-To": "<parent@example.org> (message from Bob)",
            "References": "<root@example.org>\r\n <parent@example.org> <root@example.org>",
        },
        b"",
    )
    parsed = parse_message(raw)
    assert parsed.message_id == "<abc@example.org>"
    assert parsed.in_reply_to == "<parent@example.org>"
    assert parsed.references == ("<root@example.org>", "<parent@example.org>")


def test_unparsable_date_is_none_with_defect() -> None:
    parsed = parse_message(message({"Date": "sometime last week"}, b""))
    assert parsed.date is None
    assert _has_defect(parsed.defects, "Date")


# --- structure ------------------------------------------------------------------------------


def test_alternative_prefers_plain() -> None:
    raw = multipart(
        "alternative",
        [part("text/plain", b"plain version"), part("text/html", b"<p>html version</p>")],
    )
    assert parse_message(raw).body_text == "plain version"


def test_html_only_is_converted() -> None:
    html = b"<html><head><style>p{}</style></head><body><p>Hello &amp; <b>bye</b></p></body>"
    text = parse_message(simple(html, "text/html; charset=utf-8")).body_text
    assert "Hello & bye" in " ".join(text.split())
    assert "<" not in text
    assert "p{}" not in text


def test_empty_plain_alternative_falls_back_to_html() -> None:
    raw = multipart("alternative", [part("text/plain", b""), part("text/html", b"<p>real</p>")])
    assert "real" in parse_message(raw).body_text


def test_missing_closing_boundary() -> None:
    raw = multipart(
        "mixed",
        [
            part("text/plain", b"first part"),
            b64part("image/png", b"\x89PNG", "Content-Disposition: attachment; filename=a.png"),
        ],
        close=False,
    )
    parsed = parse_message(raw)
    assert "first part" in parsed.body_text
    assert [a.filename for a in parsed.attachments] == ["a.png"]
    assert "CloseBoundaryNotFoundDefect" in parsed.defects


def test_boundary_never_present() -> None:
    raw = message(
        {"Subject": "broken", "Content-Type": 'multipart/mixed; boundary="nothere"'},
        b"Just some text, no parts at all.\r\n",
    )
    parsed = parse_message(raw)
    assert "Just some text" in parsed.body_text
    assert "StartBoundaryNotFoundDefect" in parsed.defects


def test_attachments_listed_with_callback_text() -> None:
    calls: list[tuple[str, str, bytes]] = []
    raw = multipart(
        "mixed",
        [
            part("text/plain", b"see attached"),
            b64part(
                "text/csv", b"a,b\n1,2\n", 'Content-Disposition: attachment; filename="data.csv"'
            ),
            b64part("image/gif", b"GIF89a"),
        ],
    )
    parsed = parse_message(raw, _text_callback(calls))
    assert parsed.body_text == "see attached"
    assert [(a.filename, a.content_type, a.size) for a in parsed.attachments] == [
        ("data.csv", "text/csv", 8),
        ("", "image/gif", 6),
    ]
    assert parsed.attachments[0].text == "a,b\n1,2\n"
    assert parsed.attachments[1].problem == "not indexed"
    assert calls[0] == ("data.csv", "text/csv", b"a,b\n1,2\n")


def test_without_callback_attachments_have_no_text() -> None:
    raw = multipart(
        "mixed", [b64part("text/plain", b"x", "Content-Disposition: attachment; filename=x.txt")]
    )
    (attachment,) = parse_message(raw).attachments
    assert (attachment.filename, attachment.size, attachment.text) == ("x.txt", 1, "")


def test_failing_callback_becomes_a_problem() -> None:
    def broken(filename: str, content_type: str, data: bytes) -> tuple[str, str | None]:
        raise RuntimeError("boom")

    raw = multipart(
        "mixed",
        [b64part("application/pdf", b"%PDF", "Content-Disposition: attachment; filename=a.pdf")],
    )
    (attachment,) = parse_message(raw, broken).attachments
    assert attachment.problem is not None
    assert "RuntimeError" in attachment.problem


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        (
            "attachment; filename*0*=utf-8''%E6%97%A5%E6%9C%AC; filename*1*=%E8%AA%9E.txt",
            "日本語.txt",
        ),
        (
            'attachment; filename*0="a very long file "; filename*1="name.pdf"',
            "a very long file name.pdf",
        ),
        ("attachment; filename*=iso-8859-1'fr'r%E9sum%E9.doc", "résumé.doc"),
        ('attachment; filename="=?utf-8?B?w6TDtsO8LnR4dA==?="', "äöü.txt"),
        ('attachment; filename="caf\xe9.txt"', "café.txt"),
    ],
)
def test_attachment_filenames(disposition: str, expected: str) -> None:
    extra = "Content-Disposition: " + disposition
    raw = multipart("mixed", [b64part("application/octet-stream", b"data", extra)])
    if "\xe9" in disposition:
        raw = raw.replace(disposition.encode(), disposition.encode("latin-1"))
    (attachment,) = parse_message(raw).attachments
    assert attachment.filename == expected


def test_nested_messages_three_deep_are_searchable() -> None:
    parsed = parse_message(nested(3, b"innermost needle text"))
    assert "innermost needle text" in parsed.body_text
    assert "Subject: Level 0 subject" in parsed.body_text
    assert "Subject: Level 1 subject" in parsed.body_text
    assert "wrapper 2 text" in parsed.body_text
    names = [a.filename for a in parsed.attachments]
    assert names == ["Level 1 subject.eml", "Level 0 subject.eml", "deep.pdf"]
    assert all(a.size > 0 for a in parsed.attachments)


def test_delivery_status_fields_are_text() -> None:
    status = (
        b"Reporting-MTA: dns; mx.example.org\r\n\r\n"
        b"Final-Recipient: rfc822; gone@example.org\r\nStatus: 5.1.1\r\n"
    )
    raw = multipart(
        "report; report-type=delivery-status",
        [part("text/plain", b"failed"), part("message/delivery-status", status)],
    )
    text = parse_message(raw).body_text
    assert "gone@example.org" in text
    assert "Status: 5.1.1" in text


def test_body_is_capped() -> None:
    parsed = parse_message(simple(b"x" * 5000), max_body_chars=1000)
    assert len(parsed.body_text) == 1000
    assert _has_defect(parsed.defects, "truncated")
