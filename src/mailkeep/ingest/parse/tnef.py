"""Outlook's TNEF container (winmail.dat, application/ms-tnef): its files and body text.

Outlook wraps the real attachments (and sometimes the only copy of the body) in TNEF, so
without unpacking it they would be neither listed nor searchable. ``tnefparse`` does the
decoding; it is not hardened against hostile input, so every use is guarded.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tnefparse import TNEF

from mailkeep.ingest.parse.charset import decode_raw_header, decode_text
from mailkeep.ingest.parse.defects import Defects
from mailkeep.ingest.parse.htmltext import html_to_text
from mailkeep.ingest.parse.model import Attachment

if TYPE_CHECKING:
    from mailkeep.ingest.parse.mime import AttachmentTextFn

TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
# Embedded Outlook messages can nest; real ones stop after a level or two.
MAX_TNEF_DEPTH = 4


@dataclass
class TnefContent:
    """What a TNEF blob yielded: body text and the files it held."""

    body: str = ""
    attachments: list[Attachment] = field(default_factory=list)


def is_tnef(content_type: str, filename: str) -> bool:
    """Whether a MIME part is a TNEF container, by type or by Outlook's file name."""
    return content_type in TNEF_TYPES or filename.lower() == "winmail.dat"


def _as_text(value: object) -> str:
    """A tnefparse string property (str, bytes, or a list of either) as clean text."""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    if isinstance(value, bytes):
        value = decode_raw_header(value.split(b"\x00", 1)[0])[0]
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


def _body_text(tnef: TNEF, defects: Defects) -> str:
    """The plain body if present, else the HTML body converted (RTF-only bodies are skipped)."""
    for value, is_html in ((tnef.body, False), (tnef.htmlbody, True)):
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if isinstance(value, bytes):
            value, problem = decode_text(value.rstrip(b"\x00"), str(tnef.codepage or ""))
            defects.add(f"TNEF body: {problem}" if problem else None)
        if isinstance(value, str) and value.strip():
            value = value.replace("\x00", "")
            return html_to_text(value, defects) if is_html else value
    return ""


def _attachment_name(item: object) -> str:
    long_name = ""
    try:
        long_name = _as_text(item.long_filename())  # type: ignore[attr-defined]
    except Exception:  # tnefparse decodes names strictly and can raise on odd code pages
        long_name = ""
    return long_name or _as_text(getattr(item, "_name", b""))


def _collect(
    tnef: TNEF, callback: AttachmentTextFn | None, defects: Defects, depth: int
) -> TnefContent:
    content = TnefContent(body=_body_text(tnef, defects))
    for item in tnef.attachments:
        data = item.data if isinstance(item.data, bytes) else b""
        name = _attachment_name(item)
        embedded = getattr(item, "embed", None)
        if embedded is not None:
            content.attachments.append(Attachment(name or "embedded.msg", "message/x-tnef", 0))
            if depth < MAX_TNEF_DEPTH:
                inner = _collect(embedded, callback, defects, depth + 1)
                content.body = "\n\n".join(filter(None, (content.body, inner.body)))
                content.attachments.extend(inner.attachments)
            continue
        ctype = (mimetypes.guess_type(name)[0] if name else None) or "application/octet-stream"
        content.attachments.append(attachment_with_text(name, ctype, data, callback))
    return content


def attachment_with_text(
    filename: str, content_type: str, data: bytes, callback: AttachmentTextFn | None
) -> Attachment:
    """An :class:`Attachment` with text from ``callback`` (guarded: it must not sink a message)."""
    if callback is None:
        return Attachment(filename, content_type, len(data))
    try:
        text, problem = callback(filename, content_type, data)
    except Exception as exc:
        text, problem = "", f"text extraction failed: {type(exc).__name__}"
    return Attachment(filename, content_type, len(data), text, problem)


def read_tnef(data: bytes, callback: AttachmentTextFn | None, defects: Defects) -> TnefContent:
    """Unpack a TNEF blob; a corrupt one yields a defect and whatever was recovered."""
    try:
        tnef = TNEF(data, do_checksum=False)
    except Exception as exc:
        defects.add_exception("unreadable TNEF", exc)
        return TnefContent()
    try:
        content = _collect(tnef, callback, defects, 0)
    except Exception as exc:
        defects.add_exception("damaged TNEF", exc)
        return TnefContent()
    if not content.body and not content.attachments:
        defects.add("TNEF holds no readable body or attachment")
    return content
