"""Automatic rollover: when the current store is full, a new store becomes current."""

from __future__ import annotations

from datetime import UTC, datetime

from mailkeep.store.archive_store import ArchiveStore
from mailkeep.store.registry import StoreRegistry, StoreSpec


class Rollover:
    """Hands out the store new mail goes to, creating a new current store at the limit.

    The message count of the current store is read once and then tracked in memory, so the
    check costs nothing per batch. A batch may overshoot the limit by at most its own size.
    """

    def __init__(self, stores: StoreRegistry, limit: int) -> None:
        self._stores = stores
        self._limit = limit
        self._store: ArchiveStore | None = None
        self._count = 0

    def current_store(self, incoming: int) -> ArchiveStore:
        """The store to write the next ``incoming`` messages to."""
        if self._store is None:
            self._store = self._open_current()
            self._count = self._store.catalog.counts().messages
        if self._count >= self._limit and incoming:
            self._store.release_writer()  # its index writer's memory is not needed any more
            self._stores.create(StoreSpec(name=self._new_name()))
            self._store = self._open_current()
            self._count = 0
        return self._store

    def written(self, count: int) -> None:
        """Account for messages just written to the current store."""
        self._count += count

    def _open_current(self) -> ArchiveStore:
        current = self._stores.current_id()
        if current is None:
            self._stores.create(StoreSpec(name=self._new_name()))
            current = self._stores.current_id()
            assert current is not None
        store = self._stores.open(current)
        store.open_writer()
        return store

    def _new_name(self) -> str:
        stamp = datetime.now(UTC).strftime("Archive %Y-%m-%d %H%M%S")
        taken = {r.name for r in self._stores.records()}
        name, n = stamp, 1
        while name in taken:
            n += 1
            name = f"{stamp} ({n})"
        return name
