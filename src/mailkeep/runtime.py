"""A running mailkeep: the data directory, master database, master key and archive stores.

Every entry point (CLI, and later the server) opens one :class:`Runtime` and closes it when
done. ``init`` creates a data directory: the master database (SQLite by default, or the given
PostgreSQL URL), the master key, and the first archive store.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from mailkeep.audit.log import AuditLog
from mailkeep.crypto.keys import (
    generate_key,
    load_master_key,
    open_secret,
    seal_secret,
    write_master_key,
)
from mailkeep.errors import ConflictError, InvalidInputError
from mailkeep.master.db import engine_for, migrate, session_factory
from mailkeep.master.grants import ArchiveGrants
from mailkeep.master.models import SettingValue
from mailkeep.master.users import UserDirectory
from mailkeep.settings import cpu_count, setting
from mailkeep.store.registry import StoreRegistry, StoreSpec

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mailkeep.ingest.workers import WorkerPool
    from mailkeep.jobs.runner import JobRunner
    from mailkeep.store.model import Derived

CONFIG_FILE = "mailkeep.json"
KEY_FILE = "master.key"
DATA_DIR_ENV = "MAILKEEP_HOME"
DATABASE_URL_ENV = "MAILKEEP_DATABASE_URL"
ARCHIVE_NAMES_TTL_SECONDS = 60.0


def default_data_dir() -> Path:
    """``$MAILKEEP_HOME`` or ``./mailkeep-data``."""
    return Path(os.environ.get(DATA_DIR_ENV) or "mailkeep-data")


@dataclass(frozen=True)
class DataDirConfig:
    """``mailkeep.json``: how to reach the master database."""

    database_url: str

    @classmethod
    def load(cls, data_dir: Path) -> DataDirConfig:
        path = data_dir / CONFIG_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise InvalidInputError(
                f"{data_dir} is not a mailkeep data directory; run `mailkeep init` first."
            ) from exc
        url = os.environ.get(DATABASE_URL_ENV) or data["database_url"]
        return cls(url.replace("{data_dir}", str(data_dir.resolve())))


class _PoolDeriver:
    """Derives with the runtime's worker pool, started only when a store first derives: opening
    a store to read it (``store list``, search) then needs no parsers, extractors or workers."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def derive(self, raws: Sequence[bytes]) -> list[Derived]:
        return self._runtime.pool.derive(raws)


