"""PostgreSQL as the master database and as a store's catalog, against the real server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailkeep.access.search import search
from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from mailkeep.store.recover import recover_store
from mailkeep.store.registry import StoreSpec
from mailkeep.store.verify import verify_store
from tests.conftest import MakeMessage, source_of


def test_master_database_on_postgresql(
    tmp_path: Path, pg_url: str, make_message: MakeMessage
) -> None:
    with Runtime.init(tmp_path / "data", database_url=pg_url) as runtime:
        runtime.users.create("alice")
        result = import_source(runtime, source_of([make_message(n) for n in range(5)]), "alice")
        assert result.archived == 5
    assert "postgresql" in (tmp_path / "data" / "mailkeep.json").read_text()
    with Runtime(tmp_path / "data") as runtime:
        assert [u.name for u in runtime.users.list()] == ["alice"]
        assert search(runtime.stores, "falcon", None)[1] == 5


def test_postgresql_store_type(
    runtime: Runtime, pg_url: str, tmp_path: Path, make_message: MakeMessage
) -> None:
    row = runtime.stores.create(
        StoreSpec(
            name="PG store",
            type="PostgreSQL",
            content_path=str(tmp_path / "pg-content"),
            database_url=pg_url,
        )
    )
    assert row.database_url and "postgresql" not in row.database_url  # sealed at rest
    result = import_source(runtime, source_of([make_message(n) for n in range(12)]), "alice")
    assert result.archived == 12
    store = runtime.stores.open(row.id)
    assert store.catalog.counts().messages == 12
    assert verify_store(store).ok
    hits, total = search(runtime.stores, "falcon", frozenset({"alice"}))
    assert total == 12 and hits[0].id.startswith(f"{row.id}-")
    runtime.stores.close()
    shutil.rmtree(store.paths.index)
    report = recover_store(runtime.stores.open(row.id))
    assert report.messages == 12
    assert search(runtime.stores, "falcon", None)[1] == 12


def test_postgresql_store_needs_a_url(runtime: Runtime, tmp_path: Path) -> None:
    from mailkeep.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="database-url"):
        runtime.stores.create(
            StoreSpec(name="x", type="PostgreSQL", content_path=str(tmp_path / "c"))
        )
