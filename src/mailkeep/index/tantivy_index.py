"""``SearchIndex`` on a tantivy index in one directory.

One ``TantivyIndex`` per open index. A writable instance holds tantivy's writer lock for its
lifetime (one writer per index, across processes: a second one gets ``IndexBusyError``); a
read-only instance never takes it and sees commits made by the writer (immediately in the same
instance, after tantivy's short reload delay in others).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import tantivy

from mailkeep.errors import ConflictError, InvalidInputError, MailkeepError
from mailkeep.index.model import IndexDocument, SearchHit, SearchPage, SortOrder
from mailkeep.index.query import QueryNode, Text, parse_query
from mailkeep.index.querybuild import QueryBuilder, positive_texts
from mailkeep.index.schema import (
    SCHEMA_VERSION,
    build_schema,
    cjk_runs,
    register_analyzers,
    to_tantivy,
)
from mailkeep.index.snippets import SnippetMaker

WRITER_HEAP_BYTES = 96_000_000
WRITER_THREADS = 2
VERSION_FILE = "mailkeep-index-version"
MAX_LIMIT = 10_000


class IndexBusyError(MailkeepError):
    """Another writer (in this or another process) holds the index's writer lock."""

    code = "index_busy"


class IndexVersionError(MailkeepError):
    """The index on disk was built with another schema version; it must be rebuilt."""

    code = "index_version"


def _open_tantivy(path: Path, schema: tantivy.Schema) -> tantivy.Index:
    marker = path / VERSION_FILE
    path.mkdir(parents=True, exist_ok=True)
    if tantivy.Index.exists(str(path)):
        found = marker.read_text().strip() if marker.exists() else "unknown"
        if found != str(SCHEMA_VERSION):
            raise IndexVersionError(
                f"The search index at {path} has schema version {found}, this mailkeep needs "
                f"{SCHEMA_VERSION}: rebuild the index.",
                path=str(path),
            )
        index = tantivy.Index.open(str(path))
    else:
        index = tantivy.Index(schema, path=str(path), reuse=False)
        marker.write_text(f"{SCHEMA_VERSION}\n")
    register_analyzers(index)
    return index


def _open_writer(index: tantivy.Index, path: Path) -> tantivy.IndexWriter:
    try:
        return index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=WRITER_THREADS)
    except ValueError as exc:
        if "lock" in str(exc).lower():
            raise IndexBusyError(
                f"The search index at {path} is being written by another process or task; "
                "try again when it has finished.",
                path=str(path),
            ) from None
        raise


def _result_count(result: tantivy.SearchResult) -> int:
    count = getattr(result, "count", None)  # present at run time, missing from the stubs
    return int(count) if isinstance(count, int) else 0


