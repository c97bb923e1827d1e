"""The ingest steps. A pipeline is an ordered tuple of these; each works on a whole batch.

"front" steps (hash, duplicate check, starting analysis) run for batch N+1 while "back" steps
(collecting analysis, storing) run for batch N, so the workers parse while the store writes.

A step that raises marks the batch's still-pending items as failed with the step's name and the
error; nothing reported as archived is ever affected, and the source still holds the failed
messages, so running the import again retries exactly those.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Literal, Protocol

from mailkeep.ingest.workers import PendingAnalysis, WorkerPool
from mailkeep.sources.base import SourceMessage
from mailkeep.store.archive_store import ArchiveStore
from mailkeep.store.model import Derived, Incoming
from mailkeep.store.registry import StoreRegistry
from mailkeep.store.rollover import Rollover

Status = Literal["pending", "duplicate", "archived", "failed"]


@dataclass
class Item:
    """One message travelling through the pipeline."""

    message: SourceMessage
    archive: str
    sha256: bytes = b""
    status: Status = "pending"
    derived: Derived | None = None
    entry: str = ""  # "<store id>-<entry id>" once archived
    failed_step: str = ""
    error: str = ""


@dataclass
class IngestBatch:
    """Items handled together: one durable write per batch."""

    items: list[Item] = field(default_factory=list)
    analysis: PendingAnalysis | None = None

    def pending(self) -> list[Item]:
        return [i for i in self.items if i.status == "pending"]


class Step(Protocol):
    """One named stage of ingest."""

    name: str
    phase: str  # "front" steps run one batch ahead of "back" steps
    fatal: bool  # a failure stops the run (the archive cannot take mail: disk full, store busy)

    def run(self, batch: IngestBatch) -> None:
        """Advance the batch's pending items."""
        ...


class HashStep:
    """SHA-256 of the raw bytes: the message's identity for deduplication and storage."""

    name = "hash"
    phase = "front"
    fatal = False

    def run(self, batch: IngestBatch) -> None:
        for item in batch.pending():
            item.sha256 = hashlib.sha256(item.message.raw).digest()


class DuplicateCheckStep:
    """Skip messages the target user archive already holds, in any attached store.

    Batches overlap (the next one is checked before the previous one is stored), so hashes
    of the last few batches are remembered too; anything older is in the catalogs by then.
    The store checks once more when it writes, so this step only saves work.
    """

    name = "duplicate-check"
    phase = "front"
    fatal = True
    _REMEMBERED_BATCHES = 3
    # Listing the open stores reads the master database; once every few seconds is plenty
    # (a store attached meanwhile is checked by the store itself when it writes).
    _STORES_REFRESH_SECONDS = 5.0

    def __init__(self, stores: StoreRegistry) -> None:
        self._stores = stores
        self._recent: deque[set[tuple[str, bytes]]] = deque(maxlen=self._REMEMBERED_BATCHES)
        self._open: list[ArchiveStore] = []
        self._listed_at = -self._STORES_REFRESH_SECONDS

    def _open_stores(self) -> list[ArchiveStore]:
        now = time.monotonic()
        if now - self._listed_at >= self._STORES_REFRESH_SECONDS:
            self._open, self._listed_at = list(self._stores.open_stores()), now
        return self._open

    def run(self, batch: IngestBatch) -> None:
        pending = batch.pending()
        by_archive: dict[str, set[bytes]] = {}
        for item in pending:
            by_archive.setdefault(item.archive, set()).add(item.sha256)
        known: set[tuple[str, bytes]] = set().union(*self._recent)
        for store in self._open_stores():
            for archive, hashes in by_archive.items():
                found = store.catalog.existing_entries(archive, hashes)
                known.update((archive, sha) for sha in found)
        current: set[tuple[str, bytes]] = set()
        for item in pending:
            key = (item.archive, item.sha256)
            if key in known or key in current:
                item.status = "duplicate"
            current.add(key)
        self._recent.append(current)


class AnalyzeStep:
    """Start MIME parsing and body/attachment text extraction in the worker processes.

    A front step: it runs for the next batch while the previous one is being stored.
    """

    name = "analyze"
    phase = "front"
    fatal = False

    def __init__(self, pool: WorkerPool) -> None:
        self._pool = pool

    def run(self, batch: IngestBatch) -> None:
        batch.analysis = self._pool.submit([i.message.raw for i in batch.pending()])


class AwaitAnalysisStep:
    """Collect the analysis results of a batch (see AnalyzeStep)."""

    name = "analyze"
    phase = "back"
    fatal = False

    def run(self, batch: IngestBatch) -> None:
        if batch.analysis is None:
            return
        derived = batch.analysis.result()
        for item, result in zip(batch.pending(), derived, strict=True):
            item.derived = result


class StoreStep:
    """Write content, metadata and index entries to the current archive store."""

    name = "store"
    phase = "back"
    fatal = True

    def __init__(self, rollover: Rollover) -> None:
        self._rollover = rollover

    def run(self, batch: IngestBatch) -> None:
        pending = batch.pending()
        if not pending:
            return
        store = self._rollover.current_store(len(pending))
        incoming = [_incoming(item) for item in pending]
        for item, outcome in zip(pending, store.archive(incoming), strict=True):
            item.status = "duplicate" if outcome.duplicate else "archived"
            item.entry = f"{store.id}-{outcome.entry_id}"
        self._rollover.written(sum(1 for i in pending if i.status == "archived"))


def _incoming(item: Item) -> Incoming:
    assert item.derived is not None
    message = item.message
    return Incoming(
        sha256=item.sha256,
        raw=message.raw,
        archive=item.archive,
        folder=message.folder,
        source_id=message.source_id,
        received=message.received,
        flags=tuple(sorted(message.flags)),
        derived=item.derived,
    )
