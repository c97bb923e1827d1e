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
from mailkeep.ingest.parse.walk import STATUS_TYPES, content_type, part_filename, payload_bytes

SHOWN_HEADERS = ("From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Date", "Subject")
MAX_PARTS = 500
# Parts of bounce and read reports (RFC 3464, 3798, 6533) shown as text beside the body; the
# status types are parsed by the email package into header blocks, shown and served as written.
REPORT_TYPES = frozenset({*STATUS_TYPES, "text/rfc822-headers"})
MAX_REPORT_CHARS = 100_000


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
    reports: tuple[tuple[PartInfo, str], ...] = ()  # report parts and their text


def _leaves(msg: Message) -> list[Message]:
    """The leaf parts in document order; a delivery or disposition status counts as one."""
    leaves: list[Message] = []
    pending = [msg]
    while pending and len(leaves) < MAX_PARTS:
        part = pending.pop()
        payload = part.get_payload()
        if isinstance(payload, list) and content_type(part) not in STATUS_TYPES:
            pending.extend(reversed([p for p in payload if isinstance(p, Message)]))
        else:
            leaves.append(part)
    return leaves


def _report_bytes(part: Message, defects: Defects) -> bytes:
    """A report part's content as written: a status part's header blocks, or the payload."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return payload_bytes(part, defects)
    blocks = []
    for block in payload:
        if isinstance(block, Message):
            fields = "".join(f"{name}: {value}\r\n" for name, value in block.raw_items())
            rest = b"" if block.is_multipart() else payload_bytes(block, defects)
            head = fields.encode("utf-8", "surrogateescape")
            blocks.append(head + b"\r\n" + rest if rest else head)
    return b"\r\n".join(blocks)


def _part_data(part: Message, ctype: str, defects: Defects) -> bytes:
    """The bytes a download of ``part`` serves."""
    return _report_bytes(part, defects) if ctype in REPORT_TYPES else payload_bytes(part, defects)


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
    parts = _Parts(defects)
    for index, part in enumerate(_leaves(msg)):
        parts.add(index, part)
    subject = next((v for n, v in headers if n == "Subject"), "")
    return MailView(
        subject,
        headers,
        parts.text or "",
        parts.html,
        tuple(parts.attachments),
        parts.inline,
        tuple(parts.reports),
    )


class _Parts:
    """The leaf parts of one message sorted into bodies, reports and attachments."""

    def __init__(self, defects: Defects) -> None:
        self.defects = defects
        self.text: str | None = None
        self.html: str | None = None
        self.attachments: list[PartInfo] = []
        self.inline: dict[str, PartInfo] = {}
        self.reports: list[tuple[PartInfo, str]] = []

    def add(self, index: int, part: Message) -> None:
        ctype = content_type(part)
        filename = part_filename(part, self.defects)
        body = not _is_attachment(part, filename)
        if body and ctype == "text/plain" and self.text is None:
            self.text = _text_of(part, self.defects)
            return
        if body and ctype == "text/html" and self.html is None:
            self.html = _text_of(part, self.defects)
            return
        if ctype.startswith("multipart/") or ctype == "message/rfc822":
            return
        data = _part_data(part, ctype, self.defects)
        cid = str(part.get("Content-ID", "")).strip().strip("<>")
        info = PartInfo(
            index=index,
            filename=filename or _fallback_name(index, ctype),
            content_type=ctype,
            size=len(data),
            content_id=cid,
            inline=str(part.get("Content-Disposition", "")).lower().startswith("inline"),
        )
        if ctype in REPORT_TYPES:
            text, _problem = decode_text(data[: MAX_REPORT_CHARS * 4], part_charset(part))
            self.reports.append((info, text[:MAX_REPORT_CHARS].replace("\r\n", "\n")))
        if cid and ctype.startswith("image/"):
            self.inline[cid] = info
        if filename or not (cid and ctype.startswith("image/")):
            self.attachments.append(info)


def _fallback_name(index: int, ctype: str) -> str:
    if ctype in REPORT_TYPES:  # "delivery-status.txt": what it is, readable as text
        return f"{ctype.partition('/')[2]}.txt"
    extension = {"text/plain": "txt", "text/html": "html", "message/rfc822": "eml"}.get(
        ctype, ctype.rpartition("/")[2][:10] or "bin"
    )
    return f"part-{index}.{extension}"


def part_bytes(raw: bytes, index: int) -> tuple[str, bytes] | None:
    """(content type, decoded bytes) of the leaf part at ``index``, or None."""
    defects = Defects()
    leaves = _leaves(message_tree(raw, defects))
    if not 0 <= index < len(leaves):
        return None
    part = leaves[index]
    ctype = content_type(part)
    return ctype, _part_data(part, ctype, defects)
