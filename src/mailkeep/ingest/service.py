"""The one entry point for archiving a message source (CLI, web upload, jobs)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from mailkeep.errors import recognise
from mailkeep.ingest.pipeline import (
    Failed,
    ImportResult,
    Pipeline,
    Progress,
    Stored,
    default_steps,
)
from mailkeep.runtime import Runtime
from mailkeep.sources.base import MessageSource
from mailkeep.store.rollover import Rollover

# Imports share open stores safely (each ArchiveStore serialises its own writes), so jobs run
# in parallel. Whole-store maintenance started from the web or API (index rebuilds, compaction)
# takes this process-wide turn so that two such long operations never overlap.
_MAINTENANCE = threading.Lock()


@contextmanager
def store_writes() -> Iterator[None]:
    """Hold this process's turn for whole-store maintenance work."""
    with _MAINTENANCE:
        yield


def store_creation_failed(runtime: Runtime, exc: Exception) -> None:
    """Record and announce that a new current archive store could not be created (the
    current one is full): an audit event and an email to the administrators."""
    from mailkeep.jobs.notify import send_notification
    from mailkeep.jobs.runner import relay_from_settings

    reason = str(exc) or type(exc).__name__
    runtime.audit.record("store.creation_failed", "mailkeep", reason=reason)
    body = (
        "mailkeep could not create a new archive store when the current one reached "
        f"store.rollover_messages:\n\n  {reason}\n\nNew mail is not archived until this is "
        "fixed (free disk space, permissions of store.base_dir), or a store is made current "
        "with `mailkeep store create` / `mailkeep store set-state`.\n"
    )
    send_notification(
        relay_from_settings(runtime), "mailkeep: a new archive store could not be created", body
    )


def import_source(
    runtime: Runtime,
    source: MessageSource,
    archive: str | None,
    progress: Progress | None = None,
    on_stored: Stored | None = None,
    on_failed: Failed | None = None,
) -> ImportResult:
    """Archive everything ``source`` yields into ``archive`` (None: per-message archives).

    Returns when every archived message is durable and indexed. ``on_stored`` hears of each
    message once its user archive holds it durably (incremental sources record it then);
    ``on_failed`` of each message that was not archived, with the step and the reason.
    """
    with runtime.stores.writing():  # the last import to end gives the stores' writers back
        return _import(runtime, source, archive, progress, on_stored, on_failed)


def _import(
    runtime: Runtime,
    source: MessageSource,
    archive: str | None,
    progress: Progress | None,
    on_stored: Stored | None,
    on_failed: Failed | None = None,
) -> ImportResult:
    runtime.pool.start()
    archives = {u.archive.lower(): u.archive for u in runtime.users.list()}
    rollover = Rollover(
        runtime.stores,
        runtime.setting("store.rollover_messages"),
        lambda exc: store_creation_failed(runtime, exc),
    )
    rollover.current_store(0)  # fail now, not per batch, if the store cannot be written
    steps = default_steps(runtime.stores, runtime.pool, rollover)
    pipeline = Pipeline(
        steps,
        runtime.setting("ingest.batch_size"),
        lambda a: archives.get(a.lower()),
        on_stored,
        on_failed,
    )
    try:
        pipeline.run(source, archive, progress)
    except BaseException:
        with contextlib.suppress(Exception):  # the run's own error is the one to report
            runtime.stores.flush_indexes()
        raise
    _flush_indexes(runtime, pipeline.result)
    return pipeline.result


def _flush_indexes(runtime: Runtime, result: ImportResult) -> None:
    """Commit the index after a run. A failure here (a full disk) loses nothing: the messages
    are durable and the catalog's index queue re-derives them on the next open; the run is
    reported stopped, with what it archived."""
    try:
        runtime.stores.flush_indexes()
    except Exception as exc:
        known = recognise(exc)
        if known is None:
            raise
        result.aborted = result.aborted or f"the search index could not be updated: {known}"
