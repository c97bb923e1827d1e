"""Browsing user archives across every open store as one archive: folders with counts."""

from __future__ import annotations

from collections import Counter

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
