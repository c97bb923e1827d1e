"""Raw RFC 5322 bytes to a :class:`ParsedMessage`, for any input whatsoever.

The message tree is the stdlib's ``compat32`` one (several times faster than
``policy.default``, whose header objects we would not use), built by :mod:`.fastmime` when the
message is regular and by the stdlib parser otherwise; header, charset, address and date
decoding are done by the sibling modules, which are more lenient than the stdlib's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from mailkeep.ingest.parse import fastmime
from mailkeep.ingest.parse.defects import Defects
from mailkeep.ingest.parse.envelope import Envelope, read_envelope
from mailkeep.ingest.parse.model import Attachment, ParsedMessage
from mailkeep.ingest.parse.walk import Walker

AttachmentTextFn = Callable[[str, str, bytes], tuple[str, str | None]]
"""(filename, content_type, payload) -> (text, problem), supplied by the ingest pipeline.

It decides which attachment kinds are indexed and applies size and time caps; ``problem``
says why there is no text (None when fine or simply not indexed).
"""

DEFAULT_MAX_BODY_CHARS = 2_000_000
FAST_PATH = True
"""Try :mod:`.fastmime` before the stdlib parser (tests turn it off to compare the two)."""
_HEADER_END = re.compile(rb"\r?\n\r?\n")

__all__ = [
    "DEFAULT_MAX_BODY_CHARS",
    "AttachmentTextFn",
    "message_tree",
    "parse_headers",
    "parse_message",
]


def parse_message(
    raw: bytes,
    attachment_text: AttachmentTextFn | None = None,
    max_body_chars: int = DEFAULT_MAX_BODY_CHARS,
) -> ParsedMessage:
    """Parse one message's raw bytes into header fields, body text and attachments.

    Never raises (for any bytes, including empty or binary input): problems are listed in
    ``defects`` and the result holds whatever could be read. If the MIME body cannot be
    walked at all, only the header block is analysed and ``headers_only`` is True.

    ``attachment_text`` is called with (filename, content_type, decoded payload) for every
    attachment and returns (text, problem); without it attachments are listed without text.
    Body text is capped at ``max_body_chars`` characters.
    """
    defects = Defects()
    try:
        return _parse_full(bytes(raw), attachment_text, max(0, max_body_chars), defects)
    except Exception as exc:  # the parser is heuristic code over hostile input: contain it
        defects.add_exception("message not parsable", exc)
    return _parse_headers_only(raw, defects)


def _parse_full(
    raw: bytes, callback: AttachmentTextFn | None, max_chars: int, defects: Defects
) -> ParsedMessage:
    msg = message_tree(raw, defects)
    envelope = read_envelope(msg, defects, top=True)
    walker = Walker(callback, max_chars, defects)
    try:
        walker.walk(msg)
    except Exception as exc:
        defects.add_exception("MIME structure not walkable", exc)
        if not walker.body and not walker.attachments:
            return _build(envelope, "", (), defects, headers_only=True)
    if walker.truncated:
        defects.add(f"body text truncated at {max_chars} characters")
    return _build(envelope, walker.text(), tuple(walker.attachments), defects)


def message_tree(raw: bytes, defects: Defects) -> Message:
    """The stdlib's compat32 tree: from the fast parser when it is sure, else the stdlib's.

    The stdlib's parser recurses once per nesting level and overflows on a few hundred; such
    a message gets the fast parser's tree cut below :data:`fastmime.MAX_DEPTH` (a defect says
    so), so its headers and upper parts stay readable and searchable. Never raises
    RecursionError: when even that fails, the tree is the header block over one opaque body.
    """
    if FAST_PATH:
        try:
            return fastmime.parse_bytes(raw)
        except fastmime.GiveUp:
            pass
    try:
        return BytesParser(policy=compat32).parsebytes(raw)
    except RecursionError:
        pass
    try:
        tree = fastmime.parse_bytes(raw, cut_deep=True)
        defects.add(f"MIME nesting deeper than {fastmime.MAX_DEPTH} levels; deeper parts skipped")
    except fastmime.GiveUp:
        tree = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
        defects.add("MIME nesting too deep to read; body not analysed")
    return tree


def parse_headers(raw: bytes) -> ParsedMessage:
    """Only the header block of ``raw`` (work linear in its size); never raises."""
    return _parse_headers_only(raw, Defects())


def _parse_headers_only(raw: object, defects: Defects) -> ParsedMessage:
    """Fallback: analyse just the header block (everything before the first blank line)."""
    try:
        data = bytes(raw)  # type: ignore[call-overload]
        end = _HEADER_END.search(data)
        block = data[: end.start()] if end else data
        msg = BytesParser(policy=compat32).parsebytes(block, headersonly=True)
        envelope = read_envelope(msg, defects, top=True)
    except Exception as exc:
        defects.add_exception("header block not parsable", exc)
        envelope = Envelope()
    return _build(envelope, "", (), defects, headers_only=True)


def _build(
    envelope: Envelope,
    body_text: str,
    attachments: tuple[Attachment, ...],
    defects: Defects,
    *,
    headers_only: bool = False,
) -> ParsedMessage:
    return ParsedMessage(
        subject=envelope.subject,
        sender=envelope.sender,
        to=envelope.to,
        cc=envelope.cc,
        bcc=envelope.bcc,
        date=envelope.date,
        message_id=envelope.message_id,
        in_reply_to=envelope.in_reply_to,
        references=envelope.references,
        body_text=body_text,
        attachments=attachments,
        defects=defects.as_tuple(),
        headers_only=headers_only,
    )
