"""The catalog on a SQL database through SQLAlchemy Core (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Engine, Row, Table, delete, func, select, update

from mailkeep.store.catalog.base import Batch, BlobRow, EntryRow, StoreCounts
from mailkeep.store.catalog.statistics import CatalogStatistics
from mailkeep.store.catalog.tables import build_tables
from mailkeep.store.content.containers import Location

_CHUNK = 500
_DAY_MICROS = 86_400_000_000


def to_micros(value: datetime | None) -> int | None:
    """A datetime as integer microseconds since the epoch (naive values are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1_000_000)


def from_micros(value: int | None) -> datetime | None:
    """Inverse of :func:`to_micros`; always timezone-aware UTC."""
    if value is None:
        return None
    return datetime.fromtimestamp(value / 1_000_000, tz=UTC)


def _upsert_insert(dialect: str) -> Callable[[Table], Any]:
    """The dialect's INSERT that has ``on_conflict_do_update`` (importing only that dialect:
    the PostgreSQL one is large)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class SqlCatalog(CatalogStatistics):
    """A :class:`~mailkeep.store.catalog.base.Catalog` on any SQLAlchemy engine we support."""

    def __init__(self, engine: Engine, schema: str | None = None) -> None:
        self.engine = engine
        self.schema = schema
        tables = build_tables(schema)
        self._metadata = tables
        prefix = f"{schema}." if schema else ""
        self._blobs = tables.tables[f"{prefix}blobs"]
        self._entries = tables.tables[f"{prefix}entries"]
        self._containers = tables.tables[f"{prefix}containers"]
        self._queue = tables.tables[f"{prefix}index_queue"]
        self._meta = tables.tables[f"{prefix}meta"]
        self._insert = _upsert_insert(engine.dialect.name)
        self._insert_statements: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def initialize(self) -> None:
        self._metadata.create_all(self.engine)

    # -- writing -------------------------------------------------------------------------

    def commit_batch(self, batch: Batch) -> None:
        with self.engine.begin() as conn:
            if batch.blobs:
                self._insert_many(conn, self._blobs, [_blob_params(b) for b in batch.blobs])
            if batch.entries:
                rows = [_entry_params(e) for e in batch.entries]
                self._insert_many(conn, self._entries, rows)
            for move in batch.moves:
                conn.execute(
                    update(self._entries)
                    .where(self._entries.c.id == move.entry_id)
                    .values(folder=move.folder)
                )
            for ids in _chunks(batch.removals):
                conn.execute(delete(self._entries).where(self._entries.c.id.in_(ids)))
            self._upsert_containers(conn, batch.containers)
            meta = dict(batch.meta)
            if batch.entries:
                meta["max_entry_id"] = str(max(e.id for e in batch.entries))
            for key, value in meta.items():
                self._upsert_meta(conn, key, value)
            queued = [{"entry_id": e.id, "present": True} for e in batch.entries]
            queued += [{"entry_id": m.entry_id, "present": True} for m in batch.moves]
            queued += [{"entry_id": i, "present": False} for i in batch.removals]
            self._upsert_queue(conn, queued)

    def _insert_many(self, conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
        """INSERT many rows through the driver directly (the values are plain ints, strings,
        bytes and bools that both drivers take as they are): SQLAlchemy's per-value
        processing was a fifth of the writer thread's time on large imports."""
        sql, order = self._insert_sql(table)
        if order is None:
            conn.exec_driver_sql(sql, rows)
        else:
            conn.exec_driver_sql(sql, [tuple(row[name] for name in order) for row in rows])

    def _insert_sql(self, table: Table) -> tuple[str, tuple[str, ...] | None]:
        """The INSERT statement of ``table`` in the driver's parameter style, and the column
        order of positional parameters (None: named parameters); compiled once."""
        cached = self._insert_statements.get(table.name)
        if cached is None:
            compiled = table.insert().compile(dialect=self.engine.dialect)
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            cached = self._insert_statements[table.name] = (str(compiled), order)
        return cached

    def _upsert_containers(self, conn: Any, containers: dict[int, int]) -> None:
        for number, size in containers.items():
            stmt = self._insert(self._containers).values(number=number, committed_size=size)
            conn.execute(
                stmt.on_conflict_do_update(index_elements=["number"], set_={"committed_size": size})
            )

    def _upsert_queue(self, conn: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        latest = {row["entry_id"]: row for row in rows}
        stmt = self._insert(self._queue)
        stmt = stmt.on_conflict_do_update(
            index_elements=["entry_id"], set_={"present": stmt.excluded.present}
        )
        conn.execute(stmt, list(latest.values()))

    def relocate_blobs(
        self, rows: Sequence[BlobRow], containers: dict[int, int], meta: dict[str, str]
    ) -> None:
        with self.engine.begin() as conn:
            for key, value in meta.items():
                self._upsert_meta(conn, key, value)
            for row in rows:
                conn.execute(
                    update(self._blobs)
                    .where(self._blobs.c.sha256 == row.sha256)
                    .values(
                        container=row.location.container,
                        offset=row.location.offset,
                        length=row.location.length,
                    )
                )
            conn.execute(delete(self._containers))
            self._upsert_containers(conn, containers)

    def drop_blobs(self, hashes: Sequence[bytes]) -> None:
        with self.engine.begin() as conn:
            for chunk in _chunks(hashes):
                conn.execute(delete(self._blobs).where(self._blobs.c.sha256.in_(chunk)))

    def clear_index_queue(self, entry_ids: Sequence[int]) -> None:
        with self.engine.begin() as conn:
            for chunk in _chunks(entry_ids):
                conn.execute(delete(self._queue).where(self._queue.c.entry_id.in_(chunk)))

    def queue_all_for_index(self, archive: str | None = None) -> list[int]:
        query = select(self._entries.c.id)
        if archive is not None:
            query = query.where(self._entries.c.archive == archive)
        with self.engine.begin() as conn:
            ids = [r[0] for r in conn.execute(query)]
            if archive is None:
                conn.execute(delete(self._queue))
            self._upsert_queue(conn, [{"entry_id": i, "present": True} for i in ids])
            return ids

    def reset(self) -> None:
        with self.engine.begin() as conn:
            for table in (self._queue, self._entries, self._blobs, self._containers):
                conn.execute(delete(table))

    def set_meta(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            self._upsert_meta(conn, key, value)

    def _upsert_meta(self, conn: Any, key: str, value: str) -> None:
        stmt = self._insert(self._meta).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    # -- reading -------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(self._meta.c.value).where(self._meta.c.key == key))
            return value.scalar_one_or_none()

    def next_entry_id(self) -> int:
        with self.engine.connect() as conn:
            highest = conn.execute(select(func.max(self._entries.c.id))).scalar_one_or_none()
            stored = conn.execute(
                select(self._meta.c.value).where(self._meta.c.key == "max_entry_id")
            ).scalar_one_or_none()
        return max(highest or 0, int(stored or 0)) + 1

    def existing_entries(self, archive: str, hashes: Iterable[bytes]) -> dict[bytes, int]:
        # Asked for every ingest batch, twice: straight to the driver (see ``_lookup``).
        e = self._entries
        found: dict[bytes, int] = {}
        for sha, entry_id in self._lookup(e, (e.c.sha256, e.c.id), e.c.archive, archive, hashes):
            found[bytes(sha)] = entry_id
        return found

    def blob_locations(self, hashes: Iterable[bytes]) -> dict[bytes, BlobRow]:
        b = self._blobs
        columns = (b.c.sha256, b.c.container, b.c.offset, b.c.length, b.c.raw_size)
        found: dict[bytes, BlobRow] = {}
        for sha, container, offset, length, raw_size in self._lookup(b, columns, None, "", hashes):
            found[bytes(sha)] = BlobRow(bytes(sha), Location(container, offset, length), raw_size)
        return found

    def _lookup(
        self,
        table: Table,
        columns: tuple[Any, ...],
        scope: Any,
        scope_value: str,
        hashes: Iterable[bytes],
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of ``table`` whose sha256 is one of ``hashes`` (and ``scope`` column equals
        ``scope_value`` when given), as plain tuples. The SQL is written here in the driver's
        parameter style: SQLAlchemy's per-value bind processing and statement caching cost
        more than the queries themselves on an import's hot path."""
        quote = self.engine.dialect.identifier_preparer.quote
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        names = ", ".join(quote(c.name) for c in columns)
        table_name = self.engine.dialect.identifier_preparer.format_table(table)
        where = f"{quote(scope.name)} = {mark} AND " if scope is not None else ""
        prefix = (scope_value,) if scope is not None else ()
        with self.engine.connect() as conn:
            for chunk in _chunks(list(set(hashes))):
                marks = ", ".join([mark] * len(chunk))
                sql = f"SELECT {names} FROM {table_name} WHERE {where}sha256 IN ({marks})"
                yield from conn.exec_driver_sql(sql, (*prefix, *chunk))

    def entry(self, entry_id: int) -> EntryRow | None:
        rows = self.entries([entry_id])
        return rows[0] if rows else None

    def entries(self, entry_ids: Sequence[int]) -> list[EntryRow]:
        found: dict[int, EntryRow] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(entry_ids)):
                query = select(self._entries).where(self._entries.c.id.in_(chunk))
                found.update({r.id: _entry_from_row(r) for r in conn.execute(query)})
        return [found[i] for i in entry_ids if i in found]

    def iter_entries(self, batch_size: int = 2000) -> Iterator[EntryRow]:
        last = 0
        while True:
            with self.engine.connect() as conn:
                query = (
                    select(self._entries)
                    .where(self._entries.c.id > last)
                    .order_by(self._entries.c.id)
                    .limit(batch_size)
                )
                rows = [_entry_from_row(r) for r in conn.execute(query)]
            if not rows:
                return
            yield from rows
            last = rows[-1].id

    def iter_blobs(self) -> Iterator[BlobRow]:
        with self.engine.connect() as conn:
            result = [_blob_from_row(r) for r in conn.execute(select(self._blobs))]
        result.sort(key=lambda b: (b.location.container, b.location.offset))
        yield from result

    def archives(self) -> dict[str, int]:
        e = self._entries.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(e.archive, func.count()).group_by(e.archive))
            return {r[0]: r[1] for r in rows}

    def archive_sizes(self) -> dict[str, tuple[int, int]]:
        e = self._entries.c
        query = select(e.archive, func.count(), func.coalesce(func.sum(e.size), 0))
        with self.engine.connect() as conn:
            return {r[0]: (r[1], int(r[2])) for r in conn.execute(query.group_by(e.archive))}

    def folders(self, archive: str) -> dict[str, int]:
        e = self._entries.c
        with self.engine.connect() as conn:
            query = select(e.folder, func.count()).where(e.archive == archive).group_by(e.folder)
            return {r[0]: r[1] for r in conn.execute(query)}

    def counts(self) -> StoreCounts:
        with self.engine.connect() as conn:
            messages = conn.execute(select(func.count()).select_from(self._entries)).scalar_one()
            blob_count, raw, stored = conn.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(self._blobs.c.raw_size), 0),
                    func.coalesce(func.sum(self._blobs.c.length), 0),
                )
            ).one()
        return StoreCounts(int(messages), int(blob_count), int(raw), int(stored))

    def committed_containers(self) -> dict[int, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(self._containers))
            return {r.number: r.committed_size for r in rows}

    def referenced_hashes(self) -> set[bytes]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(self._entries.c.sha256).distinct())
            return {bytes(r[0]) for r in rows}

    def index_queue(self, limit: int = 5000, after: int = 0) -> list[tuple[int, bool]]:
        with self.engine.connect() as conn:
            q = self._queue.c
            query = select(self._queue).where(q.entry_id > after).order_by(q.entry_id).limit(limit)
            return [(r.entry_id, bool(r.present)) for r in conn.execute(query)]

    def archived_per_day(self) -> dict[int, tuple[int, int]]:
        day = (self._entries.c.archived_at / _DAY_MICROS).cast(BigInteger)
        query = select(day, func.count(), func.sum(self._entries.c.size)).group_by(day)
        with self.engine.connect() as conn:
            return {int(d): (int(n), int(b or 0)) for d, n, b in conn.execute(query)}

    def archived_between(self, start: datetime, end: datetime) -> tuple[int, int]:
        e = self._entries.c
        query = select(func.count(), func.sum(e.size)).where(
            e.archived_at >= to_micros(start), e.archived_at < to_micros(end)
        )
        with self.engine.connect() as conn:
            count, size = conn.execute(query).one()
        return int(count), int(size or 0)

    def size_bytes(self) -> int:
        return 0

    def close(self) -> None:
        self.engine.dispose()


