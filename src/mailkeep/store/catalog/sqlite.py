"""The embedded catalog: one SQLite file in the store's metadata directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event

from mailkeep.store.catalog.sql import SqlCatalog

FILE_NAME = "catalog.sqlite"


class SqliteCatalog(SqlCatalog):
    """Catalog in ``<metadata dir>/catalog.sqlite``; WAL mode with synchronous=FULL so a
    committed batch survives power loss."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / FILE_NAME
        engine = create_engine(f"sqlite:///{self.path}")
        event.listen(engine, "connect", _configure)
        super().__init__(engine)

    def size_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal"):
            path = Path(f"{self.path}{suffix}")
            if path.exists():
                total += path.stat().st_size
        return total

    def vacuum(self) -> None:
        """Reclaim free pages (``store compact``)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")


def _configure(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
