"""Turning bytes of unknown or badly declared charset into text, never raising.

Mail declares charsets loosely: "iso-8859-1" is nearly always really windows-1252, labels are
misspelt or invented ("uft-8", "default", "unknown-8bit"), and many old messages send 8-bit
text with no label at all. Every function here returns text plus, when something had to be
guessed, a short defect string for :attr:`ParsedMessage.defects`.
"""

from __future__ import annotations

import codecs
import functools
import re

import charset_normalizer

# Byte -> char table for windows-1252 where the five bytes cp1252 leaves undefined map to the
# matching C1 control (as browsers do), so decoding can never fail and never loses a byte.
_CP1252_TABLE = "".join(bytes([i]).decode("cp1252", errors="ignore") or chr(i) for i in range(256))

# Python codec name -> codec we really decode with: the common superset actually used by
# senders (the WHATWG Encoding Standard makes the same substitutions).
_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "tis-620": "cp874",
    "iso8859-11": "cp874",
    "iso8859-9": "cp1254",
}

# Text codecs Python knows that are not mail charsets: a label naming one is bogus.
_NOT_CHARSETS = frozenset(
    {"undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "unicode-internal"}
)

# What charset_normalizer may choose from. Left unrestricted it picks exotic code pages
# (cp1006, shift_jis_2004) for short Western or Cyrillic text; these are the ones mail uses.
_CANDIDATES = [
    "cp1252",
    "cp1250",
    "cp1251",
    "koi8_r",
    "koi8_u",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "gb18030",
    "big5",
    "cp932",
    "euc_jp",
    "cp949",
    "cp874",
    "cp866",
]

# Latin-script single-byte guesses: detection cannot tell these apart reliably on mail-sized
# samples (French cp1252 comes back as cp1257), and windows-1252 is by far the likeliest.
_LATIN_GUESSES = frozenset({"cp1250", "cp1252", "cp1254", "cp1257", "iso8859_2", "latin_1"})

# Among those, the code page whose reading leaves the fewest symbols inside words wins:
# Polish in ISO-8859-2 read as cp1252 gives "Za¿ó³æ", read as ISO-8859-2 "Zażółć".
_LATIN_ORDER = ("cp1252", "iso8859_2", "cp1250")
_SYMBOL_IN_WORD = re.compile(r"(?<=[^\W\d_])[^\w\s\x00-\x7f](?=[^\W\d_])")
_ISO2022_ESCAPE = re.compile(rb"\x1b(?:\$[@B(]|\([BJI]|\$\(D)")
_DETECT_SAMPLE = 65_536


def cp1252(data: bytes) -> str:
    """Decode as windows-1252; never fails (undefined bytes become C1 controls)."""
    return codecs.charmap_decode(data, "strict", _CP1252_TABLE)[0]


@functools.lru_cache(maxsize=512)
def _lookup(label: str | None) -> str | None:
    """Python's canonical codec name for a label, or None when unknown or not a charset."""
    if not label:
        return None
    cleaned = label.strip().strip("\"'").strip().lower()
    if cleaned in ("x-utf8", "x-utf-8", "x_utf8"):
        cleaned = "utf-8"
    try:
        info = codecs.lookup(cleaned)
    except (LookupError, ValueError, UnicodeError):
        return None
    if not info._is_text_encoding or info.name in _NOT_CHARSETS:
        return None
    return info.name


def resolve_charset(label: str | None) -> str | None:
    """Map a declared charset label to the Python codec to decode with, or None if bogus."""
    name = _lookup(label)
    return None if name is None else _SUPERSETS.get(name, name)


def _try_decode(data: bytes, codec: str) -> str | None:
    if codec == "cp1252":
        return cp1252(data)
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError):
        return None


def _iso2022(data: bytes) -> str | None:
    """Decode 7-bit ISO-2022-JP text recognised by its escape sequences, else None."""
    if b"\x1b" not in data or not _ISO2022_ESCAPE.search(data):
        return None
    for codec in ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext"):
        text = _try_decode(data, codec)
        if text is not None:
            return text
    return None


