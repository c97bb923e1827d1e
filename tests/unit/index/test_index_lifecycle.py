"""Writing, committing, reopening and locking a TantivyIndex."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from index_corpus import CORPUS, make_doc

from mailkeep.errors import ConflictError
from mailkeep.index.model import SearchIndex
from mailkeep.index.tantivy_index import IndexBusyError, IndexVersionError, TantivyIndex


def ids(index: TantivyIndex, query: str) -> set[int]:
    return {hit.entry_id for hit in index.search(query, None, limit=1000).hits}


def test_is_a_search_index(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=False) as index:
        protocol: SearchIndex = index
        assert protocol.count() == 0
        assert protocol.search("anything", None).total == 0


def test_changes_visible_only_after_commit(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add([make_doc(1, subject="hello world")])
        assert index.count() == 0
        assert ids(index, "hello") == set()
        index.commit()
        assert index.count() == 1
        assert ids(index, "hello") == {1}


def test_add_replaces_same_entry(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add([make_doc(1, subject="first version"), make_doc(2, subject="other")])
        index.commit()
        index.add([make_doc(1, subject="second version")])
        index.commit()
        assert index.count() == 2
        assert ids(index, "first") == set()
        assert ids(index, "second") == {1}


def test_add_replaces_within_one_uncommitted_batch(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add([make_doc(1, subject="alpha")])
        index.add([make_doc(1, subject="beta")])
        index.add([make_doc(1, subject="gamma"), make_doc(1, subject="delta")])
        index.commit()
        assert index.count() == 1
        assert ids(index, "alpha OR beta OR gamma OR delta") == {1}
        assert ids(index, "delta") == {1}


def test_delete(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add(CORPUS)
        index.commit()
        index.delete([1, 2, 999])
        index.delete([])
        assert index.count() == len(CORPUS)
        index.commit()
        assert index.count() == len(CORPUS) - 2
        assert ids(index, "quarterly") == {4}


def test_clear_then_rebuild(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add(CORPUS)
        index.commit()
        index.clear()
        index.add([make_doc(7, subject="rebuilt")])
        index.commit()
        assert index.count() == 1
        assert ids(index, "rebuilt") == {7}
        assert ids(index, "quarterly") == set()


def test_reopen_after_close_keeps_data(index_path: Path) -> None:
    index = TantivyIndex.open(index_path, writable=True)
    index.add(CORPUS)
    index.commit()
    index.add([make_doc(500, subject="never committed")])
    index.close()
    with TantivyIndex.open(index_path, writable=False) as reopened:
        assert reopened.count() == len(CORPUS)
        assert ids(reopened, "folder:inbox/work") == {2, 3, 9}
        assert ids(reopened, "committed") == set()
        assert reopened.size_bytes() > 0
    with TantivyIndex.open(index_path, writable=True) as writer:  # the lock was released
        assert writer.count() == len(CORPUS)


def test_hit_date_is_utc_aware(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add(CORPUS)
        index.commit()
        (hit,) = index.search("folder:sent", None).hits
        assert hit.date == datetime(2023, 12, 31, 23, 30, tzinfo=UTC)
        assert hit.date.tzinfo is not None


def test_second_writer_is_busy_but_readers_are_not(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as writer:
        writer.add([make_doc(1, subject="shared")])
        writer.commit()
        with pytest.raises(IndexBusyError, match="being written") as info:
            TantivyIndex.open(index_path, writable=True)
        assert info.value.code == "index_busy"
        with TantivyIndex.open(index_path, writable=False) as reader:
            assert ids(reader, "shared") == {1}


def test_writer_lock_is_seen_by_another_process(index_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path\n"
        "from mailkeep.index.tantivy_index import IndexBusyError, TantivyIndex\n"
        "try:\n"
        "    TantivyIndex.open(Path(sys.argv[1]), writable=True)\n"
        "except IndexBusyError:\n"
        "    print('busy')\n"
        "TantivyIndex.open(Path(sys.argv[1]), writable=False).close()\n"
        "print('read ok')\n"
    )
    with TantivyIndex.open(index_path, writable=True):
        result = subprocess.run(
            [sys.executable, "-c", script, str(index_path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    assert result.stdout.split() == ["busy", "read", "ok"]


def test_read_only_and_closed_indexes_refuse_writes(index_path: Path) -> None:
    reader = TantivyIndex.open(index_path, writable=False)
    with pytest.raises(ConflictError, match="read-only"):
        reader.add([make_doc(1)])
    reader.close()
    reader.close()
    with pytest.raises(ConflictError, match="closed"):
        reader.search("x", None)


def test_incompatible_index_version(index_path: Path) -> None:
    TantivyIndex.open(index_path, writable=False).close()
    (index_path / "mailkeep-index-version").write_text("0\n")
    with pytest.raises(IndexVersionError, match="rebuild"):
        TantivyIndex.open(index_path, writable=False)


def test_odd_text_is_indexed(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add(
            [
                make_doc(1, body="broken \udcff surrogate survives", folder=""),
                make_doc(2, body="x" * 100_000 + " needle", subject="big"),
            ]
        )
        index.commit()
        assert ids(index, "surrogate") == {1}
        assert ids(index, "needle") == {2}
        (hit,) = index.search("needle", None).hits
        assert hit.snippet.startswith("x")


def _segment_files(path: Path) -> tuple[set[str], set[str]]:
    """(segments meta.json lists, segments that have files on disk), as 32-hex ids."""
    import json

    meta = json.loads((path / "meta.json").read_text())
    listed = {s["segment_id"].replace("-", "") for s in meta["segments"]}
    on_disk = {f.stem for f in path.iterdir() if f.suffix in {".idx", ".store", ".pos"}}
    return listed, on_disk


def test_close_after_many_commits_leaves_no_orphaned_segments(index_path: Path) -> None:
    # Enough commits for tantivy's merge policy to merge segments while we work and close:
    # a merge abandoned at close once left the index at twice its size on disk.
    words = [f"w{n}" for n in range(5000)]
    with TantivyIndex.open(index_path, writable=True) as index:
        for batch in range(16):
            body = " ".join(words[batch * 300 :] + words[: batch * 300])
            index.add([make_doc(batch * 50 + i, body=body) for i in range(50)])
            index.commit()
    listed, on_disk = _segment_files(index_path)
    assert on_disk == listed
    with TantivyIndex.open(index_path, writable=False) as index:
        assert index.count() == 800


def test_close_discards_uncommitted_changes(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add([make_doc(1, subject="kept")])
        index.commit()
        index.add([make_doc(2, subject="dropped")])
        index.delete([1])
    with TantivyIndex.open(index_path, writable=False) as index:
        assert ids(index, "kept OR dropped") == {1}
    listed, on_disk = _segment_files(index_path)
    assert on_disk == listed


def test_add_new_documents_without_replacement(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add([make_doc(1, subject="first")])
        index.commit()
        index.add([make_doc(2, subject="second"), make_doc(3, subject="third")], new=True)
        index.commit()
        assert index.count() == 3
        assert ids(index, "second OR third") == {2, 3}
        index.add([make_doc(2, subject="replaced")])  # a later re-index still replaces
        index.commit()
        assert ids(index, "second") == set()
        assert ids(index, "replaced") == {2}
