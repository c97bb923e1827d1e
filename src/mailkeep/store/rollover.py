"""Automatic rollover: when the current store is full, a new store becomes current."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from mailkeep.store.archive_store import ArchiveStore
from mailkeep.store.registry import StoreRegistry, StoreSpec

# Imports running at once in one process (archiving jobs) share the registry: one rolls over.
_ROLLING = threading.Lock()


class Rollover:
    """Hands out the store new mail goes to, creating a new current store at the limit.

    The message count of the current store is read once and then tracked in memory, so the
    check costs nothing per batch. A batch may overshoot the limit by at most its own size.
    """

    def __init__(
        self,
        stores: StoreRegistry,
        limit: int,
        on_create_failed: Callable[[Exception], None] | None = None,
    ) -> None:
        self._stores = stores
        self._limit = limit
        self._on_create_failed = on_create_failed
        self._store: ArchiveStore | None = None
        self._count = 0

    def current_store(self, incoming: int) -> ArchiveStore:
        """The store to write the next ``incoming`` messages to."""
        if self._store is None:
            self._store = self._open_current()
            self._count = self._store.catalog.counts().messages
        # Another import in this process (a parallel job) may have rolled over already.
        if incoming and (self._count >= self._limit or self._moved_on()):
            with _ROLLING:
                self._roll()
        return self._store

    def _moved_on(self) -> bool:
        return self._store is not None and self._stores.current_id() != self._store.id

    def _roll(self) -> None:
        assert self._store is not None
        if self._moved_on():  # follow the new current store rather than roll again
            self._store = self._open_current()
            self._count = self._store.catalog.counts().messages
            if self._count < self._limit:
                return
        self._store.release_writer()  # its index writer's memory is not needed any more
        self._create()
        self._store = self._open_current()
        self._count = 0

    def written(self, count: int) -> None:
        """Account for messages just written to the current store."""
        self._count += count

    def _open_current(self) -> ArchiveStore:
        current = self._stores.current_id()
        if current is None:
            self._create()
            current = self._stores.current_id()
            assert current is not None
        store = self._stores.open(current)
        store.open_writer()
        return store

    def _create(self) -> None:
        """Create the new current store; a failure is reported (administrators are told) and
        raised, so the import stops instead of writing on past the limit."""
        try:
            self._stores.create(StoreSpec(name=self._new_name()))
        except Exception as exc:
            if self._on_create_failed is not None:
                self._on_create_failed(exc)
            raise

    def _new_name(self) -> str:
        stamp = datetime.now(UTC).strftime("Archive %Y-%m-%d %H%M%S")
        taken = {r.name for r in self._stores.records()}
        name, n = stamp, 1
        while name in taken:
            n += 1
            name = f"{stamp} ({n})"
        return name
