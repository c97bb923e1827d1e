"""kill -9 during an index rebuild leaves search whole, and verify sees an incomplete index
(issue 11, item 8)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailkeep.index.aside import aside_of
from mailkeep.index.tantivy_index import TantivyIndex
from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from mailkeep.store.verify import verify_index
from tests.conftest import build_message, source_of
from tests.integration.api.wire import WireClient
from tests.integration.test_cli import mkjson
from tests.integration.test_serve import serving, wait_healthy
from tests.ports import free_port

PASSWORD = "api secret 1"
MESSAGES = 2400  # several slices of 500: the rebuild is caught part-way


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding MESSAGES messages; tests work on copies of it (store paths
    are relative to the data directory, so a copy is a data directory of its own)."""
    data = tmp_path_factory.mktemp("rebuild") / "data"
    with Runtime.init(data) as rt:
        rt.set_setting("ingest.workers", "1")
        rt.users.create("admin", privileges=("admin",), password=PASSWORD)
        rt.users.create("alice", ("alice@example.com",), password=PASSWORD)
        raws = [build_message(n) for n in range(MESSAGES)]
        import_source(rt, source_of(raws, "Inbox"), "alice")
    return data


def _copy(archived: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(archived, data)
    return data


def _found(data: Path) -> int:
    return len(mkjson(data, "search", "falcon", "--limit", "10000"))


def stores(data: Path) -> list[Path]:
    return list((data / "stores").iterdir())


def _half_built(data: Path) -> list[Path]:
    return [p for p in stores(data) if aside_of(p / "index").exists()]


def test_kill_9_mid_rebuild_keeps_the_old_index_and_verify_agrees(
    archived: Path, tmp_path: Path
) -> None:
    data = _copy(archived, tmp_path)
    assert _found(data) == MESSAGES
    port = free_port()
    args = ("--bind", "127.0.0.1", "--http-port", "0", "--https-port", "0")
    with serving(data, *args, "--api-http-port", str(port)) as server:
        wait_healthy(f"http://127.0.0.1:{port}/healthz")
        admin = WireClient(f"http://127.0.0.1:{port}", "admin", PASSWORD)
        envelope = admin.invoke("RebuildStoreIndex", id=1, folder="*")
        while envelope["statusCode"] == "running" and (envelope["percentProgress"] or 0) < 20:
            envelope = admin.status(envelope["token"], envelope["statusVersion"], 5000).body
        assert envelope["statusCode"] == "running", envelope  # caught part-way
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    assert _found(data) == MESSAGES  # the old index is still whole
    assert _half_built(data)  # the kill interrupted the rebuild
    with serving(data, *args, "--api-http-port", str(port)):
        wait_healthy(f"http://127.0.0.1:{port}/healthz")
        report = admin.result("VerifyStore", id=1, includeIndexes=True)
        assert report["ok"] is True, report
        assert report["index"]["documents"] == MESSAGES
        assert admin.result("RebuildStoreIndex", id=1, folder="*") == {"indexed": MESSAGES}
    assert _found(data) == MESSAGES
    assert not _half_built(data)


def test_kill_9_mid_cli_rebuild_keeps_the_old_index(archived: Path, tmp_path: Path) -> None:
    data = _copy(archived, tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "MAILKEEP_HOME"}
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "mailkeep", "--data-dir", str(data), "store", "rebuild-index"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 120
    # Killed once the new index is being built (it is committed only when complete).
    while not any((p / "index.rebuild" / "meta.json").exists() for p in stores(data)):
        assert rebuild.poll() is None, "the rebuild ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    rebuild.send_signal(signal.SIGKILL)
    rebuild.wait(timeout=30)
    assert _found(data) == MESSAGES
    with Runtime(data) as rt:
        store = rt.stores.open(1)
        assert verify_index(store)["ok"] is True
        store.open_writer()  # the next writer deletes the half-built index
    assert not _half_built(data)


def test_verify_reports_an_index_that_lacks_messages(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Runtime.init(data) as rt:
        rt.set_setting("ingest.workers", "1")
        rt.users.create("alice", ("alice@example.com",))
        import_source(rt, source_of([build_message(n) for n in range(5)]), "alice")
        store = rt.stores.open(1)
        assert verify_index(store)["ok"] is True
        store.release_writer()
        # Documents lost behind the catalog's back (a damaged or half-rebuilt index).
        with TantivyIndex.open(Path(store.paths.index), writable=True) as index:
            index.delete([e.id for e in store.iter_entries()][:2])
            index.commit()
        report = verify_index(store)
        assert (report["ok"], report["missing"], report["pending"]) == (False, 2, 0)
        # Work queued but not applied (a crash between catalog and index commits) is not ok
        # either: searches miss those messages until the queue is applied.
        store.catalog.queue_all_for_index("alice")
        assert verify_index(store)["pending"] == 5 and verify_index(store)["ok"] is False
        store.open_writer()  # applies the queue
        assert verify_index(store) == {
            "documents": 5,
            "messages": 5,
            "missing": 0,
            "pending": 0,
            "ok": True,
        }


def test_the_server_applies_index_work_a_crash_left_queued(tmp_path: Path) -> None:
    """A crash between the catalog's commit and the index's leaves queued work: the server
    applies it when it starts, instead of searching without those messages until a write."""
    data = tmp_path / "data"
    with Runtime.init(data) as rt:
        rt.set_setting("ingest.workers", "1")
        rt.users.create("admin", privileges=("admin",), password=PASSWORD)
        rt.users.create("alice", ("alice@example.com",))
        import_source(rt, source_of([build_message(n) for n in range(4)]), "alice")
        store = rt.stores.open(1)
        store.release_writer()
        lost = [e.id for e in store.iter_entries()][:3]
        with TantivyIndex.open(Path(store.paths.index), writable=True) as index:
            index.delete(lost)
            index.commit()
        store.catalog.queue_all_for_index("alice")  # as the crashed writer left it
    assert _found(data) == 1
    port = free_port()
    args = ("--bind", "127.0.0.1", "--http-port", "0", "--https-port", "0")
    with serving(data, *args, "--api-http-port", str(port)):
        wait_healthy(f"http://127.0.0.1:{port}/healthz")
        admin = WireClient(f"http://127.0.0.1:{port}", "admin", PASSWORD)
        deadline = time.monotonic() + 60
        while not (report := admin.result("VerifyStore", id=1, includeIndexes=True))["ok"]:
            assert time.monotonic() < deadline, report
            time.sleep(0.2)
        assert report["index"] == {
            "documents": 4,
            "messages": 4,
            "missing": 0,
            "pending": 0,
            "ok": True,
        }
        assert _found(data) == 4  # a command-line search beside the server
