"""The contract between the archive and its full-text index.

Each archive store has its own index, derived entirely from the store's content and metadata:
it can be deleted and rebuilt at any time. One document per message entry (a message in one user
archive and folder); ``entry_id`` is the store-local id of that entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, get_args

# date: newest first, oldest: oldest first; a field name alone is ascending (A to Z, smallest
# first), ``-desc`` descending. Sorting is done by the index over fast fields, never in Python.
SortOrder = Literal[
    "date",
    "oldest",
    "relevance",
    "sender",
    "sender-desc",
    "subject",
    "subject-desc",
    "size",
    "size-desc",
]
SORT_ORDERS: tuple[SortOrder, ...] = get_args(SortOrder)
# The field each order sorts by and whether it is descending (relevance: score, best first).
SORT_FIELDS: dict[SortOrder, tuple[str, bool]] = {
    "date": ("date", True),
    "oldest": ("date", False),
    "relevance": ("score", True),
    "sender": ("sender", False),
    "sender-desc": ("sender", True),
    "subject": ("subject", False),
    "subject-desc": ("subject", True),
    "size": ("size", False),
    "size-desc": ("size", True),
}


@dataclass(frozen=True)
class PreparedText:
    """Text fields of a document already processed for the index (CJK runs split out, snippet
    prefixes cut and joined). Computed in the ingest worker processes so that the single writer
    process only compresses the snippet texts and hands documents to tantivy."""

    subject: str
    body: str
    attachment_text: str
    cjk: str
    snippet_texts: bytes


@dataclass(frozen=True)
class IndexDocument:
    """Everything the index knows about one message entry."""

    entry_id: int
    archive: str  # user archive name
    folder: str  # folder path inside the user archive, "/" separated
    date: datetime  # timezone-aware; the Date header, else the time it was archived
    size: int  # raw size in bytes
    sender: str  # "Name <addr>, ..." text of From
    to: str
    cc: str
    bcc: str
    subject: str
    body: str
    attachment_names: str  # all attachment file names, newline separated
    attachment_text: str  # extracted attachment text
    has_attachment: bool
    prepared: PreparedText | None = None  # see PreparedText; computed on demand when None


@dataclass(frozen=True)
class SearchHit:
    """One matching entry; ``snippet`` is HTML-escaped text with matches wrapped in ``<b>``.

    ``sort_key`` is the value the hits were ordered by (a score, nanoseconds since the epoch,
    a size or a sort text; None: the entry has no value and sorts last), so hits of several
    indexes can be merged in the same order."""

    entry_id: int
    score: float
    date: datetime
    snippet: str
    sort_key: str | int | float | None = None


@dataclass(frozen=True)
class SearchPage:
    """Hits for one page plus the total number of matches in this index."""

    hits: list[SearchHit]
    total: int


class SearchIndex(Protocol):
    """A full-text index for one archive store.

    Durability: ``add`` and ``delete`` are buffered; only ``commit`` makes them visible and
    durable. A crash before ``commit`` loses only uncommitted changes, which the store re-applies
    from its index queue on the next open. One writer per index at a time; searching never
    needs the writer.
    """

    def add(self, documents: Sequence[IndexDocument], *, new: bool = False) -> None:
        """Buffer documents (an existing document with the same entry_id is replaced).

        ``new``: the entry ids were never indexed before (just assigned), so there is
        nothing to replace and the replacement work is skipped."""
        ...

    def delete(self, entry_ids: Sequence[int]) -> None:
        """Buffer removal of the documents of these entries."""
        ...

    def commit(self) -> None:
        """Make buffered changes durable and visible to searches."""
        ...

    def clear(self) -> None:
        """Remove every document (used before a rebuild); takes effect at commit."""
        ...

    def search(
        self,
        query: str,
        archives: frozenset[str] | None,
        sort: SortOrder = "date",
        limit: int = 50,
        offset: int = 0,
    ) -> SearchPage:
        """Run a query in mailkeep's query language.

        ``archives`` restricts hits to these user archives (None: no restriction; an empty set
        matches nothing). Raises ``QuerySyntaxError`` for malformed queries.
        """
        ...

    def count(self) -> int:
        """Number of documents visible to searches."""
        ...

    def size_bytes(self) -> int:
        """Bytes on disk used by the index."""
        ...

    def close(self) -> None:
        """Release the writer (if any) and file handles."""
        ...
