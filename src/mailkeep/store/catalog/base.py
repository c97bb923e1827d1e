"""The metadata catalog of one archive store: which messages it holds, where, for whom.

Everything in a catalog is derived from the store's container files (blob records and entry
records) plus values parsed from the raw bytes, so ``store recover`` can rebuild it. The catalog
is what makes the store fast: duplicate checks, folder listings and blob locations.

Durability and atomicity: ``commit_batch`` applies all of its rows in one transaction that is
durable when it returns (SQLite: WAL with synchronous=FULL; PostgreSQL: a committed transaction).
Nothing a batch contains is visible before it commits, and a failed batch changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from mailkeep.store.content.containers import Location


@dataclass(frozen=True)
class BlobRow:
    """Where the raw bytes of one message are, and how big they are."""

    sha256: bytes
    location: Location
    raw_size: int


@dataclass(frozen=True)
class EntryRow:
    """A message in one user archive and folder, with the parsed fields used for listing."""

    id: int
    sha256: bytes
    archive: str
    folder: str
    source_id: str
    received: datetime | None
    archived_at: datetime
    date: datetime | None
    size: int
    subject: str = ""
    sender: str = ""
    recipients: str = ""
    message_id: str = ""
    has_attachment: bool = False
    flags: tuple[str, ...] = ()
    defects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Move:
    """An entry moved to another folder; ``location`` is its move record."""

    entry_id: int
    folder: str
    location: Location


@dataclass
class Batch:
    """Everything one write batch changes, committed atomically."""

    blobs: list[BlobRow] = field(default_factory=list)
    entries: list[EntryRow] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    removals: list[int] = field(default_factory=list)
    containers: dict[int, int] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoreCounts:
    """Per-store statistics kept by the catalog."""

    messages: int
    blobs: int
    raw_bytes: int
    stored_bytes: int


class Catalog(Protocol):
    """A store's metadata. See the module docstring for durability promises."""

    def initialize(self) -> None:
        """Create the schema if absent (idempotent)."""
        ...

    def commit_batch(self, batch: Batch) -> None:
        """Apply a batch atomically and durably; also queues its entries for indexing."""
        ...

    def next_entry_id(self) -> int:
        """One more than the highest entry id ever used (ids are never reused)."""
        ...

    def existing_entries(self, archive: str, hashes: Iterable[bytes]) -> dict[bytes, int]:
        """{hash: entry id} for those hashes that ``archive`` already holds."""
        ...

    def blob_locations(self, hashes: Iterable[bytes]) -> dict[bytes, BlobRow]:
        """Blob rows for the hashes this store holds."""
        ...

    def entry(self, entry_id: int) -> EntryRow | None:
        """One entry with its blob location, or None."""
        ...

    def entries(self, entry_ids: Sequence[int]) -> list[EntryRow]:
        """Entries for these ids (missing ids are skipped), in the order given."""
        ...

    def iter_entries(self, batch_size: int = 2000) -> Iterator[EntryRow]:
        """Every entry, by ascending id."""
        ...

    def iter_blobs(self) -> Iterator[BlobRow]:
        """Every blob row, by location."""
        ...

    def archives(self) -> dict[str, int]:
        """{user archive: number of messages}."""
        ...

    def archive_sizes(self) -> dict[str, tuple[int, int]]:
        """{user archive: (number of messages, their original size in bytes)}."""
        ...

    def folders(self, archive: str) -> dict[str, int]:
        """{folder: number of messages} in one user archive."""
        ...

    def archived_per_day(self) -> dict[int, tuple[int, int]]:
        """{day (days since 1970-01-01, UTC): (messages, raw bytes)} by time of archiving."""
        ...

    def archived_between(self, start: datetime, end: datetime) -> tuple[int, int]:
        """(messages, raw bytes) archived at or after ``start`` and before ``end``."""
        ...

    def counts(self) -> StoreCounts:
        """Totals for statistics."""
        ...

    def archive_totals(self) -> dict[str, tuple[int, int]]:
        """{user archive: (messages, bytes of mail)}."""
        ...

    def per_day_by_mail_date(self) -> dict[int | None, tuple[int, int]]:
        """{day of the messages' own Date (days since 1970-01-01, UTC; None: no readable
        date): (messages, bytes of mail)}."""
        ...

    def committed_containers(self) -> dict[int, int]:
        """{container number: committed size in bytes}."""
        ...

    def relocate_blobs(
        self, rows: Sequence[BlobRow], containers: dict[int, int], meta: dict[str, str]
    ) -> None:
        """Point blobs at new locations, replace the container table and set ``meta`` values,
        in one transaction (compaction)."""
        ...

    def referenced_hashes(self) -> set[bytes]:
        """Hashes of every blob some entry refers to."""
        ...

    def drop_blobs(self, hashes: Sequence[bytes]) -> None:
        """Forget blob rows (after compaction removed their records)."""
        ...

    def index_queue(self, limit: int = 5000, after: int = 0) -> list[tuple[int, bool]]:
        """Pending index work with entry ids above ``after``, by id: (entry id, present) pairs;
        present False means delete."""
        ...

    def clear_index_queue(self, entry_ids: Sequence[int]) -> None:
        """Forget index work that has been committed to the index."""
        ...

    def queue_all_for_index(self, archive: str | None = None) -> list[int]:
        """Queue every entry (of one user archive) for (re)indexing; returns their ids."""
        ...

    def reset(self) -> None:
        """Delete every row (before ``store recover`` replays the containers)."""
        ...

    def get_meta(self, key: str) -> str | None:
        """A store-level value (format version, store id)."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Set a store-level value."""
        ...

    def size_bytes(self) -> int:
        """Approximate bytes used by the catalog."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
