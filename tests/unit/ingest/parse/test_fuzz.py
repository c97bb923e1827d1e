"""parse_message must return a storable result for any bytes at all."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailkeep.ingest.parse.mime import parse_message
from mailkeep.ingest.parse.model import ParsedMessage

from .messages import b64part, message, multipart, nested, part, winmail_dat

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,  # keep the work tree clean
    suppress_health_check=[HealthCheck.too_slow],
)


def _rich_message() -> bytes:
    """One message exercising most code paths, used as a mutation seed."""
    html = b"<html><body><p>Hello <b>world</b> &eacute;</p><script>x()</script></body></html>"
    alternative = multipart(
        "alternative",
        [
            part("text/plain; charset=iso-8859-1", "caf\xe9".encode("latin-1")),
            part("text/html", html),
        ],
        boundary="alt",
    )
    body = alternative.split(b"\r\n\r\n", 1)[1]
    return multipart(
        "mixed",
        [
            part('multipart/alternative; boundary="alt"', body),
            part("text/plain; charset=koi8-r", "Привет мир".encode("koi8-r")),
            b64part(
                "application/ms-tnef",
                winmail_dat(b"tnef body", [(b"a.txt", b"tnef file")]),
                "Content-Disposition: attachment; filename=winmail.dat",
            ),
            b64part(
                "application/pdf",
                b"%PDF-1.4",
                "Content-Disposition: attachment; filename*0*=utf-8''%E2%82%AC; filename*1=.pdf",
            ),
            part("message/rfc822", nested(2, b"deep text")),
            part(
                "text/plain; charset=utf-8",
                b"=E2=82=AC end",
                "Content-Transfer-Encoding: quoted-printable",
            ),
        ],
    ).replace(
        b"Subject: multipart test",
        b"Subject: =?utf-8?B?5pel5pys?= =?iso-2022-jp?B?GyRCRnxLXDhsGyhC?=\r\n =?x-bogus?Q?a=FF?=",
    )


RICH = _rich_message()


def _assert_storable(parsed: ParsedMessage) -> None:
    """Every string must encode as UTF-8 (no lone surrogates) and hold no NUL."""
    assert isinstance(parsed, ParsedMessage)
    strings = [parsed.subject, parsed.body_text, parsed.message_id, parsed.in_reply_to]
    strings += list(parsed.references) + list(parsed.defects)
    for group in (parsed.sender, parsed.to, parsed.cc, parsed.bcc, parsed.attachments):
        for item in group:
            strings += [v for v in dataclasses.astuple(item) if isinstance(v, str)]
    for text in strings:
        text.encode("utf-8")
        assert "\x00" not in text


def test_rich_message_parses_fully() -> None:
    parsed = parse_message(RICH)
    # Whitespace between encoded words is dropped (RFC 2047 section 6.2); "x-bogus" is guessed.
    assert parsed.subject.startswith("日本日本語a")
    assert any(d.startswith("encoded word: unknown charset") for d in parsed.defects)
    assert "café" in parsed.body_text
    assert "Hello" not in parsed.body_text  # the HTML alternative is not used
    assert "Привет мир" in parsed.body_text
    assert "tnef body" in parsed.body_text
    assert "deep text" in parsed.body_text
    assert "€ end" in parsed.body_text
    names = [a.filename for a in parsed.attachments]
    nested_names = ["Level 1 subject.eml", "Level 0 subject.eml", "deep.pdf"]
    assert names == ["winmail.dat", "a.txt", "€.pdf", *nested_names]
    _assert_storable(parsed)


def test_every_truncation_of_a_rich_message() -> None:
    for end in range(0, len(RICH), 7):
        _assert_storable(parse_message(RICH[:end]))


@FUZZ
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(raw: bytes) -> None:
    _assert_storable(parse_message(raw))


@FUZZ
@given(
    st.integers(min_value=0, max_value=len(RICH)),
    st.integers(min_value=0, max_value=200),
    st.binary(max_size=64),
)
def test_mutated_rich_message(position: int, cut: int, insert: bytes) -> None:
    raw = RICH[:position] + insert + RICH[position + cut :]
    _assert_storable(parse_message(raw))


_HEADER_PIECES = st.sampled_from(
    [
        *(b"=?", b"?=", b"?B?", b"?Q?", b"utf-8", b"x-unknown", b"iso-2022-jp", b"\x1b$B", b"=FF"),
        *(
            b"\r\n ",
            b" ",
            b"<",
            b">",
            b"@",
            b",",
            b";",
            b'"',
            b"(",
            b")",
            b"\xc3",
            b"\xa9",
            b"\xff",
        ),
        *(b"filename*0*=", b"''%E2", b"boundary=", b"multipart/mixed", b"\x00", b"a"),
    ]
)


@FUZZ
@given(st.lists(_HEADER_PIECES, max_size=40), st.lists(_HEADER_PIECES, max_size=40))
def test_header_fuzz(subject: list[bytes], content_type: list[bytes]) -> None:
    raw = message(
        {
            "Subject": b"".join(subject),
            "From": b"".join(subject),
            "Date": b"".join(content_type),
            "Content-Type": b"".join(content_type),
            "Content-Disposition": b"attachment; " + b"".join(subject),
        },
        b"body \xff\xfe text",
    )
    _assert_storable(parse_message(raw))
