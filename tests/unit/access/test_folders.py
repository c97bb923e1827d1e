"""Folders across archive stores: the tree with intermediate folders, and moving folders."""

from __future__ import annotations

import pytest

from mailkeep.access.folders import child_folders, empty_folders, move_folder, split_path
from mailkeep.access.search import search
from mailkeep.errors import ConflictError, InvalidInputError, NotFoundError
from mailkeep.ingest.service import import_source, store_writes
from mailkeep.runtime import Runtime
from mailkeep.store.registry import StoreSpec
from tests.conftest import build_message, source_of


@pytest.fixture
def filed(runtime: Runtime) -> Runtime:
    import_source(runtime, source_of([build_message(1)], "Mail/Inbox"), "alice")
    import_source(runtime, source_of([build_message(2), build_message(3)], "Mail/Work/A"), "alice")
    import_source(runtime, source_of([build_message(4)], ""), "alice")
    return runtime


def test_split_path() -> None:
    assert split_path("/johndoe/Outlook/Inbox/") == ("johndoe", "Outlook/Inbox")
    with pytest.raises(InvalidInputError):
        split_path(" / ")


def test_tree_includes_folders_that_only_hold_folders(filed: Runtime) -> None:
    below = child_folders(filed, "alice", None)
    assert [(f["folder"], f["level"], f["messages"]) for f in below] == [
        ("alice/Mail", 1, 0),
        ("alice/Mail/Inbox", 2, 1),
        ("alice/Mail/Work", 2, 0),
        ("alice/Mail/Work/A", 3, 2),
    ]
    assert [f["folder"] for f in child_folders(filed, "alice/Mail", 1)] == [
        "alice/Mail/Inbox",
        "alice/Mail/Work",
    ]
    top = child_folders(filed, None, 2)
    assert ("alice", 1, 1) in [(f["folder"], f["level"], f["messages"]) for f in top]
    assert "alice/Mail" in [f["folder"] for f in top]
    assert "alice/Mail/Inbox" not in [f["folder"] for f in top]
    with pytest.raises(NotFoundError):
        child_folders(filed, "alice/Nope", None)


def test_moving_a_folder_moves_its_subfolders_and_reindexes(filed: Runtime) -> None:
    with store_writes():
        assert move_folder(filed, "alice/Mail/Work", "alice/Projects/Work") == 2
    assert [f["folder"] for f in child_folders(filed, "alice/Projects", None)] == [
        "alice/Projects/Work",
        "alice/Projects/Work/A",
    ]
    filed.stores.flush_indexes()
    found, _ = search(filed.stores, 'folder:"Projects/Work/A"', frozenset({"alice"}))
    assert len(found) == 2
    assert empty_folders(filed, "alice/Projects") == []


@pytest.mark.parametrize(
    ("source", "target", "error"),
    [
        ("alice/Mail", "bob/Mail", ConflictError),
        ("alice", "alice2", ConflictError),
        ("alice/Mail", "alice/Mail/Sub", InvalidInputError),
        ("alice/Mail/Inbox", "alice/Mail/Work", ConflictError),
        ("alice/Gone", "alice/Here", NotFoundError),
    ],
)
def test_moves_that_are_refused(
    filed: Runtime, source: str, target: str, error: type[Exception]
) -> None:
    with store_writes(), pytest.raises(error):
        move_folder(filed, source, target)


def test_write_protected_stores_refuse_before_anything_moves(filed: Runtime) -> None:
    spare = filed.stores.create(StoreSpec(name="Spare"))
    filed.stores.set_state(1, "writeProtected")
    assert spare.requested_state == "current"
    with store_writes(), pytest.raises(ConflictError, match="writeProtected"):
        move_folder(filed, "alice/Mail", "alice/Post")
    assert [f["folder"] for f in child_folders(filed, "alice", 1)] == ["alice/Mail"]
