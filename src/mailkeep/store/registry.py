"""The archive store registry: which stores are attached, their states, and rollover.

The registry rows live in the master database; each store's identity lives in its own
``store.json``. Exactly one store is ``current`` and receives new mail.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mailkeep.crypto.keys import generate_key, open_secret, seal_secret, unwrap_key, wrap_key
from mailkeep.errors import ConflictError, InvalidInputError, NotFoundError
from mailkeep.index.writer_lock import IndexBusyError
from mailkeep.master.models import StoreRecord
from mailkeep.store.archive_store import ArchiveStore
from mailkeep.store.catalog.base import Catalog
from mailkeep.store.catalog.postgres import PostgresCatalog, normalise_url
from mailkeep.store.catalog.sqlite import SqliteCatalog
from mailkeep.store.descriptor import Descriptor, read_descriptor, write_descriptor
from mailkeep.store.locations import StoreLocations, check_identity
from mailkeep.store.model import STORE_STATES, STORE_TYPES, Deriver, StorePaths, StoreType
from mailkeep.store.writer_lock import StoreBusyError


@dataclass(frozen=True)
class StoreSpec:
    """What ``create`` and ``attach`` are given (the guide's CreateStore arguments)."""

    name: str
    type: str = "FileSystemStandard"
    requested_state: str = "current"
    path: str | None = None  # standard store directory
    database_path: str | None = None  # advanced: catalog directory
    content_path: str | None = None  # advanced / PostgreSQL: content directory
    index_path: str | None = None
    database_url: str | None = None  # PostgreSQL stores


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "store"
    return slug[:80]


def _empty_dir(path: Path, label: str) -> None:
    if path.exists() and any(path.iterdir()):
        raise ConflictError(f"The {label} directory {path} exists and is not empty.")


class StoreRegistry:
    """Creates, attaches, opens and changes archive stores."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        master_key: bytes,
        data_dir: Path,
        base_dir: Path,
        deriver_factory: Callable[[], Deriver | None],
        container_bytes: int,
        writer_wait: float = 0.0,
    ) -> None:
        """Stores inside ``data_dir`` are registered by paths relative to it (a copied or
        restored data directory then uses its own stores); ``base_dir`` is where new standard
        stores go; ``writer_wait``: how long opening a store for writing waits for another
        process holding its writer lock (``store.writer_wait_seconds``)."""
        self._locations = StoreLocations(data_dir)
        self._sessions = sessions
        self._master_key = master_key
        self._base_dir = base_dir
        self._deriver_factory = deriver_factory
        self._container_bytes = container_bytes
        self._writer_wait = writer_wait
        self._open: dict[int, ArchiveStore] = {}
        self._opening = threading.Lock()  # an import's reader and writer threads both open stores
        self._writing = 0  # imports (and other write sessions) running in this process
        self._writing_lock = threading.Lock()

    # -- queries ---------------------------------------------------------------------------

    def records(self) -> list[StoreRecord]:
        """Every attached store, by id."""
        with self._sessions() as session:
            rows = list(session.scalars(select(StoreRecord).order_by(StoreRecord.id)))
        return [self._locations.absolute(row) for row in rows]

    def record(self, store_id: int) -> StoreRecord:
        """One store's registry row; NotFoundError for unknown ids."""
        with self._sessions() as session:
            row = session.get(StoreRecord, store_id)
        if row is None:
            raise NotFoundError(f"No archive store with id {store_id}.")
        return self._locations.absolute(row)

    def current_id(self) -> int | None:
        """Id of the current store, if any."""
        for row in self.records():
            if row.requested_state == "current":
                return row.id
        return None

    # -- opening ---------------------------------------------------------------------------

    def open(self, store_id: int) -> ArchiveStore:
        """The open store (cached for this registry's lifetime); disabled stores refuse."""
        with self._opening:
            if store_id in self._open:
                return self._open[store_id]
            row = self.record(store_id)
            if row.requested_state == "disabled":
                raise ConflictError(f"Archive store {store_id} ({row.name}) is disabled.")
            store = self._open_row(row)
            self._open[store_id] = store
            return store

    def _open_row(self, row: StoreRecord) -> ArchiveStore:
        descriptor = read_descriptor(Path(row.descriptor_path))
        check_identity(row, descriptor.uuid, "store.json")
        paths = StorePaths(row.descriptor_path, row.content_path, row.index_path, row.metadata_path)
        key = unwrap_key(self._master_key, descriptor.wrapped_key)
        catalog = self._catalog(descriptor, paths, row.database_url)
        catalog.initialize()  # idempotent; recreates an empty catalog for `store recover`
        found = catalog.get_meta("store_uuid")
        if found is not None and found != descriptor.uuid:
            catalog.close()
            check_identity(row, found, "catalog")
        return ArchiveStore(
            row.id,
            descriptor,
            paths,
            catalog,
            key,
            self._deriver_factory(),
            self._container_bytes,
            row.requested_state,
            self._writer_wait,
        )

    def _catalog(
        self, descriptor: Descriptor, paths: StorePaths, sealed_url: str | None
    ) -> Catalog:
        if descriptor.type == "PostgreSQL":
            if not sealed_url or not descriptor.pg_schema:
                raise InvalidInputError("A PostgreSQL store needs a database URL.")
            return PostgresCatalog(open_secret(self._master_key, sealed_url), descriptor.pg_schema)
        assert paths.metadata is not None
        return SqliteCatalog(Path(paths.metadata))

    def open_stores(self) -> Iterator[ArchiveStore]:
        """Every store that is not disabled."""
        for row in self.records():
            if row.requested_state != "disabled":
                yield self.open(row.id)

    def flush_indexes(self) -> None:
        """Commit pending index work of every store opened so far."""
        for store in list(self._open.values()):
            store.flush_index()

    def release_writers(self) -> None:
        """Let other processes write again: every open store gives up its writer (reading
        goes on). Called when this process has no import running."""
        for store in list(self._open.values()):
            store.release_writer()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """A write session (an import): while any is running, ``release_idle`` keeps the
        writers; when the last one ends, every store gives its writer back at once, so that
        another process (``mailkeep import`` beside ``mailkeep serve``) can write."""
        with self._writing_lock:
            self._writing += 1
        try:
            yield
        finally:
            with self._writing_lock:
                self._writing -= 1
                if self._writing == 0:
                    self.release_writers()

    def catch_up_indexes(self) -> list[int]:
        """Apply index work a crash left queued (searches miss those messages until it is):
        each such store takes its writer, catches up and gives the writer back. A store that
        another process is writing is skipped: that writer catches up. Returns the store ids."""
        caught = []
        for row in self.records():
            if row.requested_state == "disabled":
                continue
            store = self.open(row.id)
            if not store.catalog.index_queue(1):
                continue
            with self.writing():
                try:
                    store.open_writer()  # applies the queue
                except (StoreBusyError, IndexBusyError):
                    continue
            caught.append(row.id)
        return caught

    def release_idle(self, idle_seconds: float) -> list[int]:
        """Give back the writers of stores not written for ``idle_seconds`` while no write
        session runs (the server calls this periodically: web moves and deletions, index
        rebuilds and compactions take a writer outside any import). Returns the store ids."""
        released = []
        with self._writing_lock:
            if self._writing:
                return []
            now = time.monotonic()
            for store in list(self._open.values()):
                if store.holds_writer and now - store.last_write >= idle_seconds:
                    store.release_writer()  # waits for a write in progress (the store's lock)
                    released.append(store.id)
        return released

    def close(self) -> None:
        """Close every open store."""
        with self._opening:
            stores, self._open = list(self._open.values()), {}
        for store in stores:
            store.close()

    # -- changes ---------------------------------------------------------------------------

    def create(self, spec: StoreSpec) -> StoreRecord:
        """Create a new store on disk (and in PostgreSQL) and attach it."""
        self._check_spec(spec)
        descriptor = Descriptor.new(
            spec.name, cast(StoreType, spec.type), wrap_key(self._master_key, generate_key())
        )
        paths = self._layout(spec)
        for label, path in (("content", paths.content), ("index", paths.index)):
            _empty_dir(Path(path), label)
        if paths.metadata:
            _empty_dir(Path(paths.metadata), "metadata")
        sealed = (
            seal_secret(self._master_key, normalise_url(spec.database_url))
            if spec.database_url
            else None
        )
        for part in (paths.descriptor, paths.content, paths.index, paths.metadata):
            if part:  # archived mail is for the mailkeep service account only
                Path(part).mkdir(mode=0o700, parents=True, exist_ok=True)
        write_descriptor(Path(paths.descriptor), descriptor)
        catalog = self._catalog(descriptor, paths, sealed)
        try:
            catalog.initialize()
            catalog.set_meta("store_uuid", descriptor.uuid)
        finally:
            catalog.close()
        return self._register(descriptor, paths, spec.requested_state, sealed)

    def _check_spec(self, spec: StoreSpec) -> None:
        if not spec.name.strip():
            raise InvalidInputError("An archive store needs a name.")
        if spec.type not in STORE_TYPES:
            raise InvalidInputError(
                f"Unknown store type {spec.type!r}: use {', '.join(STORE_TYPES)}."
            )
        if spec.requested_state not in STORE_STATES:
            raise InvalidInputError(
                f"Unknown requested state {spec.requested_state!r}: use {', '.join(STORE_STATES)}."
            )
        if spec.type == "PostgreSQL" and not spec.database_url:
            raise InvalidInputError("A PostgreSQL archive store needs --database-url.")

    def _layout(self, spec: StoreSpec) -> StorePaths:
        if spec.type == "FileSystemStandard":
            root = Path(spec.path) if spec.path else self._fresh_dir(spec.name)
            root = root.resolve()
            return StorePaths(
                str(root), str(root / "content"), str(root / "index"), str(root / "metadata")
            )
        if not spec.content_path:
            raise InvalidInputError(f"A {spec.type} store needs --content-path.")
        content = Path(spec.content_path).resolve()
        index = (
            Path(spec.index_path).resolve()
            if spec.index_path
            else content.parent / f"{content.name}-index"
        )
        if spec.type == "PostgreSQL":
            return StorePaths(str(content), str(content), str(index), None)
        if not spec.database_path:
            raise InvalidInputError("A FileSystemAdvanced store needs --database-path.")
        return StorePaths(
            str(content), str(content), str(index), str(Path(spec.database_path).resolve())
        )

    def _fresh_dir(self, name: str) -> Path:
        base = self._base_dir / _slug(name)
        candidate, n = base, 1
        while candidate.exists():
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")
        return candidate

    def _register(
        self, descriptor: Descriptor, paths: StorePaths, state: str, sealed_url: str | None
    ) -> StoreRecord:
        with self._sessions.begin() as session:
            if state == "current":
                self._demote_current(session)
            row = StoreRecord(
                uuid=descriptor.uuid,
                name=descriptor.name,
                type=descriptor.type,
                requested_state=state,
                descriptor_path=self._locations.stored(paths.descriptor),
                content_path=self._locations.stored(paths.content),
                index_path=self._locations.stored(paths.index),
                metadata_path=self._locations.stored(paths.metadata),
                database_url=sealed_url,
                created_at=datetime.now(UTC),
            )
            session.add(row)
        return self._locations.absolute(row)

    @staticmethod
    def _demote_current(session: Session) -> None:
        for row in session.scalars(
            select(StoreRecord).where(StoreRecord.requested_state == "current")
        ):
            row.requested_state = "normal"

    def attach(self, spec: StoreSpec) -> StoreRecord:
        """Attach a store created earlier (possibly moved); its identity comes from store.json."""
        if spec.type == "FileSystemStandard" and not spec.path:
            raise InvalidInputError("Attaching a standard store needs its directory.")
        paths = self._layout(spec)
        descriptor = read_descriptor(Path(paths.descriptor))
        if descriptor.type != spec.type:
            raise InvalidInputError(
                f"The store at {paths.descriptor} is a {descriptor.type} store."
            )
        unwrap_key(self._master_key, descriptor.wrapped_key)  # fails clearly on a foreign key
        if any(r.uuid == descriptor.uuid for r in self.records()):
            raise ConflictError(f"The archive store at {paths.descriptor} is already attached.")
        sealed = (
            seal_secret(self._master_key, normalise_url(spec.database_url))
            if spec.database_url
            else None
        )
        row = self._register(descriptor, paths, spec.requested_state, sealed)
        if spec.name and spec.name != descriptor.name:
            return self.rename(row.id, spec.name)
        return row

    def detach(self, store_id: int) -> StoreRecord:
        """Forget a store; its files stay where they are and can be attached again."""
        row = self.record(store_id)
        if row.requested_state == "current" and len(self.records()) > 1:
            raise ConflictError(
                "Make another archive store current before detaching the current one."
            )
        self._close_one(store_id)
        with self._sessions.begin() as session:
            session.delete(session.get(StoreRecord, store_id))
        return row

    def relocate(self, store_id: int, spec: StoreSpec) -> StoreRecord:
        """Point a store's entry at the new locations of its parts (after they were moved).

        The store found there must be the same store (same identity in ``store.json``)."""
        row = self.record(store_id)
        if spec.type != row.type:
            raise InvalidInputError(f"Archive store {store_id} is a {row.type} store.")
        paths = self._layout(spec)
        descriptor = read_descriptor(Path(paths.descriptor))
        if descriptor.uuid != row.uuid:
            raise ConflictError(f"{paths.descriptor} holds another archive store.")
        sealed = (
            seal_secret(self._master_key, normalise_url(spec.database_url))
            if spec.database_url
            else row.database_url
        )
        self._close_one(store_id)
        with self._sessions.begin() as session:
            stored = session.get(StoreRecord, store_id)
            assert stored is not None
            stored.descriptor_path = self._locations.stored(paths.descriptor) or ""
            stored.content_path = self._locations.stored(paths.content) or ""
            stored.index_path = self._locations.stored(paths.index) or ""
            stored.metadata_path = self._locations.stored(paths.metadata)
            stored.database_url = sealed
        return self.record(store_id)

    def rename(self, store_id: int, name: str) -> StoreRecord:
        """Rename a store (registry and descriptor)."""
        if not name.strip():
            raise InvalidInputError("An archive store needs a name.")
        row = self.record(store_id)
        directory = Path(row.descriptor_path)
        descriptor = read_descriptor(directory)
        write_descriptor(directory, Descriptor(**{**descriptor.__dict__, "name": name}))
        with self._sessions.begin() as session:
            stored = session.get(StoreRecord, store_id)
            assert stored is not None
            stored.name = name
        return self.record(store_id)

    def set_state(self, store_id: int, state: str) -> StoreRecord:
        """Change a store's requested state, keeping exactly one store current."""
        if state not in STORE_STATES:
            raise InvalidInputError(
                f"Unknown requested state {state!r}: use {', '.join(STORE_STATES)}."
            )
        row = self.record(store_id)
        if row.requested_state == "current" and state != "current":
            raise ConflictError(
                "Make another archive store current first; one store must be current."
            )
        with self._sessions.begin() as session:
            if state == "current":
                self._demote_current(session)
            stored = session.get(StoreRecord, store_id)
            assert stored is not None
            stored.requested_state = state
        self._close_one(store_id)
        return self.record(store_id)

    def _close_one(self, store_id: int) -> None:
        with self._opening:
            store = self._open.pop(store_id, None)
        if store is not None:
            store.close()
