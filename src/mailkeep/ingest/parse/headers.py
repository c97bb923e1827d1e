"""Header decoding done by hand, because the fast ``compat32`` policy leaves it to us.

Header values arrive as the parser's raw str: ASCII with any 8-bit bytes smuggled through as
surrogate escapes, still folded, RFC 2047 encoded words undecoded. Everything here works on
the bytes behind that str and never raises.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.header import Header
from email.utils import parsedate_to_datetime

from mailkeep.ingest.parse.charset import decode_raw_header, decode_text
from mailkeep.ingest.parse.defects import Defects

# Lenient on purpose: real mail puts encoded words inside quotes, mid-word and with spaces in
# the Q text; strict RFC 2047 placement rules would leave those undecoded.
_ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]+")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_MSGID = re.compile(r"<([^<>\s]+)>")


def raw_bytes(value: object) -> bytes:
    """The bytes behind a compat32 header value (str with surrogate escapes, or Header)."""
    if isinstance(value, Header):
        # Only messages built in code hold Header objects; the parser yields str.
        value = str(value)
    text = value if isinstance(value, str) else str(value)
    return text.encode("utf-8", "surrogateescape")


def clean_text(text: str) -> str:
    """Control characters (folding, NUL) to single spaces, outer whitespace stripped."""
    if text.isprintable():
        return text.strip()
    return _CONTROL.sub(" ", text).replace("\t", " ").strip()


def _decode_b(data: bytes, defects: Defects) -> bytes:
    cleaned = _NOT_BASE64.sub(b"", data)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    if cleaned != data.rstrip(b"="):
        defects.add("malformed base64 in encoded word")
    try:
        return binascii.a2b_base64(cleaned + b"=" * (-len(cleaned) % 4))
    except binascii.Error:
        defects.add("undecodable base64 in encoded word")
        return b""


def _split_words(raw: bytes, defects: Defects) -> list[tuple[str | None, bytes]]:
    """Split a header into (charset or None for literal bytes, bytes) runs.

    Whitespace between adjacent encoded words is dropped (RFC 2047 section 6.2), and adjacent
    words in the same charset are joined *before* decoding, so a multibyte character split
    across two words still decodes.
    """
    runs: list[tuple[str | None, bytes]] = []
    pos = 0
    for match in _ENCODED_WORD.finditer(raw):
        between = raw[pos : match.start()]
        after_word = bool(runs) and runs[-1][0] is not None
        if between and not (after_word and between.isspace()):
            runs.append((None, between))
        charset = match.group(1).split(b"*", 1)[0].decode("ascii", "replace").lower()
        payload = match.group(3)
        if match.group(2) in b"bB":
            data = _decode_b(payload, defects)
        else:
            data = binascii.a2b_qp(payload, header=True)
        if runs and runs[-1][0] == charset:
            runs[-1] = (charset, runs[-1][1] + data)
        else:
            runs.append((charset, data))
        pos = match.end()
    if pos < len(raw):
        runs.append((None, raw[pos:]))
    return runs


def decode_header(value: object, defects: Defects, legacy: str | None = None) -> str:
    """Decode a raw header value to clean single-line text (RFC 2047 and raw 8-bit; ``legacy``
    is the codec for undeclared 8-bit bytes that are not UTF-8, None to detect per value)."""
    if type(value) is str and value.isascii() and value.isprintable() and "=?" not in value:
        return value.strip()  # the common case: nothing to unfold, decode or clean
    return _decode_header_general(value, defects, legacy)


def _decode_header_general(value: object, defects: Defects, legacy: str | None = None) -> str:
    """:func:`decode_header` for any value (folded, encoded words, 8-bit, control chars)."""
    raw = _FOLD.sub(b"", raw_bytes(value))
    if b"=?" not in raw:
        text, problem = decode_raw_header(raw, legacy)
        defects.add(problem)
        return clean_text(text)
    pieces: list[str] = []
    for charset, data in _split_words(raw, defects):
        if charset is None:
            text, problem = decode_raw_header(data, legacy)
        else:
            text, problem = decode_text(data, charset)
            if problem:
                problem = f"encoded word: {problem}"
        defects.add(problem)
        pieces.append(text)
    return clean_text("".join(pieces))


def msg_ids(value: str) -> list[str]:
    """Angle-bracketed message ids in ``value``, in order, without duplicates."""
    found = dict.fromkeys(f"<{m}>" for m in _MSGID.findall(value))
    if not found:
        # Some mailers omit the brackets; keep a lone id-looking token.
        bare = [tok.strip("<>,;") for tok in value.split() if "@" in tok]
        found = dict.fromkeys(f"<{tok}>" for tok in bare if tok)
    return list(found)


def first_msg_id(value: str) -> str:
    """The first message id in ``value`` ("" when none)."""
    ids = msg_ids(value)
    return ids[0] if ids else ""


# --- dates -------------------------------------------------------------------------------

_COMMENT = re.compile(r"\([^()]*\)")
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC|UT)\s*([+-]\d{2}:?\d{2})\b", re.IGNORECASE)
_ISO = re.compile(
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:\s*[A-Za-z]{3},?)?[T ]+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\.\d+)?\s*(Z\b|[+-]\d{2}:?\d{2}|[A-Za-z]{1,5}\b)?"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _to_utc(parsed: datetime) -> datetime | None:
    """Naive values (zone "-0000" or none) are taken as UTC; absurd years are rejected."""
    if 100 <= parsed.year < 200:
        # The classic "year - 1900" bug of old mailers: 0102 means 2002.
        try:
            parsed = parsed.replace(year=parsed.year + 1900)
        except ValueError:
            return None
    if not 1900 <= parsed.year <= 2200:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _rfc_variants(text: str) -> Iterator[str]:
    """The value itself, then progressively cleaned-up variants of common junk (made only when
    the one before did not parse)."""
    # "GMT-0700" must become "-0700" before the first attempt: the stdlib reads it as naive.
    offset_fixed = _GMT_OFFSET.sub(lambda m: " " + m.group(1).replace(":", ""), text)
    yield offset_fixed
    cleaned = " ".join(_COMMENT.sub(" ", offset_fixed).replace(",", " ").split())
    yield cleaned
    # Drop a bad zone (e.g. "+2500") or trailing junk: keep the first five tokens.
    yield " ".join(cleaned.split(" ")[:5])


def _iso_as_rfc(text: str) -> str | None:
    """Rewrite an ISO-like "2002-09-14 02:29:32 CDT" as RFC 5322 so the stdlib can parse it."""
    match = _ISO.search(text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return None
    year, month, day, hour, minute = match.group(1, 2, 3, 4, 5)
    zone = (match.group(7) or "+0000").replace(":", "")
    zone = "+0000" if zone.upper() == "Z" else zone
    second = match.group(6) or "00"
    return f"{day} {_MONTHS[int(month) - 1]} {year} {hour}:{minute}:{second} {zone}"


def parse_date(value: str) -> tuple[datetime | None, str | None]:
    """A Date header value as an aware UTC datetime, or (None, defect) when unparsable."""
    text = value.strip()
    if not text:
        return None, "empty Date header"
    for attempt, candidate in enumerate(_rfc_variants(text)):
        try:
            result = _to_utc(parsedate_to_datetime(candidate))
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if result is not None:
            return result, "malformed Date header repaired" if attempt else None
    rewritten = _iso_as_rfc(text)
    if rewritten is not None:
        try:
            result = _to_utc(parsedate_to_datetime(rewritten))
        except (TypeError, ValueError, IndexError, OverflowError):
            result = None
        if result is not None:
            return result, "non-RFC 5322 Date header"
    return None, "unparsable Date header"
