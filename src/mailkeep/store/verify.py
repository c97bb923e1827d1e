"""``store verify``: recompute every hash and reconcile content with the catalog.

Reports corrupt records (fail authentication, decompression or hash), missing content (the
catalog points at a record that is not there) and orphaned records (content no catalog row
refers to), each with the messages it affects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailkeep.store.archive_store import ArchiveStore
from mailkeep.store.catalog.base import BlobRow
from mailkeep.store.content.containers import container_path, list_containers, scan
from mailkeep.store.content.records import BLOB_KINDS, CorruptRecordError, RecordKind

_PENDING_SHOWN = 100_000  # queued index work counted up to this many entries


@dataclass
class VerifyReport:
    """Outcome of verifying one or more stores."""

    checked: int = 0
    records: int = 0
    corrupt: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    orphaned: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.corrupt or self.missing or self.orphaned)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "records": self.records,
            "corrupt": self.corrupt,
            "missing": self.missing,
            "orphaned": self.orphaned,
        }

    def lines(self) -> list[str]:
        """The problems as sentences, each naming where it is and which messages it affects."""
        return [
            f"{kind}: {describe(problem)}"
            for kind in ("corrupt", "missing", "orphaned")
            for problem in getattr(self, kind)
        ]

    def merge(self, other: VerifyReport) -> None:
        self.checked += other.checked
        self.records += other.records
        self.corrupt += other.corrupt
        self.missing += other.missing
        self.orphaned += other.orphaned


def verify_store(
    store: ArchiveStore, progress: Callable[[int, int], None] | None = None
) -> VerifyReport:
    """Verify one store (reads every container once, sequentially).

    ``progress(done, total)`` is called before each container; it may raise to stop early
    (verification only reads, so stopping anywhere is safe)."""
    report = VerifyReport()
    blobs = {b.sha256: b for b in store.catalog.iter_blobs()}
    by_location = {(b.location.container, b.location.offset): b for b in blobs.values()}
    messages = _messages_by_hash(store)
    committed = store.catalog.committed_containers()
    good: set[bytes] = set()
    containers = list_containers(store.content_dir)
    for done, number in enumerate(containers):
        if progress is not None:
            progress(done, len(containers))
        limit = committed.get(number)
        if limit is None and number > max(committed, default=0):
            continue  # created by a batch that never committed; the next writer removes it
        if limit is None:
            report.orphaned.append(_where(store, number, 0, "container not in catalog", []))
            continue
        _verify_container(store, number, limit, by_location, messages, good, report)
    for sha, blob in blobs.items():
        if sha not in good and not _reported(report, blob):
            report.missing.append(_blob_problem(store, blob, "content record missing", messages))
    known = set(blobs)
    for sha, ids in messages.items():
        if sha not in known:
            report.missing.append({"reason": "no content for message", "messages": ids})
    report.checked = sum(len(v) for v in messages.values())
    return report


def _verify_container(
    store: ArchiveStore,
    number: int,
    limit: int,
    by_location: dict[tuple[int, int], BlobRow],
    messages: dict[bytes, list[str]],
    good: set[bytes],
    report: VerifyReport,
) -> None:
    path = container_path(store.content_dir, number)
    for rec in scan(Path(path), number):
        loc = rec.location
        if loc.offset >= limit:
            break  # past the committed end: an unfinished batch, cut off by the next writer
        report.records += 1
        expected = by_location.get((number, loc.offset))
        affected = messages.get(expected.sha256, []) if expected else []
        if rec.kind is None:
            hit = [
                b
                for k, b in by_location.items()
                if k[0] == number and loc.offset <= k[1] < loc.offset + loc.length
            ]
            ids = [m for b in hit for m in messages.get(b.sha256, [])]
            report.corrupt.append(_where(store, number, loc.offset, "damaged record header", ids))
            continue
        try:
            _kind, plain = store.codec.open_record(rec.record)
            if rec.kind in BLOB_KINDS:
                blob = store.codec.open_blob(plain, rec.kind)
                if expected is None or expected.sha256 != blob.sha256:
                    report.orphaned.append(
                        _where(store, number, loc.offset, "content not in catalog", [])
                    )
                else:
                    good.add(blob.sha256)
            elif rec.kind == RecordKind.ENTRY:
                store.codec.open_entries(plain)
        except CorruptRecordError as exc:
            reason = str(exc)
            if rec.kind == RecordKind.DICTIONARY:
                # Messages that need a dictionary with no intact copy fail on their own blobs.
                reason = f"damaged copy of a compression dictionary: {reason}"
            report.corrupt.append(_where(store, number, loc.offset, reason, affected))


def _messages_by_hash(store: ArchiveStore) -> dict[bytes, list[str]]:
    found: dict[bytes, list[str]] = defaultdict(list)
    for entry in store.catalog.iter_entries():
        found[entry.sha256].append(f"{store.id}-{entry.id}")
    return found


def _reported(report: VerifyReport, blob: BlobRow) -> bool:
    loc = blob.location
    return any(
        c.get("container") == loc.container and c.get("offset") == loc.offset
        for c in report.corrupt
    )


def _where(
    store: ArchiveStore, container: int, offset: int, reason: str, ids: list[str]
) -> dict[str, Any]:
    return {
        "store": store.id,
        "container": container,
        "offset": offset,
        "reason": reason,
        "messages": ids,
    }


def _blob_problem(
    store: ArchiveStore, blob: BlobRow, reason: str, messages: dict[bytes, list[str]]
) -> dict[str, Any]:
    loc = blob.location
    return _where(store, loc.container, loc.offset, reason, messages.get(blob.sha256, []))


def describe(problem: dict[str, Any], most: int = 20) -> str:
    """One problem of a report in words: store, container and offset, reason, messages."""
    where = []
    if "store" in problem:
        where.append(f"store {problem['store']}")
    if "container" in problem:
        where.append(f"container {problem['container']} at offset {problem['offset']}")
    ids: list[str] = problem.get("messages", [])
    affected = "no message affected"
    if ids:
        more = f" and {len(ids) - most} more" if len(ids) > most else ""
        affected = f"message{'s' if len(ids) > 1 else ''} {', '.join(ids[:most])}{more}"
    place = f"{', '.join(where)}: " if where else ""
    return f"{place}{problem['reason']} ({affected})"


def verify_index(store: ArchiveStore) -> dict[str, Any]:
    """Does the full-text index hold exactly one document per message of the catalog?

    ``ok`` only when it does and no index work is queued: a queue left by a crash is applied
    the next time the store is written (or the server starts), and until then searches miss
    those messages, so it is reported rather than excused. ``missing`` counts messages the
    index lacks (negative: documents of removed messages it still holds)."""
    documents = store.search_index().count()
    messages = store.catalog.counts().messages
    pending = len(store.catalog.index_queue(_PENDING_SHOWN))
    return {
        "documents": documents,
        "messages": messages,
        "missing": messages - documents,
        "pending": pending,
        "ok": documents == messages and not pending,
    }