class Runtime:
    """Everything a command needs, opened lazily and closed together."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        config = DataDirConfig.load(data_dir)
        self.engine = engine_for(config.database_url)
        migrate(self.engine, self.data_dir)
        self.sessions = session_factory(self.engine)
        self.master_key = load_master_key(self.data_dir / KEY_FILE)
        self._mail_archives: tuple[float, object, frozenset[str]] | None = None
        self.users = UserDirectory(self.sessions, self._archives_with_mail)
        self.grants = ArchiveGrants(self.sessions)
        self.audit = AuditLog(self.sessions)
        self._pool: WorkerPool | None = None
        self._jobs: JobRunner | None = None
        base = self.setting("store.base_dir") or str(self.data_dir / "stores")
        self.stores = StoreRegistry(
            self.sessions,
            self.master_key,
            self.data_dir,
            Path(base),
            lambda: _PoolDeriver(self),
            self.setting("store.container_bytes"),
            self.setting("store.writer_wait_seconds"),
        )

    @classmethod
    def init(cls, data_dir: Path, database_url: str | None = None) -> Runtime:
        """Create a new data directory with its master key and first archive store."""
        if (data_dir / CONFIG_FILE).exists():
            raise ConflictError(f"{data_dir} is already a mailkeep data directory.")
        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o700)
        url = (
            database_url or os.environ.get(DATABASE_URL_ENV) or "sqlite:///{data_dir}/master.sqlite"
        )
        if not (data_dir / KEY_FILE).exists() and not os.environ.get("MAILKEEP_MASTER_KEY"):
            write_master_key(data_dir / KEY_FILE, generate_key())
        config_path = data_dir / CONFIG_FILE
        config_path.write_text(json.dumps({"database_url": url}, indent=2) + "\n", encoding="utf-8")
        config_path.chmod(0o600)
        runtime = cls(data_dir)
        if runtime.stores.current_id() is None:
            runtime.stores.create(StoreSpec(name=datetime.now(UTC).strftime("Archive %Y-%m")))
        return runtime

    def _archives_with_mail(self) -> frozenset[str]:
        """Names of the user archives holding messages in the enabled stores (for naming new
        users' archives). Counting is a GROUP BY over every entry, so the answer is kept for a
        minute while the set of stores stays the same: a CSV profile creating 500 users asks
        500 times. Meanwhile new names can only come from imports into existing users'
        archives, which are taken anyway (a deleted user's archive name is reserved)."""
        now = time.monotonic()
        stores = tuple((r.id, r.requested_state) for r in self.stores.records())
        cached = self._mail_archives
        if cached is None or cached[1] != stores or now - cached[0] > ARCHIVE_NAMES_TTL_SECONDS:
            names = {a for store in self.stores.open_stores() for a in store.catalog.archives()}
            cached = self._mail_archives = (now, stores, frozenset(names))
        return cached[2]

    # -- settings ----------------------------------------------------------------------

    def setting(self, name: str) -> Any:
        """A setting's value (stored value or default), validated."""
        spec = setting(name)
        with self.sessions() as session:
            row = session.get(SettingValue, name)
        if row is None:
            return spec.default
        return spec.parse(open_secret(self.master_key, row.value) if spec.secret else row.value)

    def set_setting(self, name: str, value: str) -> Any:
        """Validate and store a setting."""
        spec = setting(name)
        parsed = spec.parse(value)
        text = spec.render(parsed)
        if spec.secret:
            text = seal_secret(self.master_key, text)
        with self.sessions.begin() as session:
            row = session.get(SettingValue, name)
            if row is None:
                session.add(SettingValue(name=name, value=text))
            else:
                row.value = text
        return "********" if spec.secret else parsed

    def settings(self) -> dict[str, Any]:
        """Every setting with its current value (secrets shown as ``********`` when set)."""
        from mailkeep.settings import SETTINGS

        with self.sessions() as session:
            stored = {r.name: r.value for r in session.scalars(select(SettingValue))}
        return {
            n: ("********" if s.secret else s.parse(stored[n])) if n in stored else s.default
            for n, s in SETTINGS.items()
        }

    # -- workers -----------------------------------------------------------------------

    @property
    def pool(self) -> WorkerPool:
        """The analysis worker pool (started on first use)."""
        if self._pool is None:
            from mailkeep.ingest.analyze import ExtractionPolicy
            from mailkeep.ingest.workers import WorkerPool

            policy = ExtractionPolicy(
                frozenset(self.setting("index.attachment_kinds")),
                self.setting("index.attachment_max_bytes"),
                self.setting("index.attachment_timeout_seconds"),
                max_chars=self.setting("index.attachment_max_chars"),
                message_max_chars=self.setting("index.message_attachment_max_chars"),
            )
            self._pool = WorkerPool(
                policy,
                self.setting("ingest.workers") or cpu_count(),
                memory_bytes=self.setting("ingest.worker_memory_mb") << 20,
            )
        return self._pool

    @property
    def jobs(self) -> JobRunner:
        """The one job runner of this process (created on first use): the server's scheduler,
        web pages and admin API share it, so each sees and can cancel the others' jobs."""
        if self._jobs is None:
            from mailkeep.jobs.runner import JobRunner, relay_from_settings

            self._jobs = JobRunner(self, relay_from_settings(self))
        return self._jobs

    def close(self) -> None:
        """Close stores (flushing indexes), workers and the database."""
        try:
            self.stores.close()
        finally:
            if self._pool is not None:
                self._pool.close()
            self.engine.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
