"""Browsing user archives across every open store as one archive: folders with counts."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

from mailkeep.store.registry import StoreRegistry


def folder_counts(stores: StoreRegistry, archive: str) -> dict[str, int]:
    """{folder: messages} of one user archive over all open stores ("" is the archive root)."""
    counts: Counter[str] = Counter()
    for store in stores.open_stores():
        counts.update(store.catalog.folders(archive))
    return dict(sorted(counts.items()))


def archive_counts(stores: StoreRegistry) -> dict[str, int]:
    """{user archive: messages} over all open stores."""
    counts: Counter[str] = Counter()
    for store in stores.open_stores():
        counts.update(store.catalog.archives())
    return dict(sorted(counts.items()))


class CachedCounts:
    """Archive and folder counts for pages that show them on every request.

    Counting is a GROUP BY over every entry of every store, too slow to repeat per page at a
    million messages; counts may lag behind other processes' imports by ``ttl`` seconds, and
    ``invalidate`` drops them at once after this process archives something.
    """

    def __init__(self, stores: StoreRegistry, ttl: float = 15.0) -> None:
        self._stores = stores
        self._ttl = ttl
        self._entries: dict[str, tuple[float, dict[str, int]]] = {}
        self._lock = threading.Lock()

    def _get(self, key: str, compute: Callable[[], dict[str, int]]) -> dict[str, int]:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
        if found is not None and now - found[0] < self._ttl:
            return found[1]
        value = compute()
        with self._lock:
            self._entries[key] = (now, value)
        return value

    def archives(self) -> dict[str, int]:
        """As :func:`archive_counts`, cached."""
        return self._get("\0archives", lambda: archive_counts(self._stores))

    def folders(self, archive: str) -> dict[str, int]:
        """As :func:`folder_counts`, cached per archive."""
        return self._get(archive, lambda: folder_counts(self._stores, archive))

    def invalidate(self) -> None:
        """Forget every cached count (after archiving, moving or deleting mail)."""
        with self._lock:
            self._entries.clear()
