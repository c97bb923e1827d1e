"""parse_message on TNEF containers and on degenerate or broken input."""

from __future__ import annotations

import pytest

from mailkeep.ingest.parse import mime, walk
from mailkeep.ingest.parse.mime import parse_message
from mailkeep.ingest.parse.model import Address

from .messages import (
    b64part,
    multipart,
    part,
    simple,
    winmail_dat,
)


def _text_callback(calls: list[tuple[str, str, bytes]]) -> mime.AttachmentTextFn:
    def callback(filename: str, content_type: str, data: bytes) -> tuple[str, str | None]:
        calls.append((filename, content_type, data))
        if content_type.startswith("text/"):
            return data.decode("utf-8", "replace"), None
        return "", "not indexed"

    return callback


def _has_defect(defects: tuple[str, ...], fragment: str) -> bool:
    return any(fragment in d for d in defects)


# --- TNEF -----------------------------------------------------------------------------------


def test_tnef_attachments_and_body() -> None:
    calls: list[tuple[str, str, bytes]] = []
    blob = winmail_dat(b"Body inside TNEF", [(b"report.txt", b"tnef attachment text")])
    raw = multipart(
        "mixed",
        [
            part("text/plain", b"outer body"),
            b64part(
                "application/ms-tnef",
                blob,
                'Content-Disposition: attachment; filename="winmail.dat"',
            ),
        ],
    )
    parsed = parse_message(raw, _text_callback(calls))
    assert "outer body" in parsed.body_text
    assert "Body inside TNEF" in parsed.body_text
    names = [a.filename for a in parsed.attachments]
    assert names == ["winmail.dat", "report.txt"]
    report = parsed.attachments[1]
    assert (report.content_type, report.size, report.text) == (
        "text/plain",
        20,
        "tnef attachment text",
    )


@pytest.mark.parametrize(
    "blob", [b"", b"not tnef at all", b"\x78\x9f\x3e\x22\x01\x00" + b"\xff" * 40]
)
def test_garbage_tnef_is_a_defect(blob: bytes) -> None:
    raw = multipart(
        "mixed",
        [
            b64part(
                "application/ms-tnef", blob, "Content-Disposition: attachment; filename=winmail.dat"
            )
        ],
    )
    parsed = parse_message(raw)
    assert parsed.attachments[0].filename == "winmail.dat"
    assert _has_defect(parsed.defects, "TNEF")


# --- degenerate input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 100,
        b"\r\n\r\n",
        b"no header separator at all",
        bytes(range(256)) * 20,
        b"Subject: hi\x00there\r\nFrom: a\x00@b\r\n\r\nbody\x00with NUL",
        b"From nobody Mon Jan  1 00:00:00 2001\nSubject: mbox\n\nbody",
    ],
)
def test_degenerate_input_never_raises(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert "\x00" not in parsed.body_text + parsed.subject
    parsed.body_text.encode("utf-8")  # no lone surrogates: storable as text


def test_headers_only_message() -> None:
    parsed = parse_message(b"Subject: only headers\r\nFrom: a@example.org")
    assert parsed.subject == "only headers"
    assert parsed.sender == (Address("", "a@example.org"),)
    assert parsed.body_text == ""
    assert not parsed.headers_only


def test_unwalkable_body_falls_back_to_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: walk.Walker, *args: object) -> None:
        raise RecursionError("too deep")

    monkeypatch.setattr(walk.Walker, "walk", explode)
    parsed = parse_message(simple(b"body"))
    assert parsed.headers_only
    assert parsed.subject == "test"
    assert _has_defect(parsed.defects, "RecursionError")


def test_parser_failure_falls_back_to_header_block(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(mime, "_parse_full", explode)
    parsed = parse_message(simple(b"body"))
    assert parsed.headers_only
    assert parsed.subject == "test"
    assert parsed.message_id == "<one@example.org>"
