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
# The common shapes of an address list, read without the stdlib's (pure Python, character by
# character) address parser: ``a@b``, ``<a@b>``, ``Name <a@b>`` and ``"Name, Inc." <a@b>``,
# comma separated. Names are plain words (or quoted without backslashes or quotes inside);
# anything else (comments, groups, routes, quoted local parts, encoded words) takes the stdlib
# path. Both give the same pairs for what this matches (tests/unit/ingest/parse).
_ADDR = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+"
_WORDS = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:[ \t]+[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_ITEM_RE = re.compile(
    rf"[ \t]*(?:(?P<bare>{_ADDR})"
    rf'|(?:"(?P<quoted>[^"\\]*)"|(?P<words>{_WORDS}))?[ \t]*<(?P<angle>{_ADDR})>)[ \t]*'
)


def _unfold(value: object) -> str:
    """The raw value as one line; 8-bit bytes stay surrogate-escaped for now."""
    raw = raw_bytes(value).replace(b"\r", b"").replace(b"\n", b"")
    return raw.decode("utf-8", "surrogateescape")


def _regex_fallback(values: Sequence[str], defects: Defects) -> list[tuple[str, str]]:
    found = [("", m) for v in values for m in _EMAIL.findall(v)]
    defects.add("address header not parsable; addresses recovered by pattern")
    return found


def _simple_pairs(lines: Sequence[str]) -> list[tuple[str, str]] | None:
    """(name, address) pairs of lines that all have a common shape, else None."""
    pairs: list[tuple[str, str]] = []
    for line in lines:
        if not line.strip():
            continue
        position = 0
        while True:  # one item at a time: no backtracking across items
            item = _ITEM_RE.match(line, position)
            if item is None:
                return None
            pairs.append(_pair(item))
            position = item.end()
            if position == len(line):
                break
            if line[position] != ",":
                return None
            position += 1
    return pairs


def _pair(item: re.Match[str]) -> tuple[str, str]:
    if item["bare"]:
        return "", item["bare"]
    if item["quoted"] is not None:
        return item["quoted"], item["angle"]
    return " ".join((item["words"] or "").split()), item["angle"]  # as the stdlib joins words


def parse_addresses(
    values: Sequence[object], defects: Defects, legacy: str | None = None
) -> tuple[Address, ...]:
    """Parse one or more raw occurrences of an address header (``legacy``: as for
    :func:`decode_header`).

    The raw header is split into addresses *before* RFC 2047 decoding, as the RFC intends:
    decoding first would turn an encoded comma in a display name ("Doe, John") into a
    separator. Each display name and address is then decoded on its own.
    """
    lines = [_unfold(v) for v in values]
    pairs = _simple_pairs(lines)
    if pairs is None:
        try:
            pairs = getaddresses(lines)
        except Exception:  # the stdlib address parser has raised on odd input before
            pairs = _regex_fallback(lines, defects)
    result: dict[Address, None] = {}
    for name, email in pairs[:MAX_ADDRESSES]:
        if not name and not email:
            continue
        address = Address(
            decode_header(name, defects, legacy), decode_header(email, defects, legacy)
        )
        result.setdefault(address, None)
    return tuple(result)
