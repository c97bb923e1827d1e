"""A copied or restored data directory uses its own stores (issue 11, item 17)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

from mailkeep.runtime import Runtime
from tests.conftest import build_message
from tests.integration.test_cli import mk, mkjson


def _fingerprint(data: Path) -> dict[str, str]:
    """A hash of every file of the data directory's stores."""
    return {
        str(p.relative_to(data)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((data / "stores").rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def _import(data: Path, tmp: Path, n: int) -> None:
    path = tmp / f"m{n}.eml"
    path.write_bytes(build_message(n))
    assert mkjson(data, "import", "eml", str(path), "--user", "alice")["archived"] == 1


def _found(data: Path) -> int:
    return len(mkjson(data, "search", "falcon", "--limit", "100"))


def test_a_copied_data_directory_reads_and_writes_its_own_stores(tmp_path: Path) -> None:
    original = tmp_path / "original"
    mk(original, "init")
    mk(original, "user", "create", "alice", "--email", "alice@example.com")
    _import(original, tmp_path, 1)
    before = _fingerprint(original)
    copy = tmp_path / "restored"
    shutil.copytree(original, copy)
    shutil.move(original, tmp_path / "moved-away")  # the copy must not need the original
    _import(copy, tmp_path, 2)
    assert _found(copy) == 2
    shutil.move(tmp_path / "moved-away", original)
    assert _found(original) == 1
    assert _fingerprint(original) == before  # untouched by the copy's writes
    listed = mkjson(copy, "store", "list")
    assert all(str(copy) in store["path"] for store in listed), listed


def test_a_store_directory_of_another_store_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    mk(data, "init")
    mk(data, "user", "create", "alice", "--email", "alice@example.com")
    _import(data, tmp_path, 1)
    other = tmp_path / "other"
    mk(other, "init")
    [mine] = list((data / "stores").iterdir())
    [theirs] = list((other / "stores").iterdir())
    shutil.rmtree(mine)
    shutil.copytree(theirs, mine)  # a restore that put another store's files in its place
    refused = mk(data, "search", "falcon", ok=False)
    assert b"belongs to store" in refused.stderr and b"refusing to use it" in refused.stderr


_BEFORE_RELATIVE = "0004_secusers"  # the revision 0004_concurrency follows


def test_the_migration_makes_paths_inside_the_data_directory_relative(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Runtime.init(data).close()
    outside = tmp_path / "elsewhere"
    with Runtime(data) as rt:
        from mailkeep.store.registry import StoreSpec

        rt.stores.create(StoreSpec(name="Outside", path=str(outside), requested_state="normal"))
    database = sqlite3.connect(data / "master.sqlite")
    with database:  # as the database before 0004_concurrency had them: every path absolute
        for column in ("descriptor_path", "content_path", "index_path", "metadata_path"):
            database.execute(
                f"UPDATE stores SET {column} = ? || '/' || {column} WHERE {column} NOT LIKE '/%'",
                (str(data.resolve()),),
            )
        database.execute("UPDATE alembic_version SET version_num = ?", (_BEFORE_RELATIVE,))
    with Runtime(data) as rt:
        assert {r.name: r.descriptor_path for r in rt.stores.records()}["Outside"] == str(
            outside.resolve()
        )
        assert len(list(rt.stores.open_stores())) == 2
    rows = dict(database.execute("SELECT name, descriptor_path FROM stores").fetchall())
    database.close()
    inside = next(v for k, v in rows.items() if k != "Outside")
    assert inside.startswith("stores/") and rows["Outside"] == str(outside.resolve())
