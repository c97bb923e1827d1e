"""Stores written by earlier on-disk formats stay readable (committed copies in tests/data)."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path

import pytest

from mailkeep.access.search import search
from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from mailkeep.store.registry import StoreSpec
from mailkeep.store.verify import verify_store
from tests.conftest import build_message, source_of

DATA = Path(__file__).resolve().parents[1] / "data"
TEST_KEY = "bWFpbGtlZXAtdGVzdC1rZXktZm9ybWF0LXYxLTAwMDA="


def test_format_1_store_attaches_verifies_and_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILKEEP_MASTER_KEY", TEST_KEY)
    store_dir = tmp_path / "old-store"
    shutil.copytree(DATA / "format-v1" / "store", store_dir)
    expected = json.loads((DATA / "format-v1" / "expected.json").read_text())["sha256"]
    with Runtime.init(tmp_path / "data") as runtime:
        row = runtime.stores.attach(
            StoreSpec(name="", path=str(store_dir), requested_state="normal")
        )
        store = runtime.stores.open(row.id)
        assert verify_store(store).ok
        entries = list(store.iter_entries())
        assert [hashlib.sha256(store.raw(e.id)).hexdigest() for e in entries] == expected
        assert {e.folder for e in entries} == {"Inbox/Old", "Inbox/Moved"}
        assert store.catalog.archives() == {"alice": 5}
        results, total = search(runtime.stores, "attachment:okapi", None)
        assert total == 5 and results[0].user == "alice"


def test_format_1_store_written_again_becomes_format_2_and_stays_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILKEEP_MASTER_KEY", TEST_KEY)
    store_dir = tmp_path / "old-store"
    shutil.copytree(DATA / "format-v1" / "store", store_dir)
    pdf = random.Random(5).randbytes(3000)
    raws = [
        build_message(n, attachments=(("n.txt", "text/plain", b"okapi notes " * 200),))
        for n in range(3)
    ] + [build_message(9, attachments=(("a.pdf", "application/pdf", pdf),))]
    with Runtime.init(tmp_path / "data") as runtime:
        runtime.users.create("alice")
        row = runtime.stores.attach(StoreSpec(name="", path=str(store_dir)))  # current
        result = import_source(runtime, source_of(raws), "alice")
        assert result.archived == 4
        store = runtime.stores.open(row.id)
        assert verify_store(store).ok
        stored = {store.raw(e.id) for e in store.iter_entries()}
        assert set(raws) <= stored and len(stored) == 9
        _results, total = search(runtime.stores, "attachment:okapi", None, limit=50)
        assert total == 8  # five old messages and three new ones
    assert json.loads((store_dir / "store.json").read_text())["format"] == 2
