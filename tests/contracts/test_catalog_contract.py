"""One contract for every metadata catalog implementation: SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailkeep.store.catalog.base import Batch, BlobRow, Catalog, EntryRow, Move
from mailkeep.store.catalog.postgres import PostgresCatalog
from mailkeep.store.catalog.sqlite import SqliteCatalog
from mailkeep.store.content.containers import Location


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    if request.param == "sqlite":
        opened: Catalog = SqliteCatalog(tmp_path / "metadata")
    else:
        url = request.getfixturevalue("pg_url")
        opened = PostgresCatalog(url, "mailkeep_store_contract")
    opened.initialize()
    opened.initialize()  # idempotent
    yield opened
    opened.close()


def _sha(n: int) -> bytes:
    return hashlib.sha256(str(n).encode()).digest()


def _entry(entry_id: int, n: int, archive: str = "alice", folder: str = "Inbox") -> EntryRow:
    return EntryRow(
        id=entry_id,
        sha256=_sha(n),
        archive=archive,
        folder=folder,
        source_id=f"src-{n}",
        received=datetime(2024, 5, 1, tzinfo=UTC),
        archived_at=datetime(2024, 6, 1, 12, 30, 15, 123456, tzinfo=UTC),
        date=datetime(2024, 4, 30, 8, 0, tzinfo=UTC),
        size=100 + n,
        subject=f"Subject {n} – ünïcode",
        sender="Alice <alice@example.com>",
        recipients="bob@example.org",
        message_id=f"<{n}@x>",
        has_attachment=n % 2 == 0,
        flags=("\\Seen",),
        defects=("StartBoundaryNotFoundDefect",) if n == 3 else (),
    )


def _blob(n: int, offset: int) -> BlobRow:
    return BlobRow(_sha(n), Location(1, offset, 50), 100 + n)


def _fill(catalog: Catalog) -> None:
    batch = Batch(
        blobs=[_blob(n, 8 + 50 * n) for n in range(4)],
        entries=[_entry(1, 0), _entry(2, 1), _entry(3, 2, folder="Sent"), _entry(4, 0, "bob")],
        containers={1: 400},
    )
    catalog.commit_batch(batch)


def test_batch_round_trip(catalog: Catalog) -> None:
    _fill(catalog)
    assert catalog.entry(1) == _entry(1, 0)
    assert catalog.entries([3, 99, 1]) == [_entry(3, 2, folder="Sent"), _entry(1, 0)]
    assert [e.id for e in catalog.iter_entries(batch_size=2)] == [1, 2, 3, 4]
    assert catalog.committed_containers() == {1: 400}
    assert catalog.blob_locations([_sha(1), _sha(9)]) == {_sha(1): _blob(1, 58)}


def test_duplicates_are_per_user_archive(catalog: Catalog) -> None:
    _fill(catalog)
    assert catalog.existing_entries("alice", [_sha(0), _sha(1), _sha(3)]) == {
        _sha(0): 1,
        _sha(1): 2,
    }
    assert catalog.existing_entries("bob", [_sha(0), _sha(1)]) == {_sha(0): 4}
    assert catalog.existing_entries("carol", [_sha(0)]) == {}


def test_archive_and_folder_counts(catalog: Catalog) -> None:
    _fill(catalog)
    assert catalog.archives() == {"alice": 3, "bob": 1}
    assert catalog.archive_sizes() == {"alice": (3, 303), "bob": (1, 100)}
    assert catalog.folders("alice") == {"Inbox": 2, "Sent": 1}
    counts = catalog.counts()
    assert (counts.messages, counts.blobs, counts.raw_bytes) == (4, 4, 406)


def test_archived_between_counts_by_time_of_archiving(catalog: Catalog) -> None:
    _fill(catalog)  # all archived at 2024-06-01 12:30:15.123456 UTC
    moment = datetime(2024, 6, 1, 12, 30, 15, 123456, tzinfo=UTC)
    assert catalog.archived_between(datetime(2024, 6, 1, tzinfo=UTC), moment) == (0, 0)
    day_after = datetime(2024, 6, 2, tzinfo=UTC)
    assert catalog.archived_between(moment, day_after) == (4, 403)  # entry sizes
    assert catalog.archived_between(day_after, datetime(2025, 1, 1, tzinfo=UTC)) == (0, 0)


def test_failed_batch_changes_nothing(catalog: Catalog) -> None:
    _fill(catalog)
    with pytest.raises(Exception):  # noqa: B017 - any database error will do
        catalog.commit_batch(Batch(entries=[_entry(5, 3), _entry(1, 0)], containers={1: 999}))
    assert catalog.entry(5) is None
    assert catalog.committed_containers() == {1: 400}


def test_moves_removals_and_index_queue(catalog: Catalog) -> None:
    _fill(catalog)
    assert [i for i, _ in catalog.index_queue()] == [1, 2, 3, 4]
    catalog.clear_index_queue([1, 2, 3, 4])
    catalog.commit_batch(
        Batch(
            moves=[Move(2, "Archive/2024", Location(1, 400, 30))], removals=[3], containers={1: 480}
        )
    )
    assert catalog.entry(2) is not None and catalog.entry(2).folder == "Archive/2024"  # type: ignore[union-attr]
    assert catalog.entry(3) is None
    assert catalog.index_queue() == [(2, True), (3, False)]
    assert catalog.referenced_hashes() == {_sha(0), _sha(1)}


def test_entry_ids_are_never_reused(catalog: Catalog) -> None:
    _fill(catalog)
    catalog.commit_batch(Batch(removals=[4]))
    assert catalog.next_entry_id() == 5


def test_relocate_drop_and_reset(catalog: Catalog) -> None:
    _fill(catalog)
    catalog.relocate_blobs([BlobRow(_sha(1), Location(7, 8, 50), 101)], {7: 58}, {"k": "v"})
    assert catalog.get_meta("k") == "v"
    assert catalog.blob_locations([_sha(1)])[_sha(1)].location == Location(7, 8, 50)
    assert catalog.committed_containers() == {7: 58}
    catalog.drop_blobs([_sha(3)])
    assert _sha(3) not in catalog.blob_locations([_sha(3)])
    assert catalog.queue_all_for_index("bob") == [4]
    assert catalog.queue_all_for_index() == [1, 2, 3, 4]
    catalog.set_meta("store_uuid", "abc")
    assert catalog.get_meta("store_uuid") == "abc"
    catalog.reset()
    assert list(catalog.iter_entries()) == []
    assert catalog.index_queue() == []
    assert catalog.size_bytes() >= 0


def test_dashboard_statistics_by_archive_and_mail_date(catalog: Catalog) -> None:
    _fill(catalog)
    undated = EntryRow(**{**_entry(5, 3, "bob").__dict__, "date": None})
    catalog.commit_batch(Batch(entries=[undated]))
    assert catalog.archive_totals() == {"alice": (3, 100 + 101 + 102), "bob": (2, 100 + 103)}
    day = (datetime(2024, 4, 30, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).days
    assert catalog.per_day_by_mail_date() == {day: (4, 403), None: (1, 103)}
