"""Swapping a rebuilt index in, and settling every state a crash can leave behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailkeep.index import aside


def _index(path: Path, name: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "meta.json").write_text(name)
    return path


def _holds(path: Path) -> str:
    return (path / "meta.json").read_text()


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_swap_in_replaces_the_live_index_and_leaves_nothing_behind(
    tmp_path: Path, exchange: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not exchange:  # a file system without RENAME_EXCHANGE (NFS, older kernels)
        monkeypatch.setattr(aside, "_exchange", lambda _a, _b: False)
    live = _index(tmp_path / "index", "old")
    built = aside.fresh_aside(live)
    _index(built, "new")
    aside.mark_complete(built)
    aside.swap_in(live, built)
    assert _holds(live) == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]
    assert not (live / aside.COMPLETE_FILE).exists()


def test_fresh_aside_discards_a_half_built_index(tmp_path: Path) -> None:
    live = _index(tmp_path / "index", "old")
    _index(aside.aside_of(live), "half")
    assert list(aside.fresh_aside(live).iterdir()) == []


def test_settle_after_a_crash_between_the_two_renames(tmp_path: Path) -> None:
    live = tmp_path / "index"
    _index(aside.retired_of(live), "old")
    built = _index(aside.aside_of(live), "new")
    aside.mark_complete(built)
    aside.settle(live)
    assert _holds(live) == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_settle_puts_the_old_index_back_when_the_new_one_is_incomplete(tmp_path: Path) -> None:
    live = tmp_path / "index"
    _index(aside.retired_of(live), "old")
    _index(aside.aside_of(live), "half")
    aside.settle(live)
    assert _holds(live) == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_settle_keeps_the_live_index_and_drops_a_half_built_one(tmp_path: Path) -> None:
    live = _index(tmp_path / "index", "old")
    _index(aside.aside_of(live), "half")
    aside.settle(live)
    assert _holds(live) == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]
    aside.settle(tmp_path / "never-created")  # a store without an index yet: nothing to do