def _as_int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _as_utc(value: object) -> datetime:
    if not isinstance(value, datetime):
        return datetime.fromtimestamp(0, UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class TantivyIndex:
    """The full-text index of one archive store (see ``SearchIndex``)."""

    def __init__(
        self, path: Path, index: tantivy.Index, writer: tantivy.IndexWriter | None
    ) -> None:
        """Use ``TantivyIndex.open``."""
        self._path = path
        self._index: tantivy.Index | None = index
        self._schema = index.schema
        self._writer = writer
        self._builder = QueryBuilder(self._schema)

    @classmethod
    def open(cls, path: Path, writable: bool) -> TantivyIndex:
        """Open the index in ``path``, creating an empty one if there is none.

        ``writable`` takes the writer lock (``IndexBusyError`` if someone else holds it).
        """
        index = _open_tantivy(path, build_schema())
        writer = _open_writer(index, path) if writable else None
        return cls(path, index, writer)

    def __enter__(self) -> TantivyIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def path(self) -> Path:
        """The index directory."""
        return self._path

    def _live_index(self) -> tantivy.Index:
        if self._index is None:
            raise ConflictError(f"The search index at {self._path} is closed.")
        return self._index

    def _live_writer(self) -> tantivy.IndexWriter:
        self._live_index()
        if self._writer is None:
            raise ConflictError(f"The search index at {self._path} was opened read-only.")
        return self._writer

    # --- writing ---------------------------------------------------------------------------

    def add(self, documents: Sequence[IndexDocument]) -> None:
        """Buffer documents; an existing document with the same entry_id is replaced."""
        writer = self._live_writer()
        latest = {doc.entry_id: doc for doc in documents}  # the last one of a batch wins
        if not latest:
            return
        self._delete_ids(writer, list(latest))
        for doc in latest.values():
            writer.add_document(to_tantivy(doc, self._schema))

    def delete(self, entry_ids: Sequence[int]) -> None:
        """Buffer removal of the documents of these entries."""
        writer = self._live_writer()
        if entry_ids:
            self._delete_ids(writer, list(set(entry_ids)))

    def _delete_ids(self, writer: tantivy.IndexWriter, ids: list[int]) -> None:
        query = tantivy.Query.term_set_query(self._schema, "entry_id", ids)
        writer.delete_documents_by_query(query)

    def clear(self) -> None:
        """Remove every document (documents added after this call survive); takes effect at
        commit."""
        self._live_writer().delete_documents_by_query(tantivy.Query.all_query())

    def commit(self) -> None:
        """Make buffered changes durable and visible to searches."""
        writer = self._live_writer()
        writer.commit()
        self._live_index().reload()

    # --- reading ---------------------------------------------------------------------------

    def search(
        self,
        query: str,
        archives: frozenset[str] | None,
        sort: SortOrder = "date",
        limit: int = 50,
        offset: int = 0,
    ) -> SearchPage:
        """Run a query in mailkeep's query language (see ``mailkeep.index.query``).

        Date order is newest first; relevance order is BM25 (subject matches weigh double).
        Hits sorted by date have ``score`` 0.0. ``limit`` is capped at ``MAX_LIMIT``; ``limit=0``
        only counts.
        """
        node = parse_query(query)
        if sort not in ("date", "relevance"):
            raise InvalidInputError(f"Unknown sort order {sort!r}: use 'date' or 'relevance'.")
        if limit < 0 or offset < 0:
            raise InvalidInputError("Search limit and offset must not be negative.")
        if archives is not None and not archives:
            return SearchPage(hits=[], total=0)
        tquery = self._builder.build(node)
        if archives is not None:
            tquery = self._restrict(tquery, archives)
        searcher = self._live_index().searcher()
        result = searcher.search(
            tquery,
            limit=max(1, min(limit, MAX_LIMIT)),
            count=True,
            order_by_field="date" if sort == "date" else None,
            offset=offset,
            order=tantivy.Order.Desc,
        )
        total = _result_count(result)
        hits = self._hits(searcher, node, result, sort) if limit else []
        return SearchPage(hits=hits, total=total)

    def _hits(
        self,
        searcher: tantivy.Searcher,
        node: QueryNode,
        result: tantivy.SearchResult,
        sort: SortOrder,
    ) -> list[SearchHit]:
        """Load the page's stored documents and make their snippets."""
        literals = [run for text in positive_texts(node) for run in _literal_words(text)]
        snippets = SnippetMaker(
            searcher, self._schema, self._builder.highlight_query(node), literals
        )
        hits = []
        for value, address in result.hits:
            doc = searcher.doc(address)
            hits.append(
                SearchHit(
                    entry_id=_as_int(doc.get_first("entry_id")),
                    score=float(value) if sort == "relevance" else 0.0,
                    date=_as_utc(doc.get_first("date")),
                    snippet=snippets.snippet(doc),
                )
            )
        return hits

    def _restrict(self, query: tantivy.Query, archives: frozenset[str]) -> tantivy.Query:
        allowed = [
            (tantivy.Occur.Should, tantivy.Query.term_query(self._schema, "archive", name))
            for name in sorted(archives)
        ]
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, query),
                (tantivy.Occur.Must, tantivy.Query.boolean_query(allowed)),
            ]
        )

    def count(self) -> int:
        """Number of documents visible to searches."""
        return int(self._live_index().searcher().num_docs)

    def size_bytes(self) -> int:
        """Bytes on disk used by the index."""
        total = 0
        for item in self._path.rglob("*"):
            try:
                if item.is_file():
                    total += item.stat().st_size
            except FileNotFoundError:  # removed by tantivy's garbage collection meanwhile
                continue
        return total

    def close(self) -> None:
        """Release the writer lock (discarding uncommitted changes) and file handles."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.rollback()
            writer.wait_merging_threads()
        self._index = None


def _literal_words(text: Text) -> list[str]:
    """Strings the snippet maker highlights literally: the CJK runs of a query word."""
    return cjk_runs(text.value) if text.field != "folder" else []
