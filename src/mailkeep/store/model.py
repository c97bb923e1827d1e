"""Plain data passed into and out of archive stores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from mailkeep.index.model import IndexDocument

StoreType = Literal["FileSystemStandard", "FileSystemAdvanced", "PostgreSQL"]
StoreState = Literal["disabled", "writeProtected", "normal", "current"]
STORE_TYPES: tuple[StoreType, ...] = ("FileSystemStandard", "FileSystemAdvanced", "PostgreSQL")
STORE_STATES: tuple[StoreState, ...] = ("disabled", "writeProtected", "normal", "current")


@dataclass(frozen=True)
class Derived:
    """What is derived from a message's raw bytes: listing fields and its index document.

    ``document`` has placeholder entry id, archive, folder, size and date values that the store
    fills in; only the parsed text fields are taken from it.
    """

    date: datetime | None
    subject: str
    sender: str
    recipients: str
    message_id: str
    has_attachment: bool
    defects: tuple[str, ...]
    document: IndexDocument


class Deriver(Protocol):
    """Turns raw messages into :class:`Derived` values (parse + text extraction).

    Implemented by the ingest package (in worker processes); stores call it to rebuild their
    index or catalog from content. Must never raise for any message bytes.
    """

    def derive(self, raws: Sequence[bytes]) -> list[Derived]:
        """One Derived per raw message, in order."""
        ...


@dataclass(frozen=True)
class Incoming:
    """A message ready to be written to a store, with its placement and derived data."""

    sha256: bytes
    raw: bytes
    archive: str
    folder: str
    source_id: str
    received: datetime | None
    flags: tuple[str, ...]
    derived: Derived


@dataclass(frozen=True)
class StorePaths:
    """Where a store's three parts live.

    ``descriptor`` is the directory holding ``store.json`` (the store's identity and wrapped
    data key); ``metadata`` is None when the catalog lives in PostgreSQL.
    """

    descriptor: str
    content: str
    index: str
    metadata: str | None
