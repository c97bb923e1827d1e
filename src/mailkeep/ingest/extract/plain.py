"""Plain text and CSV: charset detection and decoding."""

from __future__ import annotations

import codecs

import charset_normalizer

from mailkeep.ingest.extract.errors import ExtractionError
from mailkeep.ingest.extract.normalise import TextSink

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# How far into the data we look for NUL bytes to tell binary files from text.
_BINARY_SNIFF = 8192


def canonical_encoding(name: str) -> str | None:
    """The Python codec for a charset name, or None if unknown.

    Latin-1 (and ASCII) labels become cp1252: mail software routinely labels Windows text as
    ISO-8859-1, and cp1252 is a superset for every printable character (as in the WHATWG
    encoding standard browsers follow).
    """
    try:
        codec = codecs.lookup(name.strip()).name
    except (LookupError, ValueError):
        return None
    if codec in {"iso8859-1", "latin-1", "ascii"}:
        return "cp1252"
    return codec


def decode_text(data: bytes) -> str:
    """Decode bytes of unknown charset: BOM, then strict UTF-8, then charset detection."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    detected = canonical_encoding(best.encoding) if best is not None else None
    return data.decode(detected or "cp1252", errors="replace")


def extract_plain(data: bytes, kind: str, sink: TextSink) -> None:
    """Feed decoded text (``text`` and ``csv`` kinds) into ``sink``."""
    head = data[:_BINARY_SNIFF]
    if b"\x00" in head and not any(head.startswith(bom) for bom, _ in _BOMS):
        raise ExtractionError(f"{kind}: data is binary, not text", kind=kind)
    for line in decode_text(data).splitlines():
        if line.strip():
            sink.add(line)
        else:
            sink.section_break()
        if sink.full:
            return
