"""What every message source yields: raw bytes plus where they came from.

A source never parses or alters the bytes it yields; the archive keeps exactly what the source
delivered. Sources are iterables so that huge inputs (a 2 GB mbox) stream one message at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from mailkeep.errors import MailkeepError


class SourceError(MailkeepError):
    """A source cannot be read at all (missing path, not a mailbox, unreadable)."""

    code = "source_error"


@dataclass(frozen=True)
class SourceMessage:
    """One message as a source delivered it.

    ``raw`` is the RFC 5322 message exactly as stored by the source (for mbox: the bytes between
    separators, with mboxrd ``>From`` quoting undone). ``folder`` is the archive folder path with
    ``/`` as separator ("" means the archive root). ``source_id`` is stable across runs for the
    same message in the same source (a file path, "mbox path:offset",
    "IMAP folder:uidvalidity:uid"), so a job protocol can name the message and an incremental
    source can resume. ``archive`` overrides the target user archive for multi-user sources (bulk
    import); None means the run's target archive.
    """

    raw: bytes
    folder: str
    source_id: str
    flags: frozenset[str] = field(default_factory=frozenset)
    received: datetime | None = None
    archive: str | None = None


@dataclass(frozen=True)
class SourceProblem:
    """Something a source could not read; reported in the import result, never silently dropped."""

    source_id: str
    reason: str


class MessageSource(Protocol):
    """A stream of messages from one place (a folder of EML files, an mbox, a mailbox).

    ``messages()`` yields messages lazily. Unreadable items are reported through ``problems``
    (appended while iterating) rather than raised, so one bad file does not stop an import;
    a source that cannot be opened at all raises :class:`SourceError` before yielding anything
    (that is, on the first ``next()`` of the ``messages()`` iterator).

    ``estimate_unit`` says what ``estimate()`` counts: ``"messages"`` or ``"bytes"``. Sources that
    count bytes also satisfy :class:`ByteProgressSource` and expose ``bytes_read``.
    """

    problems: list[SourceProblem]
    estimate_unit: str

    def messages(self) -> Iterator[SourceMessage]:
        """Yield each message once, in source order."""
        ...

    def estimate(self) -> int | None:
        """A cheap estimate of how many messages (or bytes, see ``estimate_unit``) will come."""
        ...


class ByteProgressSource(MessageSource, Protocol):
    """A source whose progress is measured in bytes of input (``estimate_unit == "bytes"``).

    ``bytes_read`` grows monotonically while iterating and equals ``estimate()`` once a complete
    input has been read.
    """

    bytes_read: int


def join_folder(*parts: str) -> str:
    """Join archive folder path pieces with ``/``, dropping empty pieces and stray slashes."""
    return "/".join(piece for part in parts for piece in part.split("/") if piece)


def os_reason(error: OSError) -> str:
    """A short, user-facing reason for an OS error ("Permission denied")."""
    return error.strerror or str(error)
