"""Stream messages out of an mbox file without ever holding more than one message in memory.

Separator rule. A line starting with ``From `` (at a line start, read in binary) separates
messages when it is

* the first non-blank line of the file, or
* directly preceded by an empty line (``\\n`` or ``\\r\\n``), or
* a strict mbox separator even without a blank line before it: ``From <addr> <asctime date>``,
  e.g. ``From alice@example.com Sun Dec 25 21:33:37 2011`` (an optional numeric or alphabetic
  zone before or after the year and trailing words are accepted), as some writers omit the
  blank line.

Any other ``From `` line (after a non-blank line, not shaped like a separator) is body text.

Each message is yielded exactly as stored: without its separator line, without the single empty
line the format puts before the next separator (or at end of file), with mboxrd quoting undone
(``>From `` becomes ``From ``, ``>>From `` becomes ``>From ``) and line endings untouched.
``Content-Length`` (mboxcl) headers are not used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

from mailkeep.sources.base import SourceError, SourceMessage, SourceProblem, join_folder

_BLANK = (b"\n", b"\r\n")
_CHUNK = 1 << 16  # longest piece of a line read at once; longer lines arrive in pieces
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ZONE = rb"[+-]\d{4}|[A-Za-z]{1,5}"
_SEPARATOR_RE = re.compile(
    rb"From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? +"
    rb"(?P<mon>" + "|".join(_MONTHS).encode() + rb") +(?P<day>\d{1,2}) +"
    rb"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?"
    rb"(?: +(?P<zone1>" + _ZONE + rb"))? +(?P<year>\d{4})(?: +(?P<zone2>" + _ZONE + rb"))?"
    rb"(?: [^\r\n]*)?\r?\n?\Z"
)


def looks_like_separator(line: bytes) -> bool:
    """Whether ``line`` is a strict ``From <addr> <asctime date>`` mbox separator line."""
    return _SEPARATOR_RE.match(line) is not None


def separator_date(line: bytes) -> datetime | None:
    """The tz-aware date on a separator line, or None; dates without a zone are taken as UTC."""
    match = _SEPARATOR_RE.match(line)
    if match is None:
        return _loose_separator_date(line)
    zone = match["zone1"] or match["zone2"] or b""
    tz = UTC
    if zone[:1] in (b"+", b"-"):
        minutes = int(zone[1:3]) * 60 + int(zone[3:5])
        tz = timezone(timedelta(minutes=-minutes if zone[:1] == b"-" else minutes))
    try:
        return datetime(
            int(match["year"]),
            _MONTHS.index(match["mon"].decode()) + 1,
            int(match["day"]),
            int(match["h"]),
            int(match["m"]),
            int(match["s"] or 0),
            tzinfo=tz,
        )
    except ValueError:
        return None


def _loose_separator_date(line: bytes) -> datetime | None:
    """Dates in other shapes (``From addr Mon, 1 Jan 2001 00:00:00 +0000``), if parsable."""
    parts = line.decode("ascii", "replace").split(None, 2)
    if len(parts) < 3:
        return None
    try:
        parsed = parsedate_to_datetime(parts[2].strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _unquote(line: bytes) -> bytes:
    """Undo mboxrd quoting: one ``>`` is removed from ``>From ``, ``>>From `` and so on."""
    if line[:1] == b">" and line.lstrip(b">").startswith(b"From "):
        return line[1:]
    return line


def _pieces(handle: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """Yield ``(offset, piece, starts_line)`` for each line (or piece of an over-long line)."""
    offset = 0
    starts_line = True
    while piece := handle.readline(_CHUNK):
        yield offset, piece, starts_line
        offset += len(piece)
        starts_line = piece.endswith(b"\n")


class MboxSource:
    """Messages from one mbox file, streamed (see the module docstring for the separator rule).

    ``source_id`` is ``f"{source_name}:{offset}"`` where ``offset`` is the byte offset of the
    separator line and ``source_name`` defaults to the file name. ``received`` is the separator
    date when parsable. A file whose first non-blank line is not a ``From `` line raises
    :class:`SourceError` ("... is not an mbox file") on the first ``next()``, as does a missing or
    unreadable file; an empty file yields nothing. A separator with no message after it is
    reported in ``problems`` ("empty message").

    ``estimate()`` is the file size (``estimate_unit == "bytes"``) and ``bytes_read`` is how far
    the reader has got, updated as each message is yielded.
    """

    estimate_unit = "bytes"

    def __init__(self, path: Path, folder: str = "", *, source_name: str | None = None) -> None:
        self.path = path
        self.folder = join_folder(folder)
        self.source_name = source_name if source_name is not None else path.name
        self.problems: list[SourceProblem] = []
        self.bytes_read = 0

    def estimate(self) -> int | None:
        """The file size in bytes, or None when it cannot be read."""
        try:
            return self.path.stat().st_size
        except OSError:
            return None

    def messages(self) -> Iterator[SourceMessage]:
        """Yield each message of the file in order."""
        self.bytes_read = 0
        with self._open() as handle:
            yield from self._split(_pieces(handle))

    def _open(self) -> BinaryIO:
        try:
            return self.path.open("rb")
        except FileNotFoundError:
            raise SourceError(
                f"No such file or directory: {self.path}", path=str(self.path)
            ) from None
        except IsADirectoryError:
            raise SourceError(f"{self.path} is not an mbox file", path=str(self.path)) from None
        except OSError as error:
            raise SourceError(
                f"Cannot read {self.path}: {error.strerror or error}", path=str(self.path)
            ) from None

    def _first_separator(
        self, pieces: Iterator[tuple[int, bytes, bool]]
    ) -> tuple[int, bytes] | None:
        """Skip leading blank lines; the first line must be a ``From `` separator.

        None means the file holds nothing but blank lines (or nothing at all).
        """
        for offset, piece, starts_line in pieces:
            if not piece.strip():
                continue
            if starts_line and piece.startswith(b"From "):
                return offset, piece
            raise SourceError(f"{self.path} is not an mbox file", path=str(self.path))
        return None

    def _split(self, pieces: Iterator[tuple[int, bytes, bool]]) -> Iterator[SourceMessage]:
        first = self._first_separator(pieces)
        if first is None:
            return
        sep_offset, sep_line = first
        end = sep_offset + len(sep_line)
        in_separator = not sep_line.endswith(b"\n")
        body: list[bytes] = []
        previous_blank = False
        for offset, piece, starts_line in pieces:
            end = offset + len(piece)
            if in_separator:  # the rest of an over-long separator line
                in_separator = not piece.endswith(b"\n")
                continue
            if (
                starts_line
                and piece.startswith(b"From ")
                and (previous_blank or looks_like_separator(piece))
            ):
                self.bytes_read = offset
                yield from self._message(sep_offset, sep_line, body)
                sep_offset, sep_line, body = offset, piece, []
                in_separator = not piece.endswith(b"\n")
                previous_blank = False
                continue
            body.append(_unquote(piece) if starts_line else piece)
            previous_blank = starts_line and piece in _BLANK
        self.bytes_read = end
        yield from self._message(sep_offset, sep_line, body)

    def _message(self, offset: int, separator: bytes, body: list[bytes]) -> Iterator[SourceMessage]:
        if body and body[-1] in _BLANK:
            body.pop()
        source_id = f"{self.source_name}:{offset}"
        if not body:
            self.problems.append(SourceProblem(source_id, "empty message"))
            return
        yield SourceMessage(
            raw=b"".join(body),
            folder=self.folder,
            source_id=source_id,
            received=separator_date(separator),
        )
