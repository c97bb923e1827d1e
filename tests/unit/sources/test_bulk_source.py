"""Bulk import: user discovery and per-user archive tagging."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailkeep.sources.base import SourceError
from mailkeep.sources.bulk import BulkSource, discover_user_folders

SEP = b"From x@example.com Sun Dec 25 21:33:37 2011\n"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _mbox(*bodies: bytes) -> bytes:
    return b"".join(SEP + b"Subject: s\n\n" + body + b"\n\n" for body in bodies)


def test_discover_user_folders(tmp_path: Path) -> None:
    for name in ("carol", "alice", "bob", ".hidden"):
        (tmp_path / name).mkdir()
    (tmp_path / "stray.eml").write_bytes(b"x")
    assert discover_user_folders(tmp_path) == [
        ("alice", tmp_path / "alice"),
        ("bob", tmp_path / "bob"),
        ("carol", tmp_path / "carol"),
    ]


def test_discover_missing_root(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        discover_user_folders(tmp_path / "missing")


def test_bulk_eml(tmp_path: Path) -> None:
    _write(tmp_path / "bob" / "x.eml", b"BX")
    _write(tmp_path / "alice" / "a.eml", b"AA")
    _write(tmp_path / "alice" / "Sent" / "s.eml", b"AS")
    _write(tmp_path / "alice" / "empty.eml", b"")
    source = BulkSource(tmp_path, "eml")
    got = [(m.archive, m.folder, m.source_id, m.raw) for m in source.messages()]
    assert got == [
        ("alice", "", "alice/a.eml", b"AA"),
        ("alice", "Sent", "alice/Sent/s.eml", b"AS"),
        ("bob", "", "bob/x.eml", b"BX"),
    ]
    assert [p.source_id for p in source.problems] == ["alice/empty.eml"]
    assert source.estimate_unit == "messages"
    assert source.estimate() == 4


def test_bulk_mbox(tmp_path: Path) -> None:
    _write(tmp_path / "alice" / "Inbox.mbox", _mbox(b"a1", b"a2"))
    _write(tmp_path / "alice" / "Old" / "2019.mbox", _mbox(b"a3"))
    _write(tmp_path / "alice" / "readme.txt", b"hello\n")
    _write(tmp_path / "bob" / "Sent", _mbox(b"b1"))
    source = BulkSource(tmp_path, "mbox")
    got = [(m.archive, m.folder, m.raw.rsplit(b"\n\n", 1)[1]) for m in source.messages()]
    assert got == [
        ("alice", "Inbox", b"a1\n"),
        ("alice", "Inbox", b"a2\n"),
        ("alice", "Old/2019", b"a3\n"),
        ("bob", "Sent", b"b1\n"),
    ]
    assert [p.source_id for p in source.problems] == ["alice/readme.txt"]
    assert source.estimate_unit == "bytes"
    assert source.bytes_read == source.estimate()


def test_bulk_mbox_source_ids_are_unique_across_users(tmp_path: Path) -> None:
    _write(tmp_path / "alice" / "Inbox", _mbox(b"a"))
    _write(tmp_path / "bob" / "Inbox", _mbox(b"b"))
    ids = [m.source_id for m in BulkSource(tmp_path, "mbox").messages()]
    assert ids == ["alice/Inbox:0", "bob/Inbox:0"]
