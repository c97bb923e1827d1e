"""Test messages built as bytes in code (the suite must not depend on any external corpus)."""

from __future__ import annotations

import base64
import struct

CRLF = b"\r\n"


def message(headers: dict[str, bytes | str], body: bytes = b"", *, sep: bytes = CRLF) -> bytes:
    """A message from header name -> raw value and a raw body."""
    lines = [
        name.encode("ascii") + b": " + (value if isinstance(value, bytes) else value.encode())
        for name, value in headers.items()
    ]
    return sep.join(lines) + sep + sep + body


def simple(body: bytes, content_type: str = "text/plain", cte: str = "8bit") -> bytes:
    """A single-part message with the usual envelope headers."""
    return message(
        {
            "From": "Alice <alice@example.org>",
            "To": "Bob <bob@example.org>",
            "Subject": "test",
            "Date": "Tue, 20 Aug 2002 09:42:28 -0700",
            "Message-ID": "<one@example.org>",
            "MIME-Version": "1.0",
            "Content-Type": content_type,
            "Content-Transfer-Encoding": cte,
        },
        body,
    )


def multipart(subtype: str, parts: list[bytes], boundary: str = "XyZ", close: bool = True) -> bytes:
    """A multipart message whose parts are raw "headers CRLF CRLF body" chunks."""
    b = boundary.encode()
    body = b"This is a MIME message.\r\n"
    for part in parts:
        body += b"--" + b + CRLF + part + CRLF
    if close:
        body += b"--" + b + b"--" + CRLF
    return message(
        {
            "From": "Alice <alice@example.org>",
            "Subject": "multipart test",
            "Date": "Wed, 21 Aug 2002 10:54:46 -0500 (CDT)",
            "MIME-Version": "1.0",
            "Content-Type": f'multipart/{subtype}; boundary="{boundary}"',
        },
        body,
    )


def part(content_type: str, body: bytes, *extra: str) -> bytes:
    """One MIME part: Content-Type, extra header lines, blank line, body."""
    head = [f"Content-Type: {content_type}".encode(), *(e.encode() for e in extra)]
    return CRLF.join(head) + CRLF + CRLF + body


def b64part(content_type: str, data: bytes, *extra: str) -> bytes:
    """A base64-encoded part."""
    encoded = base64.encodebytes(data).replace(b"\n", CRLF)
    return part(content_type, encoded, "Content-Transfer-Encoding: base64", *extra)


def nested(depth: int, leaf_body: bytes) -> bytes:
    """``depth`` messages each forwarding the next as message/rfc822, innermost with a PDF."""
    inner = multipart(
        "mixed",
        [
            part("text/plain; charset=utf-8", leaf_body),
            b64part(
                "application/pdf",
                b"%PDF-1.4 fake",
                'Content-Disposition: attachment; filename="deep.pdf"',
            ),
        ],
        boundary="level0",
    ).replace(b"Subject: multipart test", b"Subject: Level 0 subject")
    for level in range(1, depth):
        inner = multipart(
            "mixed",
            [part("text/plain", f"wrapper {level} text".encode()), part("message/rfc822", inner)],
            boundary=f"level{level}",
        ).replace(b"Subject: multipart test", f"Subject: Level {level} subject".encode())
    return inner


def _tnef_object(level: int, name: int, kind: int, data: bytes) -> bytes:
    header = struct.pack("<BHHI", level, name, kind, len(data))
    return header + data + struct.pack("<H", sum(data) & 0xFFFF)


def winmail_dat(body: bytes, files: list[tuple[bytes, bytes]]) -> bytes:
    """A minimal TNEF stream (MS-OXTNEF): version, code page, body, attachments."""
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += _tnef_object(1, 0x9006, 0x0008, struct.pack("<I", 0x10000))  # attTnefVersion
    out += _tnef_object(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # attOemCodepage
    out += _tnef_object(1, 0x800C, 0x0002, body + b"\x00")  # attBody
    for name, data in files:
        out += _tnef_object(2, 0x9002, 0x0006, b"\x01\x00" + b"\xff" * 12)  # attAttachRendData
        out += _tnef_object(2, 0x8010, 0x0001, name + b"\x00")  # attAttachTitle
        out += _tnef_object(2, 0x800F, 0x0006, data)  # attAttachData
    return out


# (charset, subject, From display name, a subject word and a name word to search for, body
# charset declaration or None): mail as old mailers wrote it, 8-bit headers undeclared.
LEGACY_HEADERS = [
    ("koi8_r", "Отчёт о продажах за квартал", "Иван Петров", "продажах", "Петров", None),
    ("cp1251", "Счёт на оплату поставки", "Мария Сидорова", "оплату", "Сидорова", None),
    ("shift_jis", "会議の議事録について", "山田太郎", "議事録", "山田太郎", None),
    ("iso8859_2", "Zażółć gęślą jaźń raport", "Łukasz Żółkiewski", "gęślą", "Żółkiewski",
     "iso-8859-2"),
]  # fmt: skip


def legacy_header_message(charset: str, subject: str, name: str, declared: str | None) -> bytes:
    """A message with raw ``charset`` bytes in Subject and From and no RFC 2047 anywhere."""
    content_type = f"Content-Type: text/plain; charset={declared}\r\n" if declared else ""
    return (
        b"From: " + name.encode(charset) + b" <sender@example.net>\r\n"
        b"To: alice@example.com\r\nSubject: " + subject.encode(charset) + b"\r\n"
        b"Date: Tue, 02 Jul 2024 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        + content_type.encode()
        + b"\r\n"
        + f"{charset} body text\r\n".encode(charset)
    )
