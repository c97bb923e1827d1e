"""Address headers (From, To, Cc, Bcc) to :class:`Address` tuples."""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.utils import getaddresses

from mailkeep.ingest.parse.defects import Defects
from mailkeep.ingest.parse.headers import decode_header, raw_bytes
from mailkeep.ingest.parse.model import Address

_EMAIL = re.compile(r"[^\s<>()\[\]\",;:]+@[^\s<>()\[\]\",;:]+")
# A pathological header can list thousands of recipients; beyond this they add nothing.
MAX_ADDRESSES = 1000


def _unfold(value: object) -> str:
    """The raw value as one line; 8-bit bytes stay surrogate-escaped for now."""
    raw = raw_bytes(value).replace(b"\r", b"").replace(b"\n", b"")
    return raw.decode("utf-8", "surrogateescape")


def _regex_fallback(values: Sequence[str], defects: Defects) -> list[tuple[str, str]]:
    found = [("", m) for v in values for m in _EMAIL.findall(v)]
    defects.add("address header not parsable; addresses recovered by pattern")
    return found


def parse_addresses(values: Sequence[object], defects: Defects) -> tuple[Address, ...]:
    """Parse one or more raw occurrences of an address header.

    The raw header is split into addresses *before* RFC 2047 decoding, as the RFC intends:
    decoding first would turn an encoded comma in a display name ("Doe, John") into a
    separator. Each display name and address is then decoded on its own.
    """
    lines = [_unfold(v) for v in values]
    try:
        pairs = getaddresses(lines)
    except Exception:  # the stdlib address parser has raised on odd input before
        pairs = _regex_fallback(lines, defects)
    result: dict[Address, None] = {}
    for name, email in pairs[:MAX_ADDRESSES]:
        if not name and not email:
            continue
        address = Address(decode_header(name, defects), decode_header(email, defects))
        result.setdefault(address, None)
    return tuple(result)
