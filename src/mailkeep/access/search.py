"""Search across every open archive store as one archive, restricted to readable archives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailkeep.index.model import SearchHit, SortOrder
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
    hits: list[tuple[int, SearchHit]] = []
    total = 0
    for store in stores.open_stores():
        found = store.search_index().search(query, archives, sort, limit + offset, 0)
        total += found.total
        hits.extend((store.id, hit) for hit in found.hits)
    if sort in ("date", "oldest"):
        hits.sort(key=lambda h: (h[1].date, h[0], h[1].entry_id), reverse=sort == "date")
    else:
        hits.sort(key=lambda h: h[1].score, reverse=True)
    page = hits[offset : offset + limit]
    entries: dict[tuple[int, int], EntryRow] = {}
    for store_id in {sid for sid, _ in page}:
        ids = [hit.entry_id for sid, hit in page if sid == store_id]
        for entry in stores.open(store_id).catalog.entries(ids):
            entries[(store_id, entry.id)] = entry
    return [
        _result(sid, entries[(sid, hit.entry_id)], hit)
        for sid, hit in page
        if (sid, hit.entry_id) in entries  # removed since the index was committed
    ], total


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
    )
