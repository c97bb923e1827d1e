"""Exchange / Microsoft 365 envelope journal reports.

A journal report (header ``X-MS-Journal-Report``) is a wrapper message: a text part listing the
envelope (``Sender:``, ``To:``/``Cc:``/``Bcc:``/``Recipient:`` lines, with distribution lists
expanded as ``To: list@x, Expanded: member@x``) and the original message attached as
``message/rfc822``. The archive keeps the attached original byte for byte and files it by the
envelope, which is the only place Bcc recipients and list members appear.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from mailkeep.sources.base import SourceMessage
from mailkeep.sources.routing import ADDRESS, AddressBook, Router, Routing, header_addresses

JOURNAL_HEADER = "X-MS-Journal-Report"
_SENDER_KEYS = {"sender", "from", "on-behalf-of"}
_RECIPIENT_KEYS = {"to", "cc", "bcc", "recipient", "recipients"}


@dataclass(frozen=True)
class JournalReport:
    """The envelope of a journalled message and its original bytes."""

    original: bytes
    senders: list[str]
    recipients: list[str]


def _split_head(raw: bytes) -> tuple[bytes, bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = raw.partition(separator)
        if found:
            return head + separator, body
    return raw, b""


def _headers(head: bytes) -> Message:
    return BytesHeaderParser(policy=compat32).parsebytes(head)


def mime_parts(raw: bytes) -> list[bytes] | None:
    """The raw bytes of each top-level part of a multipart message (None if not multipart)."""
    head, body = _split_head(raw)
    boundary = _headers(head).get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        return None
    delimiter = re.compile(rb"(?:^|\r?\n)--" + re.escape(boundary.encode()) + rb"(--)?[ \t]*")
    parts: list[bytes] = []
    start: int | None = None
    for match in delimiter.finditer(body):
        if start is not None:
            parts.append(body[start : match.start()])
        if match.group(1):  # the closing delimiter
            return parts
        line_end = body.find(b"\n", match.end())
        start = len(body) if line_end < 0 else line_end + 1
    if start is not None:
        parts.append(body[start:])  # no closing delimiter: take what is there
    return parts


def _attached_original(part: bytes) -> bytes | None:
    head, body = _split_head(part)
    headers = _headers(head)
    if headers.get_content_type() != "message/rfc822":
        return None
    if str(headers.get("Content-Transfer-Encoding", "")).strip().lower() == "base64":
        try:
            return base64.b64decode(body, validate=False)
        except (binascii.Error, ValueError):
            return None
    return body


def parse_envelope(text: str) -> tuple[list[str], list[str]]:
    """(senders, recipients) from the report's ``Key: value`` lines."""
    senders: list[str] = []
    recipients: list[str] = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in _SENDER_KEYS:
            senders += ADDRESS.findall(value)
        elif key in _RECIPIENT_KEYS:
            recipients += ADDRESS.findall(value)  # includes "Expanded:"/"Forwarded:" members
    return senders, recipients


def read_report(raw: bytes) -> JournalReport | None:
    """The journal report in ``raw``, or None if it is not one (or has no original)."""
    head, _body = _split_head(raw)
    if _headers(head).get(JOURNAL_HEADER) is None:
        return None
    parts = mime_parts(raw) or []
    original, envelope = None, ""
    for part in parts:
        found = _attached_original(part)
        if found is not None and original is None:
            original = found
        elif not envelope:
            part_head, part_body = _split_head(part)
            if _headers(part_head).get_content_maintype() == "text":
                envelope = part_body.decode("utf-8", "replace")
    if original is None:
        return None
    senders, recipients = parse_envelope(envelope)
    return JournalReport(original, senders, recipients)


def journal_router(book: AddressBook) -> Router:
    """File the original of each journal report by its envelope; other mail by its headers."""

    def route(message: SourceMessage) -> Routing:
        report = read_report(message.raw)
        if report is None:
            senders, recipients = header_addresses(message.raw)
            note = "not a journal report (no attached original): filed by its headers"
            return Routing(book.file(message.raw, senders, recipients), message.raw, note)
        copies = book.file(report.original, report.senders, report.recipients)
        return Routing(copies, report.original)

    return route