def guess_codec(data: bytes) -> str:
    """Best guess of the codec of 8-bit ``data``: UTF-8 if valid, else detection, else cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:_DETECT_SAMPLE]
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multibyte character cut by the sample boundary is still valid UTF-8.
        if len(data) > _DETECT_SAMPLE and exc.start >= len(sample) - 3:
            return "utf-8"
    try:
        best = charset_normalizer.from_bytes(sample, cp_isolation=_CANDIDATES).best()
    except Exception:  # detection is a heuristic: any internal failure means "no idea"
        best = None
    if best is None:
        return "cp1252"
    if best.encoding in _LATIN_GUESSES:
        return _fewest_symbols_in_words(sample)
    return str(best.encoding)


def _fewest_symbols_in_words(data: bytes) -> str:
    """The Latin code page (cp1252 on ties) whose reading of ``data`` has the fewest
    non-ASCII symbols between two letters: mojibake has them, real words do not."""
    scores = {
        codec: len(_SYMBOL_IN_WORD.findall(_try_decode(data, codec) or "\x00" * len(data)))
        for codec in _LATIN_ORDER
    }
    return min(_LATIN_ORDER, key=lambda codec: scores[codec])


def decode_guessing(data: bytes) -> tuple[str, str]:
    """Decode 8-bit bytes of unknown charset; returns (text, codec used)."""
    text = _iso2022(data)
    if text is not None:
        return text, "iso-2022-jp"
    codec = guess_codec(data)
    if codec == "cp1252":
        return cp1252(data), codec
    return data.decode(codec, errors="replace"), codec


def decode_text(data: bytes, label: str | None) -> tuple[str, str | None]:
    """Decode a text part (or encoded word) declared as ``label``; returns (text, defect)."""
    codec = resolve_charset(label)
    if codec is not None:
        if codec == "cp1252" and not data.isascii() and _ascii_label(label):
            # Labelled us-ascii yet 8-bit: valid UTF-8 is far likelier than cp1252 here.
            text = _try_decode(data, "utf-8")
            if text is not None:
                return text, f"8-bit data labelled {_short(label)}; read as utf-8"
        text = _try_decode(data, codec)
        if text is not None:
            return text, None
        text, used = decode_guessing(data)
        if used == "utf-8" or codec.startswith("utf"):
            # Mostly right but with stray bytes: keep the declared codec, lose only those.
            return data.decode(codec, errors="replace"), f"invalid {_short(label)} data"
        return text, f"data not valid {_short(label)}; charset guessed: {used}"
    if data.isascii():
        text = _iso2022(data)
        if text is not None:
            return text, "undeclared charset guessed: iso-2022-jp"
        problem = f"unknown charset {_short(label)}" if label else None
        return data.decode("ascii"), problem
    text, used = decode_guessing(data)
    what = f"unknown charset {_short(label)}" if label else "undeclared charset"
    return text, f"{what}; guessed {used}"


def decode_raw_header(data: bytes, legacy: str | None = None) -> tuple[str, str | None]:
    """Decode unencoded 8-bit header bytes: UTF-8 if valid, else as ``legacy`` (the message's
    :func:`legacy_header_codec`) when given, else detected, else cp1252."""
    if data.isascii():
        return data.decode("ascii"), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    if legacy is not None:
        text = _try_decode(data, legacy)
        if text is not None:
            return text, f"raw 8-bit header; charset guessed: {legacy}"
    text, used = decode_guessing(data)
    return text, f"raw 8-bit header; charset guessed: {used}"


def legacy_header_codec(values: list[bytes], hints: list[str]) -> str | None:
    """The one codec to read a message's undeclared 8-bit header bytes with (None: UTF-8 or
    nothing to decide).

    A single header value is too short to detect its charset reliably (a KOI8-R name of two
    words reads as Hebrew), so all of a message's values are judged together: the first
    charset declared by its text parts that reads every one of them, else detection on all
    of them at once (the mailer that wrote the headers wrote them all in one charset).
    """
    legacy = [v for v in values if not v.isascii() and _try_decode(v, "utf-8") is None]
    if not legacy:
        return None
    for hint in hints:
        codec = resolve_charset(hint)
        # UTF-8 was ruled out above; cp1252 reads any bytes (and "iso-8859-1" is many a
        # mailer's label for whatever it sends), so it proves nothing as a hint.
        if codec is None or codec.startswith("utf") or codec == "cp1252":
            continue
        if all(_try_decode(v, codec) is not None for v in legacy):
            return codec
    return guess_codec(b"\n".join(legacy))


def _ascii_label(label: str | None) -> bool:
    return _lookup(label) == "ascii"


def _short(label: str | None) -> str:
    """A label made safe and short for a defect message."""
    cleaned = (label or "").strip().encode("ascii", "replace").decode("ascii")
    return repr(cleaned[:40])
