"""The header fields of a message (or of a nested message) that ParsedMessage exposes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

from mailkeep.ingest.parse.addresses import parse_addresses
from mailkeep.ingest.parse.charset import decode_raw_header, legacy_header_codec
from mailkeep.ingest.parse.defects import Defects
from mailkeep.ingest.parse.headers import (
    decode_header,
    first_msg_id,
    msg_ids,
    parse_date,
    raw_bytes,
)
from mailkeep.ingest.parse.model import Address
from mailkeep.ingest.parse.params import part_charset

# Parts looked at for a declared charset, a hint for undeclared 8-bit header bytes.
_HINT_PARTS = 50
_WANTED = frozenset(
    {"subject", "from", "sender", "to", "cc", "bcc", "date", "message-id"}
    | {"in-reply-to", "references"}
)
# The fields with human text, whose undeclared 8-bit bytes are decoded with one codec.
_DECODED = ("subject", "from", "sender", "to", "cc", "bcc")


@dataclass(frozen=True)
class Envelope:
    """Decoded header fields; ``date_text`` is the Date header as written (for display)."""

    subject: str = ""
    sender: tuple[Address, ...] = ()
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    date: datetime | None = None
    date_text: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()

    def summary(self) -> str:
        """A From/To/Subject/Date block, so a nested message's headers are searchable."""
        lines = [
            ("From", ", ".join(a.display() for a in self.sender)),
            ("To", ", ".join(a.display() for a in self.to)),
            ("Cc", ", ".join(a.display() for a in self.cc)),
            ("Subject", self.subject),
            ("Date", self.date_text),
        ]
        return "\n".join(f"{name}: {value}" for name, value in lines if value)


def _raw_fields(msg: Message) -> dict[str, list[object]]:
    """One pass over the raw headers, keeping only the fields we decode."""
    fields: dict[str, list[object]] = {}
    for name, value in msg.raw_items():
        key = name.strip().lower()
        if key in _WANTED:
            fields.setdefault(key, []).append(value)
    return fields


def _ascii_field(values: list[object] | None) -> str:
    """Message-id style fields: no RFC 2047, but 8-bit junk must still become valid text."""
    if not values:
        return ""
    return " ".join(decode_raw_header(raw_bytes(v))[0] for v in values)


def _declared_charsets(msg: Message) -> list[str]:
    """The charsets the message's parts declare, in order, without duplicates."""
    found: dict[str, None] = {}
    for part in itertools.islice(msg.walk(), _HINT_PARTS):
        charset = part_charset(part)
        if charset:
            found.setdefault(charset.lower(), None)
    return list(found)


def _legacy_codec(msg: Message, fields: dict[str, list[object]]) -> str | None:
    """The codec for the undeclared 8-bit bytes of these header fields (see
    :func:`legacy_header_codec`); the parts are walked only when there are such bytes."""
    values = [raw_bytes(v) for key in _DECODED for v in fields.get(key, ())]
    if all(v.isascii() for v in values):
        return None
    try:
        hints = _declared_charsets(msg)
    except RecursionError:  # a tree the stdlib built too deep to walk
        hints = []
    return legacy_header_codec(values, hints)


def header_codec(msg: Message) -> str | None:
    """The codec for undeclared non-UTF-8 8-bit bytes in ``msg``'s header fields (None: there
    are none), as :func:`read_envelope` decodes them; for showing the same text."""
    return _legacy_codec(msg, _raw_fields(msg))


def read_envelope(msg: Message, defects: Defects, *, top: bool) -> Envelope:
    """Decode the envelope fields of ``msg``; problems go to ``defects``, never raised."""
    fields = _raw_fields(msg)
    legacy = _legacy_codec(msg, fields)
    subject = fields.get("subject")
    date_values = fields.get("date")
    date_text = decode_header(date_values[0], defects) if date_values else ""
    date: datetime | None = None
    if date_text:
        date, problem = parse_date(date_text)
        defects.add(problem)
    elif top:
        defects.add("missing Date header")
    senders = fields.get("from") or fields.get("sender") or []
    return Envelope(
        subject=decode_header(subject[0], defects, legacy) if subject else "",
        sender=parse_addresses(senders, defects, legacy),
        to=parse_addresses(fields.get("to", []), defects, legacy),
        cc=parse_addresses(fields.get("cc", []), defects, legacy),
        bcc=parse_addresses(fields.get("bcc", []), defects, legacy),
        date=date,
        date_text=date_text,
        message_id=first_msg_id(_ascii_field(fields.get("message-id"))),
        in_reply_to=first_msg_id(_ascii_field(fields.get("in-reply-to"))),
        references=tuple(msg_ids(_ascii_field(fields.get("references")))),
    )
