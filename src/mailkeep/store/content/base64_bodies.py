"""A reversible transform that stores the base64 bodies of a message decoded.

Base64 text is a third larger than the bytes it encodes and hides their redundancy from the
compressor (text and HTML parts sent as base64 compress about twice as well decoded). So a
blob may hold its message as a *packed* form: the message with its base64 blocks cut out, and
each block's decoded bytes with the line length and line ending needed to encode it again.

Only blocks that encode back to exactly the same bytes are taken (checked block by block, and
the whole packed form is unpacked and compared with the message before it is used), so the
archived message always comes back byte for byte; anything unusual (odd line lengths, stray
characters, non-canonical padding) simply stays as it is. No MIME parsing is involved: any run
of base64 lines qualifies, whatever its headers say.

Packed layout (all integers big endian)::

    b"B64\\x01" | block count u32
    | per block: start in the message u64 | encoded length u64 | decoded length u64
                 | line length u32 | line ending u8 (0: LF, 1: CRLF)
    | the message without its blocks | every block's decoded bytes, in order
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

MAGIC = b"B64\x01"
_EOLS = (b"\n", b"\r\n")
# Smaller blocks gain less than their description (about ten bytes) costs.
MIN_BLOCK_BYTES = 64
_MIME_LINE = 76  # the line length RFC 2045 asks for, and what base64.encodebytes writes
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
# Lines of base64 alphabet (the last may carry "=" padding), each 2-998 characters long.
_CANDIDATE = re.compile(rb"(?:[A-Za-z0-9+/]{2,998}+={0,2}\r?\n)+")


class PackedFormError(ValueError):
    """A packed form that does not describe a message (damaged or not packed at all)."""


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    decoded: bytes
    line: int
    eol: bytes


def pack(raw: bytes) -> bytes | None:
    """The packed form of ``raw``, or None when it has no base64 block worth decoding."""
    blocks = list(_blocks(raw))
    if not blocks:
        return None
    header = bytearray(MAGIC)
    _put(header, len(blocks))
    literal: list[bytes] = []
    cursor = 0
    for block in blocks:
        for value in (
            block.start - cursor,
            block.end - block.start,
            len(block.decoded),
            block.line,
            _EOLS.index(block.eol),
        ):
            _put(header, value)
        literal.append(raw[cursor : block.start])
        cursor = block.end
    literal.append(raw[cursor:])
    packed = b"".join([header, *literal, *(b.decoded for b in blocks)])
    # Never store what does not come back. Each block's encoding was checked against the
    # message when it was taken, so the check of the whole layout reuses those encodings.
    encodings = iter([raw[b.start : b.end] for b in blocks])
    try:
        return packed if _assemble(packed, lambda *_: next(encodings)) == raw else None
    except (PackedFormError, StopIteration):
        return None


def unpack(packed: bytes) -> bytes:
    """The message a packed form describes; PackedFormError when it is not one."""
    return _assemble(packed, encode)


def _assemble(packed: bytes, encoder: Callable[[bytes, int, bytes], bytes]) -> bytes:
    """The message of a packed form, each block's text made by ``encoder``."""
    if not packed.startswith(MAGIC):
        raise PackedFormError("not a packed message")
    count, offset = _get(packed, len(MAGIC))
    specs = []
    for _ in range(min(count, len(packed))):
        spec = []
        for _field in range(5):
            value, offset = _get(packed, offset)
            spec.append(value)
        specs.append(spec)
    if len(specs) != count:
        raise PackedFormError("packed message header is cut short")
    body = memoryview(packed)[offset:]
    decoded_total = sum(spec[2] for spec in specs)
    if decoded_total > len(body):
        raise PackedFormError("packed message is cut short")
    literal, decoded = body[: len(body) - decoded_total], body[len(body) - decoded_total :]
    out: list[bytes] = []
    literal_cursor = decoded_cursor = 0
    for gap, encoded_len, decoded_len, line, eol_code in specs:
        if eol_code >= len(_EOLS) or line == 0:
            raise PackedFormError("packed message block is damaged")
        out.append(bytes(literal[literal_cursor : literal_cursor + gap]))
        literal_cursor += gap
        data = bytes(decoded[decoded_cursor : decoded_cursor + decoded_len])
        decoded_cursor += decoded_len
        text = encoder(data, line, _EOLS[eol_code])
        if len(text) != encoded_len:
            raise PackedFormError("packed message block does not encode to its length")
        out.append(text)
    if literal_cursor > len(literal):
        raise PackedFormError("packed message is cut short")
    out.append(bytes(literal[literal_cursor:]))
    return b"".join(out)


