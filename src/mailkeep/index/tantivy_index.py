"""``SearchIndex`` on a tantivy index in one directory.

One ``TantivyIndex`` per open index. A writable instance holds tantivy's writer lock for its
lifetime (one writer per index, across processes: a second one gets ``IndexBusyError``); a
read-only instance never takes it and sees commits made by the writer (immediately in the same
instance, after tantivy's short reload delay in others).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import tantivy

from mailkeep.errors import ConflictError, InvalidInputError, MailkeepError
from mailkeep.index.model import (
    SORT_FIELDS,
    SORT_ORDERS,
    IndexDocument,
    SearchHit,
    SearchPage,
    SortOrder,
)
from mailkeep.index.query import QueryNode, Text, parse_query
from mailkeep.index.querybuild import QueryBuilder, positive_texts
from mailkeep.index.schema import (
    READABLE_VERSIONS,
    SCHEMA_VERSION,
    SORT_FIELD_NAMES,
    SORTABLE_FIELDS,
    build_schema,
    cjk_runs,
    register_analyzers,
    to_tantivy,
)
from mailkeep.index.snippet_codec import SnippetCodec
from mailkeep.index.snippets import SnippetMaker
from mailkeep.index.writer_lock import IndexBusyError as IndexBusyError  # re-exported
from mailkeep.index.writer_lock import open_writer

log = logging.getLogger(__name__)

GC_WRITER_HEAP_BYTES = 15_000_000  # tantivy's minimum; the garbage-collecting writer adds nothing
VERSION_FILE = "mailkeep-index-version"
# Present from the replacement of an outdated index until the commit after the next ``clear``.
REBUILD_FILE = "mailkeep-index-needs-rebuild"
MAX_LIMIT = 10_000


class IndexVersionError(MailkeepError):
    """The index on disk was built with another schema version; it must be rebuilt."""

    code = "index_version"


def _found_version(path: Path) -> str | None:
    """The schema version of the index in ``path`` (``None``: there is no index)."""
    if not tantivy.Index.exists(str(path)):
        return None
    marker = path / VERSION_FILE
    found = marker.read_text().strip() if marker.exists() else "unknown"
    if _readable(found) and not tantivy.Index.is_compatible(str(path)):
        return "incompatible"
    return found


def _readable(found: str) -> bool:
    """Whether an index of version ``found`` can be searched by this release."""
    return found in {str(v) for v in READABLE_VERSIONS}


def _outdated(path: Path, found: str) -> IndexVersionError:
    return IndexVersionError(
        f"The search index at {path} has schema version {found}, this mailkeep needs "
        f"{SCHEMA_VERSION}: rebuild the index with `mailkeep store rebuild-index`.",
        path=str(path),
    )


def _create(path: Path, schema: tantivy.Schema) -> tantivy.Index:
    index = tantivy.Index(schema, path=str(path), reuse=False)
    (path / VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n")
    return index


def _discard_outdated(path: Path, found: str) -> None:
    """Delete the outdated index in ``path``, holding its writer lock meanwhile (the rebuild
    marker is written first, so a crash half-way still leaves ``needs_rebuild`` set)."""
    (path / REBUILD_FILE).touch()
    try:
        old = tantivy.Index.open(str(path))
    except (OSError, ValueError):  # too old for this tantivy: nobody can be writing it
        old = None
    writer = open_writer(old, path) if old is not None else None
    for item in path.iterdir():
        if item.is_file() and not item.name.endswith(".lock") and item.name != REBUILD_FILE:
            item.unlink(missing_ok=True)
    del writer, old  # releases the lock (the new index takes it again)
    log.warning(
        "The search index at %s had schema version %s; it was replaced by an empty index of "
        "version %s. Run `mailkeep store rebuild-index` to index the archived mail again.",
        path,
        found,
        SCHEMA_VERSION,
    )


def _meta_stamp(path: Path) -> tuple[int, int, int] | None:
    """What identifies the commit in ``path``: tantivy replaces ``meta.json`` on each commit."""
    try:
        info = (path / "meta.json").stat()
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


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
        self,
        path: Path,
        index: tantivy.Index,
        writer: tantivy.IndexWriter | None,
        needs_rebuild: bool = False,
        codec: SnippetCodec | None = None,
        version: int = SCHEMA_VERSION,
    ) -> None:
        """Use ``TantivyIndex.open``."""
        self._path = path
        self._sortable = SORTABLE_FIELDS.get(version, frozenset({"date"}))
        self._codec = codec or SnippetCodec(path)
        self._needs_rebuild = needs_rebuild
        self._cleared = False  # a clear() is buffered
        self._uncommitted = False  # changes buffered since the last commit
        self._index: tantivy.Index | None = index
        self._schema = index.schema
        self._writer = writer
        self._builder = QueryBuilder(self._schema)
        self._seen_meta: tuple[int, int, int] | None = _meta_stamp(path)

    @classmethod
    def open(cls, path: Path, writable: bool, wait: float = 0.0) -> TantivyIndex:
        """Open the index in ``path``, creating an empty one if there is none.

        ``writable`` takes the writer lock, waiting up to ``wait`` seconds while someone else
        holds it (then ``IndexBusyError``).

        An index built with another schema version (``SCHEMA_VERSION``) is not written to:
        opened writable it is replaced by an empty index and ``needs_rebuild`` is True, so the
        caller can index its documents again. Opened read-only, an index of an older version
        this release can still read (``READABLE_VERSIONS``) is searched as it is; any other
        raises ``IndexVersionError`` (telling to run ``mailkeep store rebuild-index``).
        """
        path.mkdir(parents=True, exist_ok=True)
        found = _found_version(path)
        replaced = found is not None and found != str(SCHEMA_VERSION)
        if replaced and not writable:
            if found is not None and _readable(found):
                return cls._open_older(path, int(found))
            raise _outdated(path, str(found))
        if replaced:
            _discard_outdated(path, str(found))
        if found is None or replaced:
            index = _create(path, build_schema())
        else:
            index = tantivy.Index.open(str(path))
        register_analyzers(index)
        writer = open_writer(index, path, wait) if writable else None
        return cls(path, index, writer, needs_rebuild=(path / REBUILD_FILE).exists())

    @classmethod
    def _open_older(cls, path: Path, version: int) -> TantivyIndex:
        """A read-only index of an older, still readable schema version."""
        index = tantivy.Index.open(str(path))
        register_analyzers(index)
        legacy = SnippetCodec(path, legacy=version < 3)
        rebuild = (path / REBUILD_FILE).exists()
        return cls(path, index, None, needs_rebuild=rebuild, codec=legacy, version=version)

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

    @property
    def needs_rebuild(self) -> bool:
        """True when ``open`` replaced an index of another schema version by an empty one: the
        documents it held must be added again (``mailkeep store rebuild-index``). Stays True,
        across reopening, until a ``clear`` (the start of a rebuild) is committed."""
        return self._needs_rebuild

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

    def add(self, documents: Sequence[IndexDocument], *, new: bool = False) -> None:
        """Buffer documents; an existing document with the same entry_id is replaced
        (``new``: the ids were just assigned, nothing can be replaced)."""
        writer = self._live_writer()
        latest = {doc.entry_id: doc for doc in documents}  # the last one of a batch wins
        if not latest:
            return
        self._uncommitted = True
        if not new:
            self._delete_ids(writer, list(latest))
        for doc in latest.values():
            writer.add_document(to_tantivy(doc, self._schema, self._codec.pack))

    def delete(self, entry_ids: Sequence[int]) -> None:
        """Buffer removal of the documents of these entries."""
        writer = self._live_writer()
        if entry_ids:
            self._uncommitted = True
            self._delete_ids(writer, list(set(entry_ids)))

    def _delete_ids(self, writer: tantivy.IndexWriter, ids: list[int]) -> None:
        query = tantivy.Query.term_set_query(self._schema, "entry_id", ids)
        writer.delete_documents_by_query(query)

    def clear(self) -> None:
        """Remove every document (documents added after this call survive); takes effect at
        commit."""
        self._live_writer().delete_documents_by_query(tantivy.Query.all_query())
        self._cleared = self._uncommitted = True

    def commit(self) -> None:
        """Make buffered changes durable and visible to searches."""
        writer = self._live_writer()
        writer.commit()
        self._uncommitted = False
        self._live_index().reload()
        if self._cleared:
            (self._path / REBUILD_FILE).unlink(missing_ok=True)
            self._needs_rebuild = self._cleared = False

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

        ``date`` is newest first, ``oldest`` oldest first; relevance order is BM25 (subject
        matches weigh double); the other orders of ``SORT_FIELDS`` sort by a fast field. Hits
        not sorted by relevance have ``score`` 0.0. ``limit`` is capped at ``MAX_LIMIT``;
        ``limit=0`` only counts.
        """
        node = parse_query(query)
        order_by, order = self._ordering(sort)
        if limit < 0 or offset < 0:
            raise InvalidInputError("Search limit and offset must not be negative.")
        if archives is not None and not archives:
            return SearchPage(hits=[], total=0)
        tquery = self._builder.build(node)
        if archives is not None:
            tquery = self._restrict(tquery, archives)
        searcher = self._searcher()
        # tantivy allocates room for offset + limit hits up front: an offset past the last
        # document (a hostile page number) would abort the process, and can match nothing.
        past_end = offset >= int(searcher.num_docs)
        result = searcher.search(
            tquery,
            limit=max(1, min(limit, MAX_LIMIT)),
            count=True,
            order_by_field=order_by,
            offset=0 if past_end else offset,
            order=order,
        )
        total = _result_count(result)
        hits = self._hits(searcher, node, result, sort) if limit and not past_end else []
        return SearchPage(hits=hits, total=total)

    def _ordering(self, sort: SortOrder) -> tuple[str | None, tantivy.Order]:
        """The fast field (None: the score) and direction tantivy orders the hits by."""
        if sort not in SORT_ORDERS:
            raise InvalidInputError(f"Unknown sort order {sort!r}: use {', '.join(SORT_ORDERS)}.")
        field, descending = SORT_FIELDS[sort]
        direction = tantivy.Order.Desc if descending else tantivy.Order.Asc
        if field == "score":
            return None, direction
        if field not in self._sortable:
            raise InvalidInputError(
                f"Sorting by {field} needs the search index rebuilt for this release "
                "(an administrator runs `mailkeep store rebuild-index`).",
                path=str(self._path),
            )
        return SORT_FIELD_NAMES[field], direction

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
            searcher,
            self._schema,
            self._builder.highlight_query(node),
            literals,
            self._codec.unpack,
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
                    sort_key=value,
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
        return int(self._searcher().num_docs)

    def _searcher(self) -> tantivy.Searcher:
        """A searcher on the latest commit. A read-only instance reloads as soon as another
        process's commit replaced ``meta.json`` (tantivy's own watcher polls every half
        second): an import from the command line is found by the server's very next search."""
        index = self._live_index()
        if self._writer is None:
            stamp = _meta_stamp(self._path)
            if stamp != self._seen_meta:
                index.reload()
                self._seen_meta = stamp
        return index.searcher()

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
            if self._uncommitted:
                # Rolling back abandons merges still running (their results are dropped and
                # their files may be written after any cleanup), so only when there is
                # something to discard.
                writer.rollback()
            # Let running merges finish and take effect (tantivy deletes the merged-away
            # files when a merge ends), so the size on disk settles. Consumes the writer.
            writer.wait_merging_threads()
            self._collect_garbage()
        self._index = None

    def _collect_garbage(self) -> None:
        """Delete files of segments that were merged away. A merge ending while the writer
        closes could leave them behind (seen once in a benchmark: the index at twice its
        size), and nothing but a later writer would ever delete them."""
        index = self._live_index()
        try:
            collector = index.writer(heap_size=GC_WRITER_HEAP_BYTES, num_threads=1)
        except ValueError:  # another writer took the lock meanwhile: it collects instead
            return
        collector.garbage_collect_files()
        collector.wait_merging_threads()  # nothing to wait for; releases the lock now


def _literal_words(text: Text) -> list[str]:
    """Strings the snippet maker highlights literally: the CJK runs of a query word."""
    return cjk_runs(text.value) if text.field != "folder" else []
