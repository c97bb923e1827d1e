"""What a message looks like to a reader: headers, text and HTML bodies, attachments.

Derived from the archived raw bytes on every view (never stored). Parsing is lenient (the
compat32 policy) and reuses the ingest parser's decoders, so a message that was archived with
defects still shows whatever can be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from mailkeep.ingest.parse.charset import decode_text
from mailkeep.ingest.parse.defects import Defects
from mailkeep.ingest.parse.envelope import header_codec
from mailkeep.ingest.parse.headers import decode_header
from mailkeep.ingest.parse.mime import message_tree
from mailkeep.ingest.parse.params import part_charset
from mailkeep.ingest.parse.walk import content_type, part_filename, payload_bytes

SHOWN_HEADERS = ("From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Date", "Subject")
MAX_PARTS = 500


@dataclass(frozen=True)
class PartInfo:
    """A leaf MIME part; ``index`` is its position in document order (stable for the bytes)."""

    index: int
    filename: str
    content_type: str
    size: int
    content_id: str
    inline: bool


@dataclass(frozen=True)
class MailView:
    """The readable view of one archived message."""

    subject: str
    headers: tuple[tuple[str, str], ...]
    text: str
    html: str | None
    attachments: tuple[PartInfo, ...]
    inline_images: dict[str, PartInfo]  # by Content-ID without angle brackets


def _leaves(msg: Message) -> list[Message]:
    leaves = [p for p in msg.walk() if not p.is_multipart()]
    return leaves[:MAX_PARTS]


def _text_of(part: Message, defects: Defects) -> str:
    text, _problem = decode_text(payload_bytes(part, defects), part_charset(part))
    return text


def _is_attachment(part: Message, filename: str) -> bool:
    disposition = str(part.get("Content-Disposition", "")).lower()
    return bool(filename) or disposition.startswith("attachment")


def _shown_headers(msg: Message, defects: Defects) -> tuple[tuple[str, str], ...]:
    """The shown header fields, decoded from their raw values (``Message.get_all`` would turn
    undeclared 8-bit bytes into U+FFFD), with the codec the index used for them."""
    legacy = header_codec(msg)
    raw: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        raw.setdefault(name.strip().lower(), []).append(value)
    return tuple(
        (name, decode_header(value, defects, legacy))
        for name in SHOWN_HEADERS
        for value in raw.get(name.lower(), ())
    )


def parse_view(raw: bytes) -> MailView:
    """Headers, bodies and attachments of ``raw`` (never raises on malformed mail)."""
    defects = Defects()
    msg = message_tree(raw, defects)
    headers = _shown_headers(msg, defects)
    text: str | None = None
    html: str | None = None
    attachments: list[PartInfo] = []
    inline: dict[str, PartInfo] = {}
    for index, part in enumerate(_leaves(msg)):
        ctype = content_type(part)
        filename = part_filename(part, defects)
        if not _is_attachment(part, filename) and ctype == "text/plain" and text is None:
            text = _text_of(part, defects)
            continue
        if not _is_attachment(part, filename) and ctype == "text/html" and html is None:
            html = _text_of(part, defects)
            continue
        if ctype.startswith("multipart/") or ctype == "message/rfc822":
            continue
        cid = str(part.get("Content-ID", "")).strip().strip("<>")
        info = PartInfo(
            index=index,
            filename=filename or _fallback_name(index, ctype),
            content_type=ctype,
            size=len(payload_bytes(part, defects)),
            content_id=cid,
            inline=str(part.get("Content-Disposition", "")).lower().startswith("inline"),
        )
        if cid and ctype.startswith("image/"):
            inline[cid] = info
        if filename or not (cid and ctype.startswith("image/")):
            attachments.append(info)
    subject = next((v for n, v in headers if n == "Subject"), "")
    return MailView(subject, headers, text or "", html, tuple(attachments), inline)


def _fallback_name(index: int, ctype: str) -> str:
    extension = {"text/plain": "txt", "text/html": "html", "message/rfc822": "eml"}.get(
        ctype, ctype.rpartition("/")[2][:10] or "bin"
    )
    return f"part-{index}.{extension}"


def part_bytes(raw: bytes, index: int) -> tuple[str, bytes] | None:
    """(content type, decoded bytes) of the leaf part at ``index``, or None."""
    leaves = _leaves(message_tree(raw, Defects()))
    if not 0 <= index < len(leaves):
        return None
    part = leaves[index]
    return content_type(part), payload_bytes(part, Defects())
