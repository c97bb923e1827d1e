"""``store compact``: reclaim the space of content no message refers to any more.

Live blob records are copied unchanged into new containers, after fresh copies of every intact
compression dictionary (damaged copies are left behind; a store whose only problem is a damaged
dictionary copy is rewritten too), with
one consolidated ``add`` entry record per live message (so ``recover`` still works), the new
containers are synced, the catalog is pointed at them in one transaction, and only then are the old
containers removed. A crash at any point leaves either the old or the new layout complete;
the next writer removes containers the catalog does not list.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from mailkeep.store import dictionaries
from mailkeep.store.archive_store import ArchiveStore, add_record
from mailkeep.store.catalog.base import BlobRow
from mailkeep.store.catalog.sqlite import SqliteCatalog
from mailkeep.store.content.containers import (
    ContainerWriter,
    container_path,
    fsync_dir,
    list_containers,
)

_CHANGES_PER_RECORD = 500


@dataclass
class CompactReport:
    """Bytes before and after, and blobs dropped."""

    bytes_before: int
    bytes_after: int
    blobs_removed: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "bytesBefore": self.bytes_before,
            "bytesAfter": self.bytes_after,
            "blobsRemoved": self.blobs_removed,
        }


def _content_bytes(store: ArchiveStore) -> int:
    return sum(
        container_path(store.content_dir, n).stat().st_size
        for n in list_containers(store.content_dir)
    )


def compact_store(store: ArchiveStore) -> CompactReport:
    """Compact one store (takes its writer lock, and holds the store's write lock throughout:
    no write, and no idle release of the writer, comes between its steps)."""
    with store.write_lock:
        store.require_content_writes()
        store.open_writer()
        before = _content_bytes(store)
        referenced = store.catalog.referenced_hashes()
        dead = [b for b in store.catalog.iter_blobs() if b.sha256 not in referenced]
        if dead or store.damaged_dictionaries:
            _rewrite(store)
            store.catalog.drop_blobs([b.sha256 for b in dead])
        if isinstance(store.catalog, SqliteCatalog):
            store.catalog.vacuum()
        store.last_write = time.monotonic()
        return CompactReport(before, _content_bytes(store), len(dead))


def _rewrite(store: ArchiveStore) -> None:
    old = list_containers(store.content_dir)
    first = (old[-1] if old else 0) + 1
    store.close_writer()
    writer = ContainerWriter.fresh(store.content_dir, first, store.max_container_bytes)
    blobs = {b.sha256: b for b in store.catalog.iter_blobs()}
    copied = dictionaries.copy_intact(store.catalog, store.reader, store.codec, writer)
    moved: dict[bytes, BlobRow] = {}
    changes: list[dict[str, Any]] = []
    for entry in store.catalog.iter_entries():
        if entry.sha256 not in moved:
            blob = blobs[entry.sha256]
            location = writer.append(store.reader.read(blob.location))
            moved[entry.sha256] = BlobRow(blob.sha256, location, blob.raw_size)
        changes.append(add_record(entry))
        if len(changes) >= _CHANGES_PER_RECORD:
            writer.append(store.codec.seal_entries(changes))
            changes = []
    if changes:
        writer.append(store.codec.seal_entries(changes))
    sizes = writer.sync()
    writer.close()
    meta = {dictionaries.META_KEY: dictionaries.encode_locations(copied)}
    store.catalog.relocate_blobs(list(moved.values()), sizes, meta)
    store.reader.close()
    for number in old:
        container_path(store.content_dir, number).unlink()
    fsync_dir(store.content_dir)
    store.open_writer()
