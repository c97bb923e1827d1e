"""The one entry point for archiving a message source (CLI, web upload, jobs)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from mailkeep.ingest.pipeline import ImportResult, Pipeline, Progress, default_steps
from mailkeep.runtime import Runtime
from mailkeep.sources.base import MessageSource
from mailkeep.store.rollover import Rollover

# One writer per archive store: imports and index rebuilds started concurrently in one process
# (web uploads, jobs, admin pages) take turns rather than contend for the store's writer lock.
_STORE_WRITES = threading.Lock()


@contextmanager
def store_writes() -> Iterator[None]:
    """Hold this process's turn to write to archive stores."""
    with _STORE_WRITES:
        yield


def import_source(
    runtime: Runtime, source: MessageSource, archive: str | None, progress: Progress | None = None
) -> ImportResult:
    """Archive everything ``source`` yields into ``archive`` (None: per-message archives).

    Returns when every archived message is durable and indexed.
    """
    with store_writes():
        return _run(runtime, source, archive, progress)


def _run(
    runtime: Runtime, source: MessageSource, archive: str | None, progress: Progress | None
) -> ImportResult:
    runtime.pool.start()
    archives = {u.archive.lower(): u.archive for u in runtime.users.list()}
    rollover = Rollover(runtime.stores, runtime.setting("store.rollover_messages"))
    rollover.current_store(0)  # fail now, not per batch, if the store cannot be written
    steps = default_steps(runtime.stores, runtime.pool, rollover)
    pipeline = Pipeline(
        steps, runtime.setting("ingest.batch_size"), lambda a: archives.get(a.lower())
    )
    try:
        pipeline.run(source, archive, progress)
    finally:
        runtime.stores.flush_indexes()
    return pipeline.result
