"""One archive store: content containers + metadata catalog + full-text index.

Write path (``archive``): blob and entry records are appended to the container and synced, then
the catalog commits the batch (which also queues the entries for indexing), and only then are
the messages reported archived. The index is derived: documents are added and committed in the
background of the batch cadence, and anything left in the catalog's index queue after a crash is
re-derived from content on the next open for writing.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

from mailkeep.errors import ConflictError, MailkeepError, NotFoundError, recognise
from mailkeep.index import aside
from mailkeep.index.model import IndexDocument, SearchIndex
from mailkeep.index.tantivy_index import TantivyIndex
from mailkeep.store import dictionaries
from mailkeep.store.catalog.base import Batch, BlobRow, Catalog, EntryRow, Move
from mailkeep.store.catalog.sql import to_micros
from mailkeep.store.content.containers import (
    DEFAULT_MAX_CONTAINER_BYTES,
    ContainerReader,
    ContainerWriter,
)
from mailkeep.store.content.records import Blob, RecordCodec
from mailkeep.store.descriptor import FORMAT, Descriptor, write_descriptor
from mailkeep.store.model import Deriver, Incoming, StorePaths
from mailkeep.store.writer_lock import StoreBusyError as StoreBusyError  # re-exported
from mailkeep.store.writer_lock import take_writer_lock

INDEX_COMMIT_DOCS = 5000
INDEX_COMMIT_SECONDS = 5.0
CATCH_UP_SLICE = 500  # messages re-derived at a time when catching up or rebuilding
LISTING_CHARS = 1000
log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def _serialised(method: Callable[P, R]) -> Callable[P, R]:
    """Run a method under the store's write lock: jobs in one process share one open store,
    while its container writer, entry ids and tantivy writer allow one writer at a time."""

    @functools.wraps(method)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        store = args[0]
        assert isinstance(store, ArchiveStore)
        with store.write_lock:
            try:
                return method(*args, **kwargs)
            finally:
                store.last_write = time.monotonic()  # the server's idle release counts from here

    return locked


@dataclass(frozen=True)
class ArchivedEntry:
    """Outcome for one incoming message: its entry id and whether it was already there."""

    entry_id: int
    duplicate: bool


class ArchiveStore:
    """An open archive store. Writable stores hold an exclusive writer lock file."""

    def __init__(
        self,
        store_id: int,
        descriptor: Descriptor,
        paths: StorePaths,
        catalog: Catalog,
        data_key: bytes,
        deriver: Deriver | None = None,
        max_container_bytes: int = DEFAULT_MAX_CONTAINER_BYTES,
        state: str = "normal",
        writer_wait: float = 0.0,
    ) -> None:
        """Open a store for reading; ``writer_wait`` is how long ``open_writer`` waits for a
        writer lock another process holds before raising ``StoreBusyError``."""
        self.id = store_id
        self.state = state
        self.descriptor = descriptor
        self.paths = paths
        self.catalog = catalog
        self.codec = RecordCodec(data_key)
        self.deriver = deriver
        self._max_container = max_container_bytes
        self._writer_wait = writer_wait
        self.last_write = time.monotonic()
        self.content_dir = Path(paths.content)
        self.reader = ContainerReader(self.content_dir)
        self._writer: ContainerWriter | None = None
        self._lock: IO[bytes] | None = None
        self.write_lock = threading.RLock()
        self._index: TantivyIndex | None = None
        self._index_writable = False
        self._next_id = 0
        self._unindexed: list[int] = []
        self._last_index_commit = time.monotonic()
        loaded = dictionaries.load(catalog, self.reader, self.codec)
        self.damaged_dictionaries = loaded.damaged
        self.trainer = dictionaries.Trainer(dictionaries.SAMPLES, top_up=loaded.short)

    # -- opening for write ----------------------------------------------------------------

    @_serialised
    def open_writer(self) -> None:
        """Take the writer lock, cut uncommitted container tails, finish pending indexing."""
        if self._writer is not None:
            return
        self._take_writer()
        if self.index(writable=True).needs_rebuild:  # an index from an older schema version
            self.catalog.queue_all_for_index()
        self.catch_up_index()

    def _take_writer(self) -> None:
        """The writing half of ``open_writer``, without indexing: lock, containers, ids."""
        if self._lock is None:
            self._lock = take_writer_lock(
                Path(self.paths.descriptor) / ".writer.lock", self._writer_wait
            )
        self._upgrade_format()
        self.content_dir.mkdir(parents=True, exist_ok=True)
        committed = self.catalog.committed_containers()
        self._writer = ContainerWriter.resume(self.content_dir, committed, self._max_container)
        self._next_id = self.catalog.next_entry_id()
        aside.settle(Path(self.paths.index))  # a rebuild interrupted by a crash

    def _upgrade_format(self) -> None:
        """Mark an older store with the current format before writing records only the current
        format has (an older mailkeep then refuses the store instead of misreading it)."""
        if self.descriptor.format < FORMAT:
            self.descriptor = replace(self.descriptor, format=FORMAT)
            write_descriptor(Path(self.paths.descriptor), self.descriptor)

    @_serialised
    def release_writer(self) -> None:
        """Stop writing (the store stays open for reading): flush and close the index writer,
        the container writer and the writer lock. Used when a store stops being current.

        Everything is released even when the flush fails (a full disk): what the index
        missed stays in the catalog's index queue for the next writer."""
        try:
            self._final_flush()
        finally:
            if self._index is not None and self._index_writable:
                self._index.close()
                self._index = None
            self._index_writable = False  # searches from now on open the index read-only
            self._unindexed = []
            self.close_writer()
            if self._lock is not None:
                self._lock.close()
                self._lock = None

    def close_writer(self) -> None:
        """Close the container writer but keep the writer lock (compaction)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    @property
    def holds_writer(self) -> bool:
        """Whether this process holds the store's writer lock."""
        return self._lock is not None

    @property
    def max_container_bytes(self) -> int:
        """Size at which a new container file is started."""
        return self._max_container

    def require_content_writes(self) -> None:
        """Refuse changes to content and placement of a write-protected store."""
        if self.state in ("writeProtected", "disabled"):
            raise ConflictError(
                f"Archive store {self.id} ({self.descriptor.name}) is {self.state}; "
                "its messages cannot be changed."
            )

    @property
    def writer(self) -> ContainerWriter:
        if self._writer is None:
            self.open_writer()
        assert self._writer is not None
        return self._writer

    def index(self, writable: bool = False) -> TantivyIndex:
        """The store's search index (opened lazily; writable only for the writer)."""
        if self._index is not None and (self._index_writable or not writable):
            return self._index
        # A read-only index is dropped, not closed: a search in another thread may still be
        # reading it (closing holds no lock to give back).
        wait = self._writer_wait if writable else 0.0
        self._index = TantivyIndex.open(Path(self.paths.index), writable=writable, wait=wait)
        self._index_writable = writable
        return self._index

    # -- writing ------------------------------------------------------------------------

    @_serialised
    def archive(self, items: Sequence[Incoming]) -> list[ArchivedEntry]:
        """Write a batch durably; returns one outcome per item, in order.

        An item whose user archive already holds the same bytes is a duplicate and writes
        nothing. Blobs already in this store are not stored again (single instance).
        """
        self.require_content_writes()
        writer = self.writer
        existing = self._existing(items)
        blobs = self.catalog.blob_locations({i.sha256 for i in items})
        # A newly trained dictionary is written before this batch's blobs, which then use it.
        batch = Batch(
            meta=self.trainer.offer([i.raw for i in items], self.codec, writer, self.catalog)
        )
        outcomes, documents, changes = [], [], []
        now = datetime.now(UTC)
        for item in items:
            key = (item.archive, item.sha256)
            if key in existing:
                outcomes.append(ArchivedEntry(existing[key], True))
                continue
            if item.sha256 not in blobs:
                location = writer.append(self.codec.seal_blob(item.raw))
                blobs[item.sha256] = BlobRow(item.sha256, location, len(item.raw))
                batch.blobs.append(blobs[item.sha256])
            entry = self._new_entry(item, now)
            changes.append(add_record(entry))
            existing[key] = entry.id
            batch.entries.append(entry)
            documents.append(document_for(entry, item.derived.document))
            outcomes.append(ArchivedEntry(entry.id, False))
        if changes:
            writer.append(self.codec.seal_entries(changes))  # after the blobs it refers to
        if batch.entries or batch.meta:
            batch.containers = writer.sync()
            self.catalog.commit_batch(batch)
            # The batch is durable now: an index failure must not report it failed.
            self._index_quietly(documents, new=True)  # entry ids are never reused
        return outcomes

    def _existing(self, items: Sequence[Incoming]) -> dict[tuple[str, bytes], int]:
        by_archive: dict[str, set[bytes]] = {}
        for item in items:
            by_archive.setdefault(item.archive, set()).add(item.sha256)
        found: dict[tuple[str, bytes], int] = {}
        for archive, hashes in by_archive.items():
            for sha, entry_id in self.catalog.existing_entries(archive, hashes).items():
                found[(archive, sha)] = entry_id
        return found

    def _new_entry(self, item: Incoming, now: datetime) -> EntryRow:
        entry_id = self._next_id
        self._next_id += 1
        d = item.derived
        return EntryRow(
            id=entry_id,
            sha256=item.sha256,
            archive=item.archive,
            folder=item.folder,
            source_id=item.source_id,
            received=item.received,
            archived_at=now,
            date=d.date,
            size=len(item.raw),
            # Listing fields are capped: the full text is in the index and the raw bytes.
            subject=d.subject[:LISTING_CHARS],
            sender=d.sender[:LISTING_CHARS],
            recipients=d.recipients[:LISTING_CHARS],
            message_id=d.message_id[:LISTING_CHARS],
            has_attachment=d.has_attachment,
            flags=item.flags,
            defects=d.defects,
        )

    @_serialised
    def move(self, entry_id: int, folder: str) -> None:
        """File an entry under another folder of its user archive."""
        self.move_many([(entry_id, folder)])

    @_serialised
    def move_many(self, moves: Sequence[tuple[int, str]]) -> None:
        """File entries under other folders of their user archives, in one durable batch."""
        self.require_content_writes()
        entries = [self.entry(entry_id) for entry_id, _ in moves]
        changes = [{"op": "move", "id": entry_id, "folder": folder} for entry_id, folder in moves]
        location = self.writer.append(self.codec.seal_entries(changes))
        batch = Batch(moves=[Move(entry_id, folder, location) for entry_id, folder in moves])
        batch.containers = self.writer.sync()
        self.catalog.commit_batch(batch)
        moved = [replace(e, folder=f) for e, (_, f) in zip(entries, moves, strict=True)]
        self._add_to_index(self.derive_documents(moved))

    @_serialised
    def remove(self, entry_ids: Sequence[int]) -> None:
        """Remove entries (retention, deletion); their blobs are reclaimed by ``compact``."""
        self.require_content_writes()
        self.writer.append(self.codec.seal_entries([{"op": "remove", "id": i} for i in entry_ids]))
        batch = Batch(removals=list(entry_ids))
        batch.containers = self.writer.sync()
        self.catalog.commit_batch(batch)
        self.index(writable=True).delete(entry_ids)
        self._unindexed.extend(entry_ids)
        self.flush_index()

    # -- index maintenance --------------------------------------------------------------

    def _add_to_index(self, documents: list[IndexDocument], *, new: bool = False) -> None:
        self.index(writable=True).add(documents, new=new)
        self._unindexed.extend(d.entry_id for d in documents)
        due = time.monotonic() - self._last_index_commit > INDEX_COMMIT_SECONDS
        if len(self._unindexed) >= INDEX_COMMIT_DOCS or due:
            self.flush_index()

    @_serialised
    def flush_index(self) -> None:
        """Commit pending index changes and clear them from the catalog's index queue."""
        if self._index is not None and self._index_writable and self._unindexed:
            self._index.commit()
            self.catalog.clear_index_queue(self._unindexed)
            self._unindexed = []
        self._last_index_commit = time.monotonic()

    def _index_quietly(self, documents: list[IndexDocument], *, new: bool = False) -> None:
        """Index documents of entries the catalog has committed (and queued for indexing)."""
        self._tolerate_full_disk(lambda: self._add_to_index(documents, new=new))

    def _final_flush(self) -> None:
        """Commit pending index work before letting go of the index writer."""
        self._tolerate_full_disk(self.flush_index)

    def _tolerate_full_disk(self, index_work: Callable[[], None]) -> None:
        """Run index work whose entries the catalog holds durably in its index queue. A full
        disk is logged, not raised: the queue re-derives what the index missed when a writer
        next opens the store, and nothing archived is reported failed."""
        try:
            index_work()
        except Exception as exc:
            known = recognise(exc)
            if known is None:
                raise
            log.warning("archive store %s: %s (the index catches up later)", self.id, known)

    def catch_up_index(self, progress: Callable[[int], None] | None = None) -> int:
        """Apply index work left in the queue (after a crash, or a rebuild request).

        Works through the queue in slices (bounded memory) and commits every few thousand
        documents; ``progress`` is called with the running count.
        """
        done, last = 0, 0
        pending: list[int] = []
        while queue := self.catalog.index_queue(CATCH_UP_SLICE, after=last):
            index = self.index(writable=True)
            if gone := [i for i, keep in queue if not keep]:
                index.delete(gone)
            present = [i for i, keep in queue if keep]
            index.add(self.derive_documents(self.catalog.entries(present)))
            pending.extend(i for i, _ in queue)
            last, done = queue[-1][0], done + len(queue)
            if len(pending) >= INDEX_COMMIT_DOCS:
                index.commit()
                self.catalog.clear_index_queue(pending)
                pending = []
            if progress is not None:
                progress(done)
        if pending:
            self.index(writable=True).commit()
            self.catalog.clear_index_queue(pending)
        return done

    def derive_documents(self, entries: Sequence[EntryRow]) -> list[IndexDocument]:
        """Index documents for entries, re-derived from their archived bytes."""
        if self.deriver is None:
            raise MailkeepError("This store was opened without a deriver; cannot index.")
        raws = [self.raw_of(e) for e in entries]
        derived = self.deriver.derive(raws)
        return [document_for(e, d.document) for e, d in zip(entries, derived, strict=True)]

    @_serialised
    def rebuild_index(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the index from content; returns documents indexed.

        The new index is built in an empty directory beside the one in use (which searches
        keep using meanwhile) and swapped in only when complete, so a crash half-way leaves the
        old index searchable and whole. Starting empty also heals an index that is damaged or
        was written by an older schema version. Queued index work is not applied first: the
        new index covers it."""
        if self._writer is None:
            self._take_writer()
        self.flush_index()
        live = Path(self.paths.index)
        built = aside.fresh_aside(live)
        with TantivyIndex.open(built, writable=True) as new:
            done = self._index_every_entry(new, progress)
            new.commit()
        aside.mark_complete(built)
        if self._index is not None and self._index_writable:
            self._index.close()  # gives the old index's writer lock back before the swap
        # A read-only index is only dropped: searches in other threads may still be using it.
        self._index, self._index_writable = None, False
        aside.swap_in(live, built)
        self._clear_index_queue()  # the new index holds whatever was queued (recover queues all)
        return done

    def _clear_index_queue(self) -> None:
        while queue := self.catalog.index_queue(INDEX_COMMIT_DOCS):
            self.catalog.clear_index_queue([entry_id for entry_id, _ in queue])

    def _index_every_entry(
        self, index: TantivyIndex, progress: Callable[[int], None] | None
    ) -> int:
        """Add a document for every entry of the catalog, a slice at a time (bounded memory)."""
        done = 0
        rows = self.catalog.iter_entries(CATCH_UP_SLICE)
        while entries := list(islice(rows, CATCH_UP_SLICE)):
            index.add(self.derive_documents(entries), new=True)
            done += len(entries)
            if progress is not None:
                progress(done)
        return done

    @_serialised
    def rebuild_archive_index(
        self, archive: str, progress: Callable[[int], None] | None = None
    ) -> int:
        """Re-derive the index documents of one user archive; returns documents indexed."""
        self.open_writer()
        self.flush_index()
        ids = self.catalog.queue_all_for_index(archive)
        self.index(writable=True).delete(ids)
        return self.catch_up_index(progress)

    # -- reading --------------------------------------------------------------------------

    def entry(self, entry_id: int) -> EntryRow:
        """One entry; NotFoundError when absent."""
        entry = self.catalog.entry(entry_id)
        if entry is None:
            raise NotFoundError(f"No message {self.id}-{entry_id}.")
        return entry

    def raw(self, entry_id: int) -> bytes:
        """The archived bytes of an entry, verified against their hash."""
        return self.raw_of(self.entry(entry_id))

    def raw_of(self, entry: EntryRow) -> bytes:
        """The archived bytes of an entry row."""
        blob = self.catalog.blob_locations([entry.sha256]).get(entry.sha256)
        if blob is None:
            raise NotFoundError(f"The content of message {self.id}-{entry.id} is missing.")
        return self.read_blob(blob).raw

    def read_blob(self, blob: BlobRow) -> Blob:
        """Decrypt and check one blob record."""
        kind, plain = self.codec.open_record(self.reader.read(blob.location))
        return self.codec.open_blob(plain, kind)

    def iter_entries(self) -> Iterator[EntryRow]:
        """Every entry of the store."""
        return self.catalog.iter_entries()

    def search_index(self) -> SearchIndex:
        """The index for searching: the writer's own index while this process writes (it sees
        its commits at once), else a read-only one. Never takes the writer lock: a search in
        the server must not lock command-line imports out."""
        index = self._index
        return index if index is not None else self.index(writable=False)

    @_serialised
    def close(self) -> None:
        """Flush the index, release the writer lock and every handle."""
        try:
            self._final_flush()
        finally:
            if self._index is not None:
                self._index.close()
                self._index = None
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            self.reader.close()
            self.catalog.close()
            if self._lock is not None:
                self._lock.close()
                self._lock = None


def add_record(entry: EntryRow) -> dict[str, Any]:
    """The entry record that adds ``entry`` to its user archive and folder."""
    return {
        "op": "add",
        "id": entry.id,
        "sha256": entry.sha256.hex(),
        "archive": entry.archive,
        "folder": entry.folder,
        "source_id": entry.source_id,
        "received": to_micros(entry.received),
        "archived_at": to_micros(entry.archived_at),
        "flags": list(entry.flags),
    }


def document_for(entry: EntryRow, parsed: IndexDocument) -> IndexDocument:
    """The index document of an entry: placement from the entry, text from the parse."""
    return replace(
        parsed,
        entry_id=entry.id,
        archive=entry.archive,
        folder=entry.folder,
        size=entry.size,
        date=entry.date or entry.received or entry.archived_at,
    )
