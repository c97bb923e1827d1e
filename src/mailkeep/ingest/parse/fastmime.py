"""A fast MIME structure parser for well-formed messages, or a clear "give up".

:func:`parse_bytes` builds the same :class:`email.message.Message` tree (``compat32``) that
``BytesParser(policy=compat32).parsebytes(raw)`` builds: the same headers (names, raw values,
order), payloads, preambles, epilogues and default types, with no defects anywhere. It works
on the decoded text with ``str.find`` and slices instead of the feedparser's line-by-line
loop and its one ``re.compile`` per multipart boundary, and uses only the public ``Message``
API.

It reproduces the stdlib only where the stdlib is unremarkable. It raises :class:`GiveUp`,
and the caller must parse the whole message with the stdlib instead, whenever the input is
irregular:

- a lone CR line end anywhere;
- in a header block: a ``From `` line other than an mbox envelope line at its start, a
  continuation line first, an empty or invalid field name, a line neither header nor blank;
- a multipart without a usable boundary, with a transfer encoding other than
  7bit/8bit/binary, without a start or close delimiter, or with a close delimiter right
  after a delimiter (the stdlib swallows it);
- ``message/delivery-status``; nesting deeper than :data:`MAX_DEPTH`.

With ``cut_deep=True`` (for messages the stdlib cannot parse at all, because its recursive
parser overflows on thousands of levels) parts nested deeper than :data:`MAX_DEPTH` are not
read: such a part keeps its header fields and gets an empty payload, so everything above it
can still be indexed.

Any unexpected error inside the parser becomes :class:`GiveUp` too, so it raises nothing else.
"""

from __future__ import annotations

import itertools
import re
from email.message import Message
from email.policy import compat32

MAX_DEPTH = 30
"""Messages nested deeper than this (multiparts and message/* wrappers) are left to the stdlib."""

_PLAIN_MULTIPART_CTE = ("7bit", "8bit", "binary")
# One header field: a name of printable ASCII but space and colon (as the feedparser's
# headerRE), a colon, the rest of its line and any continuation lines.
_FIELD = re.compile(r"[!-9;-~]+:[^\n]*(?:\n|\Z)(?:[ \t][^\n]*(?:\n|\Z))*")

__all__ = ["MAX_DEPTH", "GiveUp", "parse_bytes"]


class GiveUp(Exception):  # noqa: N818 - it is an outcome, not an error
    """The message is not regular enough for the fast path: parse it with the stdlib."""


def parse_bytes(raw: bytes, *, cut_deep: bool = False) -> Message:
    """The stdlib's ``compat32`` tree for ``raw``, or :class:`GiveUp` when not sure of it
    (``cut_deep``: parts deeper than :data:`MAX_DEPTH` are left empty instead)."""
    text = raw.decode("ascii", "surrogateescape")
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        raise GiveUp("lone CR line end")
    try:
        return _parse_entity(text, 0, len(text), "text/plain", 0, trim=False, cut_deep=cut_deep)
    except GiveUp:
        raise
    except Exception as exc:  # never let a surprise escape: the stdlib will decide
        raise GiveUp(f"unexpected {type(exc).__name__}: {exc}") from exc


def _parse_entity(
    text: str, start: int, end: int, default_type: str, depth: int, *, trim: bool, cut_deep: bool
) -> Message:
    """One message or part from ``text[start:end]``.

    ``trim`` is set for the parts of a multipart: the feedparser then removes one line end
    from the last message it created while parsing the part (its ``_last``): the part
    itself if it is a leaf or a multipart (payload or epilogue), else the innermost message
    of a message/* chain.
    """
    if depth > MAX_DEPTH and not cut_deep:
        raise GiveUp("nested too deeply")
    msg = Message()
    if default_type != "text/plain":
        msg.set_default_type(default_type)
    body = _read_headers(msg, text, start, end)
    if depth > MAX_DEPTH:
        msg.set_payload("")  # cut here: what lies deeper is not read
        return msg
    content_type = msg.get_content_type()
    maintype = content_type.split("/")[0]
    if content_type == "message/delivery-status":
        raise GiveUp("message/delivery-status")
    if maintype == "message":
        inner = _parse_entity(
            text, body, end, "text/plain", depth + 1, trim=trim, cut_deep=cut_deep
        )
        msg.attach(inner)
    elif maintype == "multipart":
        _read_multipart(msg, content_type, text, body, end, depth, trim=trim, cut_deep=cut_deep)
    else:
        if trim:
            end = _without_line_end(text, body, end)
        msg.set_payload(text[body:end])
    return msg


