"""walk_files and sorted_names: a fixed order, with at most one run of names in memory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailkeep.sources import walk
from mailkeep.sources.walk import sorted_names, walk_files

NAME = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), min_size=1)
# Names that are not valid UTF-8 on disk come back from the file system surrogate-escaped.
UNDECODABLE = st.binary(min_size=1, max_size=8).filter(lambda b: b"\0" not in b).map(os.fsdecode)


@settings(max_examples=200, deadline=None)
@given(names=st.lists(NAME | UNDECODABLE, max_size=60), run=st.integers(1, 7))
def test_sorted_names_sorts_like_sorted_whatever_the_run_length(names: list[str], run: int) -> None:
    assert list(sorted_names(names, run)) == sorted(names)


def test_runs_beyond_the_first_are_spilled_and_their_files_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[object] = []
    real = walk.tempfile.TemporaryFile

    def tracked(*args: object, **kwargs: object) -> object:
        spill = real(*args, **kwargs)  # type: ignore[call-overload]
        opened.append(spill)
        return spill

    monkeypatch.setattr(walk.tempfile, "TemporaryFile", tracked)
    names = [f"{n:05d}.eml" for n in range(1000, 0, -7)]
    merged = sorted_names(names, run=10)
    assert next(merged) == "00006.eml"
    assert len(opened) == len(names) // 10
    merged.close()  # a consumer that stops early
    assert all(spill.closed for spill in opened)  # type: ignore[attr-defined]


def _tree(root: Path) -> None:
    for rel in ("b", "a", "c~", "ä", "sub/z", "sub/y", "sub/deep/x", "other/w", "other/v"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    (root / "link-to-sub").symlink_to(root / "sub")
    (root / "dangling").symlink_to(root / "nowhere")


def _walked(root: Path, recursive: bool = True, ordered: bool = True) -> list[str]:
    def fail(rel: str, reason: str) -> None:
        raise AssertionError(f"{rel}: {reason}")

    return [
        f"{rel}|{file.relative_to(root).as_posix()}"
        for rel, file in walk_files(root, recursive, fail, ordered=ordered)
    ]


EXPECTED = [
    "|a", "|b", "|c~", "|dangling", "|ä",
    "other|other/v", "other|other/w",
    "sub|sub/y", "sub|sub/z", "sub/deep|sub/deep/x",
]  # fmt: skip


@pytest.mark.parametrize("run", [1, 2, 50_000])
def test_files_sorted_then_subfolders_depth_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: int
) -> None:
    _tree(tmp_path)
    monkeypatch.setattr(walk, "SORT_RUN", run)
    assert _walked(tmp_path) == EXPECTED  # links to folders are not followed


def test_unordered_walk_yields_the_same_files(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert sorted(_walked(tmp_path, ordered=False)) == sorted(EXPECTED)


def test_not_recursive_reads_the_top_folder_only(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert _walked(tmp_path, recursive=False) == EXPECTED[:5]


def test_an_unlistable_folder_is_reported_and_the_walk_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    real = os.scandir

    def refuse_sub(path: Path) -> object:
        if Path(path).name == "sub":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(walk.os, "scandir", refuse_sub)
    errors: list[tuple[str, str]] = []
    files = [file.name for _rel, file in walk_files(tmp_path, True, lambda *e: errors.append(e))]
    assert files == ["a", "b", "c~", "dangling", "ä", "v", "w"]
    assert errors == [("sub", "Permission denied")]
