"""Walking a parsed MIME tree once, collecting body text and attachments."""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.message import Message
from typing import TYPE_CHECKING

from mailkeep.ingest.parse.charset import decode_raw_header, decode_text
from mailkeep.ingest.parse.defects import Defects
from mailkeep.ingest.parse.envelope import read_envelope
from mailkeep.ingest.parse.headers import clean_text, decode_header
from mailkeep.ingest.parse.htmltext import html_to_text
from mailkeep.ingest.parse.model import Attachment
from mailkeep.ingest.parse.params import header_params, part_charset
from mailkeep.ingest.parse.tnef import attachment_with_text, is_tnef, read_tnef

if TYPE_CHECKING:
    from mailkeep.ingest.parse.mime import AttachmentTextFn

# Real mail nests a few levels; hostile mail nests thousands (each level costs a frame).
MAX_DEPTH = 40
HTML_MARKUP_PER_CHAR = 4
BODY_TYPES = frozenset({"text/plain", "text/html", "text/enriched", "text/rfc822-headers"})
NESTED_TYPES = frozenset({"message/rfc822", "message/global", "message/news"})
STATUS_TYPES = frozenset(
    {
        "message/delivery-status",
        "message/global-delivery-status",
        "message/disposition-notification",
        "message/global-disposition-notification",
    }
)
_CTYPE_JUNK = re.compile(r"[^!-~]+")
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def content_type(part: Message) -> str:
    """The part's lowercased content type, guaranteed ASCII."""
    ctype = part.get_content_type()
    if ctype.isascii() and ctype.isprintable() and " " not in ctype:
        return ctype
    return _CTYPE_JUNK.sub("", ctype) or "application/octet-stream"


def payload_bytes(part: Message, defects: Defects) -> bytes:
    """The decoded payload (base64/QP/uuencode undone); damage is recorded, not raised."""
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # compat32's decoders are lenient, but not provably total
        defects.add_exception("payload not decodable", exc)
        data = None
    defects.add_stdlib(part.defects)  # decoding appends base64 defects to the part
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _param_text(value: object, defects: Defects) -> str:
    """A parameter value (plain, RFC 2047-encoded, raw 8-bit, or an RFC 2231 triple)."""
    if isinstance(value, tuple) and len(value) == 3:
        charset, _language, text = value
        try:
            data = str(text).encode("latin-1", "surrogateescape")
        except UnicodeEncodeError:
            data = str(text).encode("utf-8", "surrogateescape")
        decoded, problem = decode_text(data, charset or None)
        defects.add(f"parameter: {problem}" if problem else None)
        return clean_text(decoded)
    return decode_header(value, defects) if isinstance(value, str) else ""


def part_filename(part: Message, defects: Defects) -> str:
    """The file name from Content-Disposition ``filename`` or Content-Type ``name``."""
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        try:
            value = header_params(part, header).get(param)
        except Exception as exc:  # decode_params is not total on garbage
            defects.add_exception("bad header parameter", exc)
            continue
        if value:
            name = _param_text(value, defects)
            if name:
                return name
    return ""


def _disposition(part: Message) -> str:
    try:
        return part.get_content_disposition() or ""
    except Exception:  # a mangled Content-Disposition is as good as none
        return ""


def _alternative_rank(part: Message, depth: int = 0) -> int:
    """How good a body this alternative is: plain text 3, plain inside a container 2, HTML 1."""
    ctype = content_type(part)
    payload = part.get_payload()
    if isinstance(payload, list) and ctype.startswith("multipart/") and depth < 3:
        ranks = [_alternative_rank(p, depth + 1) for p in payload if isinstance(p, Message)]
        best = max(ranks, default=0)
        return 2 if best >= 2 else best
    if part_filename(part, Defects()) or _disposition(part) == "attachment":
        return 0
    return {"text/plain": 3, "text/html": 1}.get(ctype, 0)


def nested_name(subject: str) -> str:
    """A file name for a nested message: its subject, made safe, plus ".eml"."""
    stem = _UNSAFE_NAME.sub("_", subject).strip(" ._")[:100]
    return f"{stem or 'message'}.eml"