def _blob_params(blob: BlobRow) -> dict[str, Any]:
    loc = blob.location
    return {
        "sha256": blob.sha256,
        "container": loc.container,
        "offset": loc.offset,
        "length": loc.length,
        "raw_size": blob.raw_size,
    }


def _entry_params(entry: EntryRow) -> dict[str, Any]:
    return {
        "id": entry.id,
        "sha256": entry.sha256,
        "archive": entry.archive,
        "folder": entry.folder,
        "source_id": entry.source_id,
        "received": to_micros(entry.received),
        "archived_at": to_micros(entry.archived_at),
        "date": to_micros(entry.date),
        "size": entry.size,
        "subject": entry.subject,
        "sender": entry.sender,
        "recipients": entry.recipients,
        "message_id": entry.message_id,
        "has_attachment": entry.has_attachment,
        "flags": "\n".join(entry.flags),
        "defects": "\n".join(entry.defects),
    }


def _blob_from_row(row: Row[Any]) -> BlobRow:
    return BlobRow(bytes(row.sha256), Location(row.container, row.offset, row.length), row.raw_size)


def _entry_from_row(row: Row[Any]) -> EntryRow:
    archived = from_micros(row.archived_at)
    assert archived is not None
    return EntryRow(
        id=row.id,
        sha256=bytes(row.sha256),
        archive=row.archive,
        folder=row.folder,
        source_id=row.source_id,
        received=from_micros(row.received),
        archived_at=archived,
        date=from_micros(row.date),
        size=row.size,
        subject=row.subject,
        sender=row.sender,
        recipients=row.recipients,
        message_id=row.message_id,
        has_attachment=bool(row.has_attachment),
        flags=tuple(f for f in row.flags.split("\n") if f),
        defects=tuple(d for d in row.defects.split("\n") if d),
    )
