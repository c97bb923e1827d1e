"""walk_files and sorted_names: a fixed order, with at most one run of names in memory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailkeep.sources import walk
from mailkeep.sources.tree import (
    EXAMPLES,
    SKIP_LINK,
    SKIP_LOOP,
    SKIP_OUTSIDE,
    LinkPolicy,
    SkippedFiles,
)
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
        f"{found.rel_dir}|{found.path.relative_to(root).as_posix()}"
        for found in walk_files(root, recursive, fail, ordered=ordered)
    ]


EXPECTED = [
    "|a", "|b", "|c~", "|ä",
    "other|other/v", "other|other/w",
    "sub|sub/y", "sub|sub/z", "sub/deep|sub/deep/x",
]  # fmt: skip


@pytest.mark.parametrize("run", [1, 2, 50_000])
def test_files_sorted_then_subfolders_depth_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: int
) -> None:
    _tree(tmp_path)
    monkeypatch.setattr(walk, "SORT_RUN", run)
    assert _walked(tmp_path) == EXPECTED  # links (to folders, dangling) are not followed


def test_unordered_walk_yields_the_same_files(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert sorted(_walked(tmp_path, ordered=False)) == sorted(EXPECTED)


def test_not_recursive_reads_the_top_folder_only(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert _walked(tmp_path, recursive=False) == EXPECTED[:4]


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
    files = [found.name for found in walk_files(tmp_path, True, lambda *e: errors.append(e))]
    assert files == ["a", "b", "c~", "ä", "v", "w"]
    assert errors == [("sub", "Permission denied")]


def _linked_tree(tmp_path: Path) -> Path:
    """A root holding links to a file and a folder inside it, outside it, and back up to it."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "real").mkdir(parents=True)
    outside.mkdir()
    (root / "real" / "m.eml").write_bytes(b"x")
    (outside / "secret").write_bytes(b"s")
    (root / "inside.eml").symlink_to(root / "real" / "m.eml")
    (root / "shadow.eml").symlink_to(outside / "secret")
    (root / "up").symlink_to("..")  # relative, to the root's parent: outside
    (root / "real" / "loop").symlink_to("..")  # back to the root: a loop
    (root / "alias").symlink_to(root / "real")
    (root / "gone.eml").symlink_to(root / "nowhere")
    return root


def test_links_are_skipped_and_reported_by_default(tmp_path: Path) -> None:
    root = _linked_tree(tmp_path)
    skipped = SkippedFiles()
    links = LinkPolicy(root, follow=False, skipped=skipped)
    found = [(f.rel_dir, f.name) for f in walk_files(root, True, _no_error, links=links)]
    assert found == [("real", "m.eml")]
    assert skipped.counts == {SKIP_LINK: 6}
    assert sorted(skipped.examples[SKIP_LINK]) == [
        "alias", "gone.eml", "inside.eml", "real/loop", "shadow.eml", "up"
    ]  # fmt: skip


@pytest.mark.parametrize("ordered", [True, False])
def test_followed_links_stay_inside_the_root(tmp_path: Path, ordered: bool) -> None:
    root = _linked_tree(tmp_path)
    skipped = SkippedFiles()
    links = LinkPolicy(root, follow=True, skipped=skipped)
    walked = walk_files(root, True, _no_error, ordered=ordered, links=links)
    found = sorted((f.rel_dir, f.name, f.path) for f in walked)
    real = (root / "real" / "m.eml").resolve()
    assert found == [("", "inside.eml", real), ("alias", "m.eml", real), ("real", "m.eml", real)]
    assert sorted(skipped.examples[SKIP_OUTSIDE]) == ["gone.eml", "shadow.eml", "up"]
    assert sorted(skipped.examples[SKIP_LOOP]) == ["alias/loop", "real/loop"]


def test_skipped_names_are_bounded_however_many_there_are() -> None:
    skipped = SkippedFiles()
    for n in range(1000):
        skipped.add(SKIP_LINK, f"{n}.eml")
    assert skipped.total == 1000 and len(skipped.examples[SKIP_LINK]) == EXAMPLES


def _no_error(rel: str, reason: str) -> None:
    raise AssertionError(f"{rel}: {reason}")