def _read_headers(msg: Message, text: str, pos: int, end: int) -> int:
    """Set the header fields found from ``pos``; return where the body starts."""
    if text.startswith("From ", pos, end):  # the envelope line of an mbox message
        pos = _set_unixfrom(msg, text, pos, end)
    block_end, body = _header_block_end(text, pos, end)
    while pos < block_end:
        field = _FIELD.match(text, pos, block_end)
        if field is None:
            raise GiveUp(_header_trouble(text[pos : pos + 5]))
        # one "line" holding the whole field: the same (name, value) as its lines
        msg.set_raw(*compat32.header_source_parse([field.group()]))
        pos = field.end()
    return body


def _header_block_end(text: str, pos: int, end: int) -> tuple[int, int]:
    """(end of the header lines, start of the body): the first empty line parts them."""
    if text.startswith("\n", pos, end):
        return pos, pos + 1
    if text.startswith("\r\n", pos, end):
        return pos, pos + 2
    newline = text.find("\n", pos, end)
    crlf = newline > pos and text[newline - 1] == "\r"
    # look for the likelier blank line first, then for the other before it
    first, second = ("\n\r\n", "\n\n") if crlf else ("\n\n", "\n\r\n")
    found = text.find(first, pos, end)
    other = text.find(second, pos, end if found < 0 else found + len(second))
    if other >= 0:
        found, first = other, second
    if found < 0:
        return end, end
    return found + 1, found + len(first)


def _set_unixfrom(msg: Message, text: str, pos: int, end: int) -> int:
    newline = text.find("\n", pos, end)
    stop = end if newline < 0 else newline + 1
    msg.set_unixfrom(text[pos : _without_line_end(text, pos, stop)])
    return stop


def _header_trouble(start: str) -> str:
    """Why a header line is irregular, from its first characters."""
    if start[:1] in (" ", "\t"):
        return "first header line is a continuation"
    if start.startswith("From "):
        return "From line in the header block"
    if start.startswith(":"):
        return "empty field name"
    return "not a header field line"


def _read_multipart(
    msg: Message,
    content_type: str,
    text: str,
    start: int,
    end: int,
    depth: int,
    *,
    trim: bool,
    cut_deep: bool,
) -> None:
    boundary = msg.get_boundary()
    if not boundary or "\n" in boundary or "\r" in boundary:
        raise GiveUp("no usable boundary")
    if str(msg.get("content-transfer-encoding", "8bit")).lower() not in _PLAIN_MULTIPART_CTE:
        raise GiveUp("multipart with a transfer encoding")
    delimiters = _find_delimiters(text, start, end, "--" + boundary)
    if not delimiters or delimiters[0][2] or not delimiters[-1][2]:
        raise GiveUp("start or close delimiter missing")
    first = delimiters[0][0]
    if first > start:
        msg.preamble = text[start : _without_line_end(text, start, first)]
    child_type = "message/rfc822" if content_type == "multipart/digest" else "text/plain"
    for (_, part_start, _), (part_end, _, close) in itertools.pairwise(delimiters):
        if part_start == part_end:
            if close:  # the feedparser would swallow this close delimiter
                raise GiveUp("close delimiter right after a delimiter")
            continue  # the feedparser makes no part between adjacent delimiters
        part = _parse_entity(
            text, part_start, part_end, child_type, depth + 1, trim=True, cut_deep=cut_deep
        )
        msg.attach(part)
    epilogue_start = delimiters[-1][1]
    if not trim:
        msg.epilogue = text[epilogue_start:end]
    elif epilogue_start < end:  # an empty epilogue becomes None when trimmed
        msg.epilogue = text[epilogue_start : _without_line_end(text, epilogue_start, end)]


def _find_delimiters(text: str, start: int, end: int, sep: str) -> list[tuple[int, int, bool]]:
    """(line start, next line start, is close) of each delimiter line, up to the close one."""
    found: list[tuple[int, int, bool]] = []
    pos = text.find(sep, start, end)
    while pos >= 0:
        newline = text.find("\n", pos, end)
        stop = end if newline < 0 else newline + 1
        if pos == start or text[pos - 1] == "\n":
            close = _delimiter_kind(text[pos + len(sep) : stop])
            if close is not None:
                found.append((pos, stop, close))
                if close:
                    break
        pos = text.find(sep, stop, end)
    return found


def _delimiter_kind(rest: str) -> bool | None:
    """What follows ``--boundary`` on a line: True (close), False (delimiter), None (neither)."""
    rest = rest.rstrip("\r\n")
    close = rest.startswith("--")
    if close:
        rest = rest[2:]
    if rest.strip(" \t"):
        return None
    return close


def _without_line_end(text: str, start: int, end: int) -> int:
    """The end of ``text[start:end]`` without one trailing line end (CRLF or LF)."""
    if end > start and text[end - 1] == "\n":
        end -= 1
        if end > start and text[end - 1] == "\r":
            end -= 1
    return end
