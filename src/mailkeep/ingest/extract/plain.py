"""Plain text and CSV: charset detection and decoding."""

from __future__ import annotations

import codecs
import re

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
# Charset detection result counts only when it also identified a language this well.
_MIN_COHERENCE = 0.2
_TIE = 0.01
_SAMPLE_CHARS = 20_000
_MAX_NON_ASCII_LETTERS = 0.25
_MIDWORD_NON_ASCII = re.compile(r"(?<=[^\W\d_])[^\x00-\x7f](?=[^\W\d_])")
_MIDWORD_PUNCTUATION = frozenset("\u2019\u00b7\u2010\u2011")  # apostrophe, middle dot, hyphens


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


def _looks_western(text: str) -> bool:
    """Whether ``text`` (decoded as cp1252) reads like a Western European language.

    Other scripts decoded as cp1252 turn into words made mostly of accented letters, or have
    symbols (``¿``, ``³``, ``×``) in the middle of words; genuine Western text has neither.
    """
    sample = text[:_SAMPLE_CHARS]
    letters = [char for char in sample if char.isalpha()]
    non_ascii = sum(not char.isascii() for char in letters)
    if non_ascii > _MAX_NON_ASCII_LETTERS * len(letters):
        return False
    return not any(
        not match.group().isalpha() and match.group() not in _MIDWORD_PUNCTUATION
        for match in _MIDWORD_NON_ASCII.finditer(sample)
    )


def _is_cp1252(match: charset_normalizer.CharsetMatch) -> bool:
    return bool({"cp1252", "latin_1"} & set(match.could_be_from_charset))


def _encoding_of(matches: charset_normalizer.CharsetMatches) -> tuple[str | None, float]:
    """The detected encoding and how sure the detector is that it recognised a language."""
    best = matches.best()
    if best is None:
        return None, 0.0
    # The detector often ranks a sibling code page first although cp1252 (the most common
    # legacy charset in mail) fits the text equally well; prefer cp1252 on such a tie.
    for match in matches:
        if (
            _is_cp1252(match)
            and match.chaos <= best.chaos + _TIE
            and match.coherence >= best.coherence - _TIE
        ):
            return "cp1252", match.coherence
    return canonical_encoding(best.encoding), best.coherence


def decode_text(data: bytes) -> str:
    """Decode bytes of unknown charset: BOM, then strict UTF-8, then charset detection.

    Detection is unreliable on short texts, so its guess is trusted only when it recognised a
    language; otherwise text that reads plausibly as cp1252 is decoded as cp1252.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    detected, coherence = _encoding_of(charset_normalizer.from_bytes(data))
    if detected is not None and coherence >= _MIN_COHERENCE:
        return data.decode(detected, errors="replace")
    western = data.decode("cp1252", errors="replace")
    if detected is None or _looks_western(western):
        return western
    return data.decode(detected, errors="replace")


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
