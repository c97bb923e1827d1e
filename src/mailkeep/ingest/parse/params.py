"""MIME header parameters (``filename=``, ``charset=``) read from the raw header bytes.

``Message.get_param`` under compat32 first turns a header holding 8-bit bytes into a
``Header`` object and then into text with U+FFFD in place of those bytes, so a raw Latin-1 or
UTF-8 file name would be lost. Reading the raw value keeps the bytes; RFC 2231 continuations
and charsets are still handled by :func:`email.utils.decode_params`.
"""

from __future__ import annotations

from email.message import Message
from email.utils import decode_params, unquote

ParamValue = str | tuple[str | None, str | None, str]


def raw_header(part: Message, name: str) -> str | None:
    """The first raw (surrogate-escaped, unfolded) value of header ``name``, or None."""
    for key, value in part.raw_items():
        if key.strip().lower() == name:
            text = value if isinstance(value, str) else str(value)
            return text.replace("\r", "").replace("\n", "")
    return None


def _split(value: str) -> list[str]:
    """Split at semicolons outside quoted strings (backslash escapes honoured)."""
    return _split_unescaped(value) if "\\" not in value else _split_walked(value)


def _split_walked(value: str) -> list[str]:
    """:func:`_split` character by character: the rule itself, for any value."""
    pieces: list[str] = []
    start, quoted, escaped = 0, False, False
    for index, char in enumerate(value):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            pieces.append(value[start:index])
            start = index + 1
    pieces.append(value[start:])
    return pieces


def _split_unescaped(value: str) -> list[str]:
    """:func:`_split` for a value without backslashes: a semicolon is inside quotes exactly when
    an odd number of quotes precede it, so whole pieces are joined instead of characters walked."""
    pieces: list[str] = []
    pending: list[str] = []
    quotes = 0
    for piece in value.split(";"):
        pending.append(piece)
        quotes += piece.count('"')
        if quotes % 2 == 0:
            pieces.append(";".join(pending))
            pending, quotes = [], 0
    if pending:
        pieces.append(";".join(pending))
    return pieces


def header_params(part: Message, header: str) -> dict[str, ParamValue]:
    """Parameters of ``header`` by lowercased name; RFC 2231 ones as (charset, lang, text).

    The first occurrence of a parameter wins, as in the stdlib.
    """
    value = raw_header(part, header)
    if value is None or ";" not in value:
        return {}
    pairs = [("", "")]
    for piece in _split(value)[1:]:
        name, sep, text = piece.partition("=")
        if sep and name.strip():
            pairs.append((name.strip().lower(), text.strip()))
    result: dict[str, ParamValue] = {}
    for name, decoded in decode_params(pairs)[1:]:
        if isinstance(decoded, tuple):
            charset, language, text = decoded
            result.setdefault(name, (charset, language, unquote(text)))
        else:
            result.setdefault(name, unquote(decoded))
    return result


def part_charset(part: Message) -> str | None:
    """The declared ``charset`` parameter of a part, if any."""
    try:
        value = header_params(part, "content-type").get("charset")
    except Exception:  # a mangled Content-Type declares nothing usable
        return None
    if isinstance(value, tuple):
        value = value[2]
    return value or None