def _put(out: bytearray, value: int) -> None:
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)


def _get(data: bytes, offset: int) -> tuple[int, int]:
    """(value, offset after it) of the varint at ``offset``."""
    value = shift = 0
    while offset < len(data) and shift < 64:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, offset
        shift += 7
    raise PackedFormError("packed message header is damaged")


def max_packed_size(raw_size: int) -> int:
    """An upper bound of the packed form's size: a block never grows when decoded, its
    description takes at most 18 bytes, and blocks are at least MIN_BLOCK_BYTES long."""
    return raw_size + len(MAGIC) + 10 + 18 * (raw_size // MIN_BLOCK_BYTES + 1)


def encode(data: bytes, line: int, eol: bytes) -> bytes:
    """Base64 of ``data`` in lines of ``line`` characters, each ended by ``eol``."""
    if line == _MIME_LINE and eol == b"\n":
        return base64.encodebytes(data)  # the usual MIME layout, wrapped in C
    text = base64.b64encode(data)
    return b"".join(text[i : i + line] + eol for i in range(0, len(text), line))


@lru_cache(maxsize=64)
def _run_pattern(line: int, eol: bytes) -> re.Pattern[bytes]:
    """Matches full lines of ``line`` characters, then at most one shorter last line (base64
    wraps at a fixed width; only the last line is shorter)."""
    crlf = eol == b"\r\n"
    end = rb"\r\n" if crlf else rb"\n"
    return re.compile(
        rb"(?:[A-Za-z0-9+/=]{%d}%s)*(?:[A-Za-z0-9+/=]{1,%d}%s)?" % (line, end, line - 1, end)
        if line > 1
        else rb"(?:[A-Za-z0-9+/=]%s)*" % end
    )


def _blocks(raw: bytes) -> list[_Block]:
    found: list[_Block] = []
    done = 0
    for declared in _declarations(raw):
        if declared < done:
            continue  # inside a block already taken
        blank = _BLANK_LINE.search(raw, declared)
        match = _CANDIDATE.match(raw, blank.end()) if blank else None
        if match is None:
            continue
        position = match.start()
        while position < match.end():
            block, position = _block_at(raw, position, match.end())
            if block is not None:
                found.append(block)
        done = match.end()
    return found


def _declarations(raw: bytes) -> Iterator[int]:
    """Positions just after each "base64", in any letter case (a lowered copy and find() are
    several times faster than a case-insensitive regular expression)."""
    lowered = raw.lower()
    position = lowered.find(b"base64")
    while position >= 0:
        yield position + 6
        position = lowered.find(b"base64", position + 6)


def _block_at(raw: bytes, start: int, limit: int) -> tuple[_Block | None, int]:
    """The longest exactly re-encodable block starting at ``start`` (None when there is none
    worth taking) and where to look next."""
    first_end = raw.index(b"\n", start)
    eol = b"\r\n" if raw[first_end - 1 : first_end] == b"\r" else b"\n"
    line = first_end + 1 - len(eol) - start
    end = _run_end(raw, start, limit, line, eol)
    if end - start < MIN_BLOCK_BYTES:
        return None, max(end, first_end + 1)
    try:
        decoded = binascii.a2b_base64(raw[start:end].replace(eol, b""), strict_mode=True)
    except binascii.Error:
        return None, end
    if encode(decoded, line, eol) != raw[start:end]:
        return None, end
    return _Block(start, end, decoded, line, eol), end


def _run_end(raw: bytes, start: int, limit: int, line: int, eol: bytes) -> int:
    """End of the run of base64 lines of width ``line`` from ``start`` (before ``limit``)."""
    match = _run_pattern(line, eol).match(raw, start, limit)
    return match.end() if match else start
