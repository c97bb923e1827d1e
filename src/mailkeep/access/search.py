"""Search across every open archive store as one archive, restricted to readable archives."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailkeep.index.model import SORT_FIELDS, SearchHit, SortOrder
from mailkeep.metrics import SEARCH_SECONDS
from mailkeep.store.catalog.base import EntryRow
from mailkeep.store.registry import StoreRegistry


@dataclass(frozen=True)
class SearchResult:
    """One hit with the fields a result list shows."""

    id: str
    date: datetime | None
    sender: str
    to: str
    subject: str
    folder: str
    user: str
    snippet: str
    size: int = 0
    has_attachment: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "date": self.date.isoformat() if self.date else None,
            "from": self.sender,
            "to": self.to,
            "subject": self.subject,
            "folder": self.folder,
            "user": self.user,
            "snippet": self.snippet,
            "size": self.size,
            "has_attachment": self.has_attachment,
        }


def search(
    stores: StoreRegistry,
    query: str,
    archives: frozenset[str] | None,
    limit: int = 50,
    offset: int = 0,
    sort: SortOrder = "date",
) -> tuple[list[SearchResult], int]:
    """A page of results merged over all stores, and the total number of matches."""
    with SEARCH_SECONDS.time():
        return _search(stores, query, archives, limit, offset, sort)


def _search(
    stores: StoreRegistry,
    query: str,
    archives: frozenset[str] | None,
    limit: int,
    offset: int,
    sort: SortOrder,
) -> tuple[list[SearchResult], int]:
    opened = list(stores.open_stores())
    if len(opened) == 1:  # the index pages by itself: no hits before the page are loaded
        found = opened[0].search_index().search(query, archives, sort, limit, offset)
        page = [(opened[0].id, hit) for hit in found.hits]
        return _results(stores, page), found.total
    total = 0
    per_store: list[list[tuple[int, SearchHit]]] = []
    for store in opened:
        found = store.search_index().search(query, archives, sort, limit + offset, 0)
        total += found.total
        per_store.append([(store.id, hit) for hit in found.hits])
    merged = heapq.merge(*per_store, key=_merge_key(sort), reverse=SORT_FIELDS[sort][1])
    return _results(stores, list(itertools.islice(merged, offset, offset + limit))), total


def _merge_key(sort: SortOrder) -> Callable[[tuple[int, SearchHit]], tuple[bool, Any]]:
    """The key merging the hits of several stores in the order each store's index sorted them
    (hits without a value last, as the index puts them; ties keep store order)."""
    descending = SORT_FIELDS[sort][1]

    def key(item: tuple[int, SearchHit]) -> tuple[bool, Any]:
        value = item[1].sort_key
        return ((value is not None) if descending else (value is None)), value

    return key


def _results(stores: StoreRegistry, page: list[tuple[int, SearchHit]]) -> list[SearchResult]:
    """The page's hits with the catalog's fields, in the page's order."""
    entries: dict[tuple[int, int], EntryRow] = {}
    for store_id in {sid for sid, _ in page}:
        ids = [hit.entry_id for sid, hit in page if sid == store_id]
        for entry in stores.open(store_id).catalog.entries(ids):
            entries[(store_id, entry.id)] = entry
    return [
        _result(sid, entries[(sid, hit.entry_id)], hit)
        for sid, hit in page
        if (sid, hit.entry_id) in entries  # removed since the index was committed
    ]


def _result(store_id: int, entry: EntryRow, hit: SearchHit) -> SearchResult:
    return SearchResult(
        id=f"{store_id}-{entry.id}",
        date=entry.date or entry.archived_at,
        sender=entry.sender,
        to=entry.recipients,
        subject=entry.subject,
        folder=entry.folder,
        user=entry.archive,
        snippet=hit.snippet,
        size=entry.size,
        has_attachment=entry.has_attachment,
    )
