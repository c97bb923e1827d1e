"""EmlFolderSource: file selection, folder names, order, problems."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailkeep.sources import eml
from mailkeep.sources.base import SourceError
from mailkeep.sources.eml import EmlFolderSource
from mailkeep.sources.tree import SKIP_EXTENSION, SKIP_LINK, SKIP_OUTSIDE

MAIL = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"


def _write(path: Path, data: bytes = MAIL) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "export"
    _write(root / "b.eml", b"B")
    _write(root / "A.EML", b"A")
    _write(root / "notes.txt", b"not mail")
    _write(root / "sub" / "c.eml", b"C")
    _write(root / "sub" / "deeper" / "d.eml", b"D")
    _write(root / "other" / "e.msg", b"E")
    return root


def test_flat_folder_reads_only_matching_top_level_files(tree: Path) -> None:
    source = EmlFolderSource(tree)
    messages = list(source.messages())
    assert [m.source_id for m in messages] == ["A.EML", "b.eml"]
    assert [m.raw for m in messages] == [b"A", b"B"]
    assert {m.folder for m in messages} == {""}
    assert source.problems == []
    assert source.estimate_unit == "messages"
    assert source.estimate() == 2


def test_recursive_folders_follow_directories(tree: Path) -> None:
    source = EmlFolderSource(tree, recursive=True, folder="Imported/")
    got = [(m.source_id, m.folder, m.raw) for m in source.messages()]
    assert got == [
        ("A.EML", "Imported", b"A"),
        ("b.eml", "Imported", b"B"),
        ("sub/c.eml", "Imported/sub", b"C"),
        ("sub/deeper/d.eml", "Imported/sub/deeper", b"D"),
    ]
    assert source.estimate() == 4


def test_recursive_without_base_folder(tree: Path) -> None:
    folders = [m.folder for m in EmlFolderSource(tree, recursive=True).messages()]
    assert folders == ["", "", "sub", "sub/deeper"]


def test_custom_extensions_are_case_insensitive(tree: Path) -> None:
    source = EmlFolderSource(tree, recursive=True, extensions=("MSG", ".txt"))
    assert [m.source_id for m in source.messages()] == ["notes.txt", "other/e.msg"]


def test_single_file_is_read_whatever_its_name(tmp_path: Path) -> None:
    file = _write(tmp_path / "message.mail")
    stamp = datetime(2020, 5, 17, 10, 30, tzinfo=UTC).timestamp()
    os.utime(file, (stamp, stamp))
    [message] = EmlFolderSource(file, folder="Inbox").messages()
    assert message.raw == MAIL
    assert message.source_id == "message.mail"
    assert message.folder == "Inbox"
    assert message.received == datetime(2020, 5, 17, 10, 30, tzinfo=UTC)
    assert message.archive is None


def test_empty_file_is_a_problem_not_a_message(tmp_path: Path) -> None:
    _write(tmp_path / "empty.eml", b"")
    _write(tmp_path / "full.eml")
    source = EmlFolderSource(tmp_path)
    assert [m.source_id for m in source.messages()] == ["full.eml"]
    assert [(p.source_id, p.reason) for p in source.problems] == [("empty.eml", "empty file")]


def test_missing_path_raises_before_yielding(tmp_path: Path) -> None:
    source = EmlFolderSource(tmp_path / "nope")
    with pytest.raises(SourceError, match="No such file or directory"):
        next(iter(source.messages()))
    assert source.estimate() is None


def test_unreadable_file_is_reported_and_import_continues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "a.eml", b"A")
    _write(tmp_path / "b.eml", b"B")
    _write(tmp_path / "c.eml", b"C")
    real_read = eml._read_regular_file

    def flaky_read(file: Path, inside: str | None) -> tuple[bytes, float]:
        if file.name == "b.eml":
            raise PermissionError(13, "Permission denied", str(file))
        return real_read(file, inside)

    monkeypatch.setattr(eml, "_read_regular_file", flaky_read)
    source = EmlFolderSource(tmp_path)
    assert [m.raw for m in source.messages()] == [b"A", b"C"]
    assert [(p.source_id, p.reason) for p in source.problems] == [("b.eml", "Permission denied")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_chmod_000_file_is_reported(tmp_path: Path) -> None:
    locked = _write(tmp_path / "locked.eml")
    _write(tmp_path / "open.eml")
    locked.chmod(0)
    try:
        source = EmlFolderSource(tmp_path)
        assert [m.source_id for m in source.messages()] == ["open.eml"]
        assert [p.source_id for p in source.problems] == ["locked.eml"]
    finally:
        locked.chmod(0o600)


def test_fifo_is_a_problem_and_a_dangling_link_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "gone.eml").symlink_to(tmp_path / "missing-target")
    os.mkfifo(tmp_path / "pipe.eml")
    _write(tmp_path / "real.eml")
    source = EmlFolderSource(tmp_path)
    assert [m.source_id for m in source.messages()] == ["real.eml"]
    assert [p.source_id for p in source.problems] == ["pipe.eml"]
    assert source.skipped.examples == {SKIP_LINK: ["gone.eml"]}


def test_links_never_read_what_lies_outside_the_folder(tmp_path: Path) -> None:
    secret = _write(tmp_path / "outside" / "secret", b"root:x:0:0")
    root = tmp_path / "mail"
    _write(root / "real.eml", b"R")
    (root / "shadow.eml").symlink_to(secret)
    (root / "environ.eml").symlink_to("/proc/self/environ")
    (root / "alias.eml").symlink_to(root / "real.eml")
    plain = EmlFolderSource(root)
    assert [m.raw for m in plain.messages()] == [b"R"]
    assert sorted(plain.skipped.examples[SKIP_LINK]) == ["alias.eml", "environ.eml", "shadow.eml"]
    followed = EmlFolderSource(root, follow_links=True)
    assert [(m.source_id, m.raw) for m in followed.messages()] == [
        ("alias.eml", b"R"),
        ("real.eml", b"R"),
    ]
    assert sorted(followed.skipped.examples[SKIP_OUTSIDE]) == ["environ.eml", "shadow.eml"]


def test_a_link_swapped_in_after_the_walk_is_not_read(tmp_path: Path) -> None:
    secret = _write(tmp_path / "secret", b"s")
    root = tmp_path / "mail"
    victim = _write(root / "a.eml", b"A")
    source = EmlFolderSource(root)
    messages = source._files(report=True)
    found = next(messages)
    victim.unlink()
    victim.symlink_to(secret)
    assert source._read(found) is None
    assert [p.source_id for p in source.problems] == ["a.eml"]


def test_a_folder_swapped_for_a_link_after_the_walk_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside / "b.eml", b"secret")
    root = tmp_path / "mail"
    _write(root / "sub" / "a.eml", b"A")
    _write(root / "sub" / "b.eml", b"B")
    source = EmlFolderSource(root, recursive=True)
    messages = source.messages()
    assert next(messages).raw == b"A"  # sub was listed: a.eml, b.eml
    (root / "sub").rename(root / "sub.old")
    (root / "sub").symlink_to(outside)
    assert list(messages) == []
    [problem] = source.problems
    assert problem.source_id == "sub/b.eml" and "outside the imported folder" in problem.reason


def test_files_of_other_extensions_are_counted_with_their_names(tmp_path: Path) -> None:
    _write(tmp_path / "a.eml")
    for name in ("b.txt", "1700000000.M1P2.host:2,S", "c.txt"):
        _write(tmp_path / name)
    source = EmlFolderSource(tmp_path)
    assert [m.source_id for m in source.messages()] == ["a.eml"]
    assert source.skipped.counts == {SKIP_EXTENSION: 3}
    assert source.skipped.examples[SKIP_EXTENSION] == ["1700000000.M1P2.host:2,S", "b.txt", "c.txt"]
    assert source.estimate() == 1 and source.skipped.total == 3  # counting does not report
    everything = EmlFolderSource(tmp_path, extensions=("",))
    assert len(list(everything.messages())) == 4 and everything.skipped.total == 0


def test_id_prefix_applies_to_messages_and_problems(tmp_path: Path) -> None:
    _write(tmp_path / "x" / "a.eml")
    _write(tmp_path / "x" / "empty.eml", b"")
    source = EmlFolderSource(tmp_path, recursive=True, id_prefix="alice/")
    assert [m.source_id for m in source.messages()] == ["alice/x/a.eml"]
    assert [p.source_id for p in source.problems] == ["alice/x/empty.eml"]
