"""kill -9 during an import loses nothing reported, leaves nothing half-written, and a rerun
completes the rest without duplicates."""

from __future__ import annotations

import json
import mailbox
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailkeep.access.search import search
from mailkeep.runtime import Runtime
from mailkeep.store.verify import verify_store
from tests.conftest import build_message

TOTAL = 1500


def _catalog_count(data: Path) -> int:
    paths = list(data.glob("stores/*/metadata/catalog.sqlite"))
    if not paths:
        return 0
    try:
        with sqlite3.connect(f"file:{paths[0]}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])
    except sqlite3.Error:
        return 0


def _start_import(data: Path, box: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mailkeep",
            "--data-dir",
            str(data),
            "import",
            "mbox",
            str(box),
            "--user",
            "alice",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: kill workers too
    )


def _kill_when(data: Path, proc: subprocess.Popen[bytes], at_least: int) -> int:
    deadline = time.monotonic() + 120
    while _catalog_count(data) < at_least:
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail("import finished or stalled before it could be killed")
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.communicate()
    return _catalog_count(data)


@pytest.mark.slow
def test_kill_9_mid_import_then_rerun(data_dir: Path, tmp_path: Path) -> None:
    box = mailbox.mbox(tmp_path / "big.mbox")
    for n in range(TOTAL):
        box.add(build_message(n, body=f"message {n} crashtest " + "filler text " * (n % 50)))
    box.flush()
    box.close()
    with Runtime(data_dir) as runtime:
        runtime.set_setting("ingest.batch_size", "50")
    first = _kill_when(data_dir, _start_import(data_dir, tmp_path / "big.mbox"), 1)
    second = _kill_when(data_dir, _start_import(data_dir, tmp_path / "big.mbox"), first + 200)
    assert 0 < first < second < TOTAL
    with Runtime(data_dir) as runtime:
        assert verify_store(runtime.stores.open(1)).ok  # nothing half-written is flagged
    final = _start_import(data_dir, tmp_path / "big.mbox")
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err.decode()
    result = json.loads(out)
    assert result["failed"] == 0
    assert result["duplicates"] >= second
    assert result["archived"] + result["duplicates"] == TOTAL
    with Runtime(data_dir) as runtime:
        store = runtime.stores.open(1)
        assert store.catalog.counts().messages == TOTAL
        report = verify_store(store)
        assert report.ok and report.checked == TOTAL
        assert search(runtime.stores, "crashtest", None)[1] == TOTAL
