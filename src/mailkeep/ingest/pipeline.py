"""Running a message source through the ingest steps, batch by batch.

The pipeline is data: an ordered tuple of named steps (hash → duplicate-check → analyze →
store). Batches are cut by message count and by bytes, so memory stays flat whatever the size
of the source. The result counts every message exactly once.

Two threads share the work: this one reads the source and runs the "front" steps (hashing,
duplicate check, handing messages to the analysis workers); a writer thread runs the "back"
steps (collecting analysis, storing) one batch behind. Reading, hashing, compression,
encryption and database writes all release the GIL, so they overlap.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from mailkeep.errors import recognise
from mailkeep.ingest.steps import (
    AnalyzeStep,
    AwaitAnalysisStep,
    DuplicateCheckStep,
    HashStep,
    IngestBatch,
    Item,
    Step,
    StoreStep,
)
from mailkeep.ingest.workers import WorkerPool
from mailkeep.sources.base import MessageSource, SourceMessage
from mailkeep.store.registry import StoreRegistry
from mailkeep.store.rollover import Rollover

MAX_BATCH_BYTES = 32 * 1024 * 1024  # two batches are in flight at once
MAX_MESSAGE_BYTES = 1 << 30  # far above any mail server's limit; keeps records well in range
Progress = Callable[[int, int], None]  # (messages seen, bytes or messages done) after each batch
# Called (in the writer thread) for each message the archive now holds durably.
Stored = Callable[[SourceMessage, bytes, bool], None]  # (message, sha256, was a duplicate)
# Called for each message that was not archived: (message, step, reason).
Failed = Callable[[SourceMessage, str, str], None]


@runtime_checkable
class LingeringSource(MessageSource, Protocol):
    """A source that is pushed messages (SMTP, uploads, the API) and wants each answered soon.

    ``arrivals()`` yields messages as they come, and None whenever none came for a short
    linger time: the pipeline then closes the batch it is collecting instead of waiting for it
    to fill, so a sender hears of its message within milliseconds."""

    def arrivals(self) -> Iterator[SourceMessage | None]:
        """Messages as they arrive, with None after each pause."""
        ...


@dataclass
class ImportResult:
    """What an import did; ``failures`` name each message that was not archived and why."""

    archived: int = 0
    duplicates: int = 0
    failed: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    aborted: str | None = None  # why the run stopped early (the store could not be written)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "archived": self.archived,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "failures": self.failures,
        }
        if self.aborted:
            result["aborted"] = self.aborted
        return result

    def add_failure(self, source_id: str, step: str, reason: str) -> None:
        with self._lock:  # the reader and the writer thread both report failures
            self.failed += 1
            self.failures.append({"source_id": source_id, "step": step, "reason": reason})


def default_steps(stores: StoreRegistry, pool: WorkerPool, rollover: Rollover) -> tuple[Step, ...]:
    """The standard ingest pipeline."""
    return (
        HashStep(),
        DuplicateCheckStep(stores),
        AnalyzeStep(pool),
        AwaitAnalysisStep(),
        StoreStep(rollover),
    )


class Pipeline:
    """Feeds sources through steps; one instance per import run."""

    def __init__(
        self,
        steps: tuple[Step, ...],
        batch_size: int,
        resolve_archive: Callable[[str], str | None],
        on_stored: Stored | None = None,
        on_failed: Failed | None = None,
    ) -> None:
        self.steps = steps
        self._on_stored = on_stored
        self._on_failed = on_failed
        self.batch_size = batch_size
        self._resolve = resolve_archive
        self.result = ImportResult()
        self._writer_error: BaseException | None = None

    def run(self, source: MessageSource, archive: str | None, progress: Progress | None) -> None:
        """Import everything ``source`` yields into ``archive`` (or each message's own)."""
        handoff: queue.Queue[IngestBatch | None] = queue.Queue(maxsize=1)
        writer = threading.Thread(
            target=self._write_batches, args=(handoff, source, progress), name="ingest-writer"
        )
        writer.start()
        arrivals = source.arrivals() if isinstance(source, LingeringSource) else source.messages()
        try:
            for batch in self._batches(arrivals, archive):
                if self.result.aborted:
                    break  # messages not read yet stay in the source for the next run
                self._run_phase(batch, "front")
                handoff.put(batch)
        finally:
            handoff.put(None)
            writer.join()
        if self._writer_error is not None:
            raise self._writer_error
        for problem in source.problems:
            self.result.add_failure(problem.source_id, "read", problem.reason)

    def _write_batches(
        self,
        handoff: queue.Queue[IngestBatch | None],
        source: MessageSource,
        progress: Progress | None,
    ) -> None:
        seen = 0
        while (batch := handoff.get()) is not None:
            if self.result.aborted or self._writer_error is not None:
                # Drain, so the reader never blocks; nothing more is written.
                for item in batch.pending():
                    self._failed(item.message, "store", self.result.aborted or "stopped")
                continue
            try:
                seen += self._finish(batch)
                if progress is not None:
                    progress(seen, int(getattr(source, "bytes_read", seen)))
            except BaseException as exc:  # re-raised in the reader thread after join
                self._writer_error = exc
                self.result.aborted = f"writer: {type(exc).__name__}: {exc}"

    def _batches(
        self, messages: Iterator[SourceMessage | None], archive: str | None
    ) -> Iterator[IngestBatch]:
        batch, size = IngestBatch(), 0
        for message in messages:
            if message is None:  # a pause in pushed mail: answer what has come so far
                if batch.items:
                    yield batch
                    batch, size = IngestBatch(), 0
                continue
            wanted = message.archive or archive or ""
            target = self._resolve(wanted)
            if target is None:
                self._failed(message, "route", f"unknown user {wanted!r}")
                continue
            if len(message.raw) > MAX_MESSAGE_BYTES:
                reason = f"message of {len(message.raw)} bytes exceeds the 1 GiB limit"
                self._failed(message, "route", reason)
                continue
            batch.items.append(Item(message, target))
            size += len(message.raw)
            if len(batch.items) >= self.batch_size or size >= MAX_BATCH_BYTES:
                yield batch
                batch, size = IngestBatch(), 0
        if batch.items:
            yield batch

    def _finish(self, batch: IngestBatch) -> int:
        self._run_phase(batch, "back")
        self._count(batch)
        return len(batch.items)

    def _run_phase(self, batch: IngestBatch, phase: str) -> None:
        for step in self.steps:
            if step.phase != phase:
                continue
            try:
                step.run(batch)
            except Exception as exc:
                known = recognise(exc)
                reason = known.message if known else f"{type(exc).__name__}: {exc}"
                self._fail_pending(batch, step.name, reason)
                if step.fatal:
                    self.result.aborted = f"{step.name}: {reason}"

    def _count(self, batch: IngestBatch) -> None:
        for item in batch.items:
            if item.status == "failed":
                self._failed(item.message, item.failed_step, item.error)
                continue
            if item.status == "archived":
                self.result.archived += 1
            elif item.status == "duplicate":
                self.result.duplicates += 1
            if self._on_stored is not None and item.status != "pending":
                self._on_stored(item.message, item.sha256, item.status == "duplicate")

    def _failed(self, message: SourceMessage, step: str, reason: str) -> None:
        self.result.add_failure(message.source_id, step, reason)
        if self._on_failed is not None:
            self._on_failed(message, step, reason)

    @staticmethod
    def _fail_pending(batch: IngestBatch, step: str, error: str) -> None:
        for item in batch.pending():
            item.status, item.failed_step, item.error = "failed", step, error