class Walker:
    """Accumulates body text (bounded) and attachments over one walk of a message tree."""

    def __init__(self, callback: AttachmentTextFn | None, max_chars: int, defects: Defects):
        self.callback = callback
        self.max_chars = max_chars
        self.defects = defects
        self.body: list[str] = []  # joined once at the end: no quadratic concatenation
        self.body_len = 0
        self.truncated = False
        self.attachments: list[Attachment] = []

    @property
    def full(self) -> bool:
        """Whether the body cap is reached (later text parts need not even be decoded)."""
        return self.body_len >= self.max_chars

    def add_text(self, text: str) -> None:
        """Append a chunk of body text, normalised and cut at the cap."""
        text = text.replace("\r\n", "\n").replace("\x00", "").strip("\n")
        if not text.strip():
            return
        room = self.max_chars - self.body_len
        if len(text) > room:
            text = text[: max(room, 0)]
            self.truncated = True
        if text:
            self.body.append(text)
            self.body_len += len(text) + 1  # +1 for the joining newline

    def text(self) -> str:
        """The collected body text."""
        return "\n".join(self.body)[: self.max_chars]

    def walk(self, part: Message, depth: int = 0, body: bool = True) -> None:
        """Visit ``part`` and its descendants; ``body`` is False inside an unused alternative."""
        self.defects.add_stdlib(part.defects)
        if depth > MAX_DEPTH:
            self.defects.add(f"MIME nesting deeper than {MAX_DEPTH}; rest skipped")
            return
        ctype = content_type(part)
        payload = part.get_payload()
        if not isinstance(payload, list):
            self._leaf(part, ctype, body)
        elif ctype in STATUS_TYPES:
            self._status(payload, body)
        elif ctype.startswith("message/"):
            self._nested(part, payload, depth, body)
        elif ctype == "multipart/alternative":
            self._alternative(payload, depth, body)
        else:
            for child in payload:
                if isinstance(child, Message):
                    self.walk(child, depth + 1, body)

    def _alternative(self, children: Sequence[object], depth: int, body: bool) -> None:
        parts = [c for c in children if isinstance(c, Message)]
        ranks = [_alternative_rank(p) for p in parts]
        chosen = ranks.index(max(ranks)) if parts and body else -1
        before = self.body_len
        for index, child in enumerate(parts):
            self.walk(child, depth + 1, body and index == chosen)
        if body and self.body_len == before:
            # The preferred version was empty (common: blank text part + real HTML).
            for index, child in enumerate(parts):
                if index != chosen and content_type(child) == "text/html" and ranks[index]:
                    self._body_part(child, "text/html")
                    break

    def _leaf(self, part: Message, ctype: str, body: bool) -> None:
        filename = part_filename(part, self.defects)
        if is_tnef(ctype, filename):
            self._tnef(part, ctype, filename, body)
            return
        textual = ctype in BODY_TYPES or ctype.startswith("multipart/")
        if textual and not filename and _disposition(part) != "attachment":
            if body and not self.full:
                self._body_part(part, ctype)
            return
        data = payload_bytes(part, self.defects)
        self.attachments.append(attachment_with_text(filename, ctype, data, self.callback))

    def _body_part(self, part: Message, ctype: str) -> None:
        data = payload_bytes(part, self.defects)
        text, problem = decode_text(data, part_charset(part))
        self.defects.add(problem)
        if ctype == "text/html":
            # Markup holds a few times its text; converting more than enough markup for the
            # text cap costs memory and time for text that would be cut anyway.
            markup_cap = self.max_chars * HTML_MARKUP_PER_CHAR
            if len(text) > markup_cap:
                text = text[:markup_cap]
                self.defects.add(f"HTML body larger than {markup_cap} characters; rest not indexed")
            text = html_to_text(text, self.defects)
        self.add_text(text)

    def _tnef(self, part: Message, ctype: str, filename: str, body: bool) -> None:
        data = payload_bytes(part, self.defects)
        self.attachments.append(Attachment(filename or "winmail.dat", ctype, len(data)))
        content = read_tnef(data, self.callback, self.defects)
        if body and not self.full:
            self.add_text(content.body)
        self.attachments.extend(content.attachments)

    def _status(self, blocks: Sequence[object], body: bool) -> None:
        """Delivery/disposition reports: their fields (recipient, status) as text."""
        if not body or self.full:
            return
        lines: list[str] = []
        for block in blocks:
            if not isinstance(block, Message):
                continue
            lines.extend(f"{n}: {decode_header(v, self.defects)}" for n, v in block.raw_items())
            rest = b"" if block.is_multipart() else payload_bytes(block, self.defects)
            if rest.strip():
                # the stdlib reads global reports (RFC 6533) as one message: the recipient
                # blocks are its body
                lines.append(decode_raw_header(rest)[0])
        self.add_text("\n".join(lines))

    def _nested(self, part: Message, payload: Sequence[object], depth: int, body: bool) -> None:
        inner = payload[0] if payload and isinstance(payload[0], Message) else None
        if inner is None:
            return
        envelope = read_envelope(inner, self.defects, top=False)
        name = part_filename(part, self.defects) or nested_name(envelope.subject)
        self.attachments.append(Attachment(name, content_type(part), _flat_size(inner)))
        if body and not self.full:
            self.add_text(envelope.summary())
        self.walk(inner, depth + 1, body)


def _flat_size(msg: Message) -> int:
    """Size of a nested message as serialised again (the parser keeps no byte offsets)."""
    try:
        return len(msg.as_bytes())
    except Exception:  # re-serialising a broken message can fail; the size is only a hint
        return 0
