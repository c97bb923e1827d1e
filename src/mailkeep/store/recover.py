"""``store recover``: rebuild a store's whole catalog from its container files alone.

Blob records give every message's bytes; entry records, replayed in file order, give which user
archive and folder holds each message (add, move, remove). Listing fields are re-derived by
parsing the bytes, and the index is rebuilt afterwards. A torn record at the very end of the
newest container (a crash mid-write) is cut off; damaged records elsewhere are skipped and
reported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from mailkeep.store import dictionaries
from mailkeep.store.archive_store import ArchiveStore
from mailkeep.store.catalog.base import Batch, BlobRow, EntryRow
from mailkeep.store.catalog.sql import from_micros
from mailkeep.store.content.containers import Location, container_path, list_containers, scan
from mailkeep.store.content.records import BLOB_KINDS, CorruptRecordError, RecordKind

_DERIVE_BATCH = 200


@dataclass
class RecoverReport:
    """What recovery found."""

    messages: int = 0
    blobs: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"messages": self.messages, "blobs": self.blobs, "skipped": self.skipped}


def recover_store(store: ArchiveStore) -> RecoverReport:
    """Replace the catalog of ``store`` with one rebuilt from its containers, then reindex."""
    report = RecoverReport()
    blobs: dict[bytes, BlobRow] = {}
    entries: dict[int, dict[str, Any]] = {}
    sizes: dict[int, int] = {}
    found: list[Location] = []
    numbers = list_containers(store.content_dir)
    for number in numbers:
        newest = number == numbers[-1]
        sizes[number] = _replay(store, number, newest, blobs, entries, found, report)
    store.catalog.reset()
    meta = {dictionaries.META_KEY: dictionaries.encode_locations(found)}
    store.catalog.commit_batch(Batch(blobs=list(blobs.values()), containers=sizes, meta=meta))
    rows = [e for e in entries.values() if bytes.fromhex(e["sha256"]) in blobs]
    for start in range(0, len(rows), _DERIVE_BATCH):
        chunk = rows[start : start + _DERIVE_BATCH]
        store.catalog.commit_batch(Batch(entries=_entry_rows(store, chunk, blobs)))
    if entries:
        store.catalog.set_meta("max_entry_id", str(max(entries)))
    report.messages, report.blobs = len(rows), len(blobs)
    store.rebuild_index()
    return report


def _replay(
    store: ArchiveStore,
    number: int,
    newest: bool,
    blobs: dict[bytes, BlobRow],
    entries: dict[int, dict[str, Any]],
    found: list[Location],
    report: RecoverReport,
) -> int:
    """Replay one container; returns its size up to the last good record."""
    path = container_path(store.content_dir, number)
    end = path.stat().st_size
    last_good = 8
    for rec in scan(path, number):
        loc = rec.location
        try:
            if rec.kind is None:
                raise CorruptRecordError("damaged record header")
            _kind, plain = store.codec.open_record(rec.record)
            if rec.kind in BLOB_KINDS:
                blob = store.codec.open_blob(plain, rec.kind)
                blobs.setdefault(blob.sha256, BlobRow(blob.sha256, loc, len(blob.raw)))
            elif rec.kind == RecordKind.DICTIONARY:
                store.codec.use_dictionary(plain, for_writing=not store.codec.dictionary_id)
                found.append(loc)
            else:
                for change in store.codec.open_entries(plain):
                    _apply(change, entries)
            last_good = loc.offset + loc.length
        except CorruptRecordError as exc:
            where = {"container": number, "offset": loc.offset, "reason": str(exc)}
            report.skipped.append(where)
    if newest and last_good < end:
        with path.open("r+b") as handle:  # a torn tail from a crash mid-write
            handle.truncate(last_good)
            os.fsync(handle.fileno())
        return last_good
    return end


def _apply(change: dict[str, Any], entries: dict[int, dict[str, Any]]) -> None:
    op, entry_id = change["op"], int(change["id"])
    if op == "add":
        entries[entry_id] = change
    elif op == "move" and entry_id in entries:
        entries[entry_id] = {**entries[entry_id], "folder": change["folder"]}
    elif op == "remove":
        entries.pop(entry_id, None)


def _entry_rows(
    store: ArchiveStore, changes: list[dict[str, Any]], blobs: dict[bytes, BlobRow]
) -> list[EntryRow]:
    hashes = [bytes.fromhex(c["sha256"]) for c in changes]
    assert store.deriver is not None
    derived = store.deriver.derive([store.read_blob(blobs[h]).raw for h in hashes])
    rows = []
    for change, sha, d in zip(changes, hashes, derived, strict=True):
        archived = from_micros(change["archived_at"])
        assert archived is not None
        rows.append(
            EntryRow(
                id=int(change["id"]),
                sha256=sha,
                archive=change["archive"],
                folder=change["folder"],
                source_id=change.get("source_id", ""),
                received=from_micros(change.get("received")),
                archived_at=archived,
                date=d.date,
                size=blobs[sha].raw_size,
                subject=d.subject,
                sender=d.sender,
                recipients=d.recipients,
                message_id=d.message_id,
                has_attachment=d.has_attachment,
                flags=tuple(change.get("flags", ())),
                defects=d.defects,
            )
        )
    return rows
