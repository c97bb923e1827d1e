"""Archive stores end to end: ingest, dedupe, single instance, verify, recover, compact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailkeep.access.search import search
from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from mailkeep.store.compact import compact_store
from mailkeep.store.content.containers import container_path
from mailkeep.store.recover import recover_store
from mailkeep.store.registry import StoreSpec
from mailkeep.store.verify import verify_index, verify_store
from tests.conftest import MakeMessage, source_of


def _ids(runtime: Runtime, query: str, archives: frozenset[str] | None = None) -> list[str]:
    results, _total = search(runtime.stores, query, archives, limit=1000)
    return sorted(r.id for r in results)


def test_import_is_byte_exact_and_searchable(runtime: Runtime, make_message: MakeMessage) -> None:
    raws = [make_message(n) for n in range(30)]
    result = import_source(runtime, source_of(raws), "alice")
    assert (result.archived, result.duplicates, result.failed) == (30, 0, 0)
    store = runtime.stores.open(1)
    stored = {store.raw(e.id) for e in store.iter_entries()}
    assert stored == set(raws)
    assert len(_ids(runtime, "falcon")) == 30
    assert _ids(runtime, 'subject:"quarterly report 7"') == ["1-8"]


def test_rerun_archives_nothing_new(runtime: Runtime, make_message: MakeMessage) -> None:
    raws = [make_message(n) for n in range(10)]
    import_source(runtime, source_of(raws), "alice")
    again = import_source(runtime, source_of(raws + raws[:3]), "alice")
    assert (again.archived, again.duplicates) == (0, 13)


def test_same_message_id_different_bytes_are_both_kept(
    runtime: Runtime, make_message: MakeMessage
) -> None:
    first = make_message(1)
    second = first.replace(b"Hello number 1", b"Hello number one")
    result = import_source(runtime, source_of([first, second]), "alice")
    assert result.archived == 2


def test_bytes_shared_by_archives_are_stored_once(
    runtime: Runtime, make_message: MakeMessage
) -> None:
    raw = make_message(1, body="x" * 20_000)
    import_source(runtime, source_of([raw]), "alice")
    import_source(runtime, source_of([raw]), "bob")
    counts = runtime.stores.open(1).catalog.counts()
    assert (counts.messages, counts.blobs) == (2, 1)
    assert _ids(runtime, "falcon", frozenset({"bob"})) == []
    assert len(_ids(runtime, "xxxx*", frozenset({"bob"}))) <= 1


def test_results_are_restricted_to_readable_archives(
    runtime: Runtime, make_message: MakeMessage
) -> None:
    import_source(runtime, source_of([make_message(1)]), "alice")
    import_source(runtime, source_of([make_message(2)]), "bob")
    assert len(_ids(runtime, "falcon", frozenset({"alice"}))) == 1
    assert _ids(runtime, "falcon", frozenset()) == []
    assert len(_ids(runtime, "falcon")) == 2


def test_verify_finds_a_flipped_byte(runtime: Runtime, make_message: MakeMessage) -> None:
    import_source(runtime, source_of([make_message(n) for n in range(5)]), "alice")
    store = runtime.stores.open(1)
    assert verify_store(store).ok
    victim = store.entry(3)
    location = store.catalog.blob_locations([victim.sha256])[victim.sha256].location
    path = container_path(store.content_dir, location.container)
    data = bytearray(path.read_bytes())
    data[location.offset + location.length // 2] ^= 0x40
    path.write_bytes(bytes(data))
    report = verify_store(store)
    assert not report.ok
    assert [c["messages"] for c in report.corrupt] == [["1-3"]]
    assert report.checked == 5


def test_recover_rebuilds_metadata_from_containers(
    runtime: Runtime, make_message: MakeMessage
) -> None:
    import_source(runtime, source_of([make_message(n) for n in range(8)], "Inbox"), "alice")
    import_source(runtime, source_of([make_message(n) for n in range(5, 12)], "Sent"), "bob")
    store = runtime.stores.open(1)
    store.move(2, "Inbox/Projects")
    store.move_many([(3, "Inbox/A"), (4, "Inbox/A/B")])  # several moves in one entry record
    before = (store.catalog.archives(), store.catalog.folders("alice"), _ids(runtime, "falcon"))
    entries_before = list(store.iter_entries())
    metadata = Path(store.paths.metadata or "")
    index = Path(store.paths.index)
    runtime.stores.close()
    shutil.rmtree(metadata)
    shutil.rmtree(index)
    store = runtime.stores.open(1)
    store.catalog.initialize()
    report = recover_store(store)
    assert report.messages == 15
    after = (store.catalog.archives(), store.catalog.folders("alice"), _ids(runtime, "falcon"))
    assert after == before
    recovered = list(store.iter_entries())
    assert [(e.id, e.archive, e.folder, e.sha256, e.subject) for e in recovered] == [
        (e.id, e.archive, e.folder, e.sha256, e.subject) for e in entries_before
    ]
    assert verify_store(store).ok
    assert verify_index(store)["ok"]  # nothing left queued for the index


def test_compact_reclaims_removed_messages(runtime: Runtime, make_message: MakeMessage) -> None:
    raws = [make_message(n, body=f"{n} " + "payload " * 2000) for n in range(6)]
    import_source(runtime, source_of(raws), "alice")
    store = runtime.stores.open(1)
    store.remove([1, 2, 3])
    report = compact_store(store)
    assert report.blobs_removed == 3
    assert report.bytes_after < report.bytes_before
    assert verify_store(store).ok
    assert {store.raw(e.id) for e in store.iter_entries()} == set(raws[3:])
    assert _ids(runtime, "payload") == ["1-4", "1-5", "1-6"]
    runtime.stores.close()
    store = runtime.stores.open(1)  # reopen: the writer resumes on the new containers
    import_source(runtime, source_of([make_message(99)]), "alice")
    assert verify_store(runtime.stores.open(1)).ok


def test_rollover_creates_a_new_current_store(runtime: Runtime, make_message: MakeMessage) -> None:
    runtime.set_setting("store.rollover_messages", "10")
    runtime.set_setting("ingest.batch_size", "5")
    result = import_source(runtime, source_of([make_message(n) for n in range(25)]), "alice")
    assert result.archived == 25
    rows = runtime.stores.records()
    assert len(rows) == 3
    assert [r.requested_state for r in rows] == ["normal", "normal", "current"]
    assert len(_ids(runtime, "falcon")) == 25
    again = import_source(runtime, source_of([make_message(n) for n in range(25)]), "alice")
    assert again.duplicates == 25  # duplicates are found across every store


def test_detach_move_attach_keeps_everything(
    runtime: Runtime, make_message: MakeMessage, tmp_path: Path
) -> None:
    import_source(runtime, source_of([make_message(n) for n in range(5)]), "alice")
    second = runtime.stores.create(StoreSpec(name="Second"))
    import_source(runtime, source_of([make_message(n) for n in range(5, 9)]), "alice")
    runtime.stores.set_state(1, "writeProtected")
    row = runtime.stores.detach(1)
    assert len(_ids(runtime, "falcon")) == 4
    moved = tmp_path / "elsewhere"
    shutil.move(row.descriptor_path, moved)
    attached = runtime.stores.attach(
        StoreSpec(name="Old mail", path=str(moved), requested_state="normal")
    )
    assert attached.name == "Old mail"
    assert attached.id not in (1, second.id)
    assert len(_ids(runtime, "falcon")) == 9
    assert verify_store(runtime.stores.open(attached.id)).ok


def test_rebuild_index_restores_search(runtime: Runtime, make_message: MakeMessage) -> None:
    import_source(runtime, source_of([make_message(n) for n in range(7)]), "alice")
    store = runtime.stores.open(1)
    assert store.rebuild_index() == 7
    assert len(_ids(runtime, "falcon")) == 7


def test_compression_dictionary_survives_recover_and_compact(
    runtime: Runtime, make_message: MakeMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailkeep.store import dictionaries

    monkeypatch.setattr(dictionaries, "SAMPLES", 40)
    runtime.set_setting("ingest.batch_size", "20")
    raws = [
        make_message(n, body=f"Dear team, item {n} of the weekly status. " * 20) for n in range(100)
    ]
    import_source(runtime, source_of(raws[:60]), "alice")
    store = runtime.stores.open(1)
    store.trainer.wait()  # trained in the background; the next batch writes it
    import_source(runtime, source_of(raws[60:]), "alice")
    assert store.codec.dictionary_id != 0
    assert len(dictionaries.locations(store.catalog)) == dictionaries.COPIES
    assert {store.raw(e.id) for e in store.iter_entries()} == set(raws)
    store.remove([1, 2])
    compact_store(store)
    runtime.stores.close()
    store = runtime.stores.open(1)  # dictionaries load from their new location
    assert verify_store(store).ok
    assert {store.raw(e.id) for e in store.iter_entries()} == set(raws[2:])
    shutil.rmtree(store.paths.metadata or "")
    runtime.stores.close()
    store = runtime.stores.open(1)
    store.catalog.initialize()
    assert recover_store(store).messages == 98
    assert {store.raw(e.id) for e in store.iter_entries()} == set(raws[2:])
    assert verify_store(store).ok


def test_rebuild_index_of_one_user_archive(runtime: Runtime, make_message: MakeMessage) -> None:
    import_source(runtime, source_of([make_message(n) for n in range(4)]), "alice")
    import_source(runtime, source_of([make_message(n) for n in range(4, 7)]), "bob")
    store = runtime.stores.open(1)
    assert store.rebuild_archive_index("bob") == 3
    assert len(_ids(runtime, "falcon")) == 7
    assert len(_ids(runtime, "falcon", frozenset({"bob"}))) == 3


def test_verify_reports_missing_and_orphaned(runtime: Runtime, make_message: MakeMessage) -> None:
    import_source(runtime, source_of([make_message(n) for n in range(4)]), "alice")
    store = runtime.stores.open(1)
    lost = store.entry(2)
    store.catalog.drop_blobs([lost.sha256])  # the catalog forgets content it still needs
    report = verify_store(store)
    assert [o["reason"] for o in report.orphaned] == ["content not in catalog"]
    assert {"reason": "no content for message", "messages": ["1-2"]} in report.missing
    runtime.stores.close()
    store = runtime.stores.open(1)
    container = container_path(store.content_dir, 1)
    container.rename(container.with_suffix(".moved"))
    report = verify_store(store)
    assert not report.ok
    assert sorted(m for p in report.missing for m in p["messages"]) == ["1-1", "1-2", "1-3", "1-4"]


def test_index_of_an_older_schema_is_rebuilt_on_next_write(
    runtime: Runtime, make_message: MakeMessage
) -> None:
    from mailkeep.index.tantivy_index import VERSION_FILE

    import_source(runtime, source_of([make_message(n) for n in range(5)]), "alice")
    index_dir = Path(runtime.stores.open(1).paths.index)
    runtime.stores.close()
    (index_dir / VERSION_FILE).write_text("1\n")  # as if written by an older mailkeep
    import_source(runtime, source_of([make_message(n) for n in range(5, 8)]), "alice")
    assert len(_ids(runtime, "falcon")) == 8


def test_write_protected_store_refuses_changes(runtime: Runtime, make_message: MakeMessage) -> None:
    from mailkeep.errors import ConflictError

    import_source(runtime, source_of([make_message(n) for n in range(3)]), "alice")
    runtime.stores.create(StoreSpec(name="Next"))
    runtime.stores.set_state(1, "writeProtected")
    store = runtime.stores.open(1)
    for change in (
        lambda: store.remove([1]),
        lambda: store.move(1, "x"),
        lambda: compact_store(store),
    ):
        with pytest.raises(ConflictError, match="writeProtected"):
            change()
    assert len(_ids(runtime, "falcon")) == 3  # still searchable
    assert store.raw(1)
    result = import_source(runtime, source_of([make_message(n) for n in range(5)]), "alice")
    assert (result.archived, result.duplicates) == (2, 3)


def test_advanced_store_keeps_its_parts_where_asked(
    runtime: Runtime, make_message: MakeMessage, tmp_path: Path
) -> None:
    spec = StoreSpec(
        name="Advanced",
        type="FileSystemAdvanced",
        database_path=str(tmp_path / "meta"),
        content_path=str(tmp_path / "content"),
        index_path=str(tmp_path / "idx"),
    )
    row = runtime.stores.create(spec)
    import_source(runtime, source_of([make_message(n) for n in range(3)]), "alice")
    assert (tmp_path / "meta" / "catalog.sqlite").exists()
    assert (tmp_path / "content" / "store.json").exists()
    assert list((tmp_path / "content").glob("*.mkc"))
    assert (tmp_path / "idx" / "meta.json").exists()
    assert (tmp_path / "content").stat().st_mode & 0o777 == 0o700
    runtime.stores.set_state(1, "current")
    runtime.stores.detach(row.id)
    spec = StoreSpec(
        name="",
        type="FileSystemAdvanced",
        requested_state="normal",
        database_path=str(tmp_path / "meta"),
        content_path=str(tmp_path / "content"),
        index_path=str(tmp_path / "idx"),
    )
    again = runtime.stores.attach(spec)
    assert runtime.stores.open(again.id).catalog.counts().messages == 3
    assert verify_store(runtime.stores.open(again.id)).ok


def test_duplicates_far_apart_in_one_run_are_found(
    runtime: Runtime, make_message: MakeMessage
) -> None:
    runtime.set_setting("ingest.batch_size", "3")
    raws = [make_message(n) for n in range(20)]
    result = import_source(runtime, source_of(raws + raws[:2] + raws[5:6]), "alice")
    assert (result.archived, result.duplicates) == (20, 3)
    fresh = [make_message(n) for n in range(100, 106)]
    adjacent = [fresh[0], fresh[1], fresh[2], fresh[0], fresh[3], fresh[1], fresh[4], fresh[5]]
    result = import_source(runtime, source_of(adjacent), "bob")
    assert (result.archived, result.duplicates) == (6, 2)


def test_store_failure_stops_the_run_and_a_rerun_completes(
    runtime: Runtime, make_message: MakeMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from mailkeep.store.archive_store import ArchiveStore

    runtime.set_setting("ingest.batch_size", "5")
    real_archive = ArchiveStore.archive
    calls = {"n": 0}

    def disk_fills_up(self: ArchiveStore, items: list) -> list:  # type: ignore[type-arg]
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_archive(self, items)

    monkeypatch.setattr(ArchiveStore, "archive", disk_fills_up)
    raws = [make_message(n) for n in range(40)]
    result = import_source(runtime, source_of(raws), "alice")
    assert result.aborted and "Disk full" in result.aborted
    # The failing batch, and any the reader had already handed on, are answered failed.
    assert result.archived == 10 and result.failed in (5, 10, 15)
    assert all("Disk full" in f["reason"] for f in result.failures)
    monkeypatch.setattr(ArchiveStore, "archive", real_archive)
    again = import_source(runtime, source_of(raws), "alice")
    assert (again.archived, again.duplicates, again.aborted) == (30, 10, None)
    assert verify_store(runtime.stores.open(1)).ok
