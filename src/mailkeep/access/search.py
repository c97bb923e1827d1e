"""Search across every open archive store as one archive, restricted to readable archives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailkeep.index.model import SearchHit, SortOrder
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
    hits: list[tuple[int, SearchHit]] = []
    total = 0
    for store in stores.open_stores():
        page = store.search_index().search(query, archives, sort, limit + offset, 0)
        total += page.total
        hits.extend((store.id, hit) for hit in page.hits)
    if sort == "date":
        hits.sort(key=lambda h: (h[1].date, h[0], h[1].entry_id), reverse=True)
    else:
        hits.sort(key=lambda h: h[1].score, reverse=True)
    return [_result(stores, sid, hit) for sid, hit in hits[offset : offset + limit]], total


def _result(stores: StoreRegistry, store_id: int, hit: SearchHit) -> SearchResult:
    entry = stores.open(store_id).entry(hit.entry_id)
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
