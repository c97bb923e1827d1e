"""A full disk, met as an administrator meets it: the real CLI on a data directory whose
filesystem fills up during an import. It says "disk full" (text and ``--json``), reports what it
archived, loses nothing, and the next import after space is freed completes the archive."""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import build_message
from tests.integration.test_cli import mk, mkjson

MESSAGES = 600


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB tmpfs (the disk that fills up); it can be grown with ``_grow``."""
    if not _can_mount():
        pytest.skip("needs root to mount a small tmpfs")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], check=False
    )
    if done.returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _grow(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=True)


def _folder_of_messages(root: Path) -> Path:
    """Messages with bodies that barely compress, so a few MiB fill the disk."""
    folder = root / "mail"
    folder.mkdir()
    noise = random.Random(7)
    for n in range(MESSAGES):
        body = base64.encodebytes(noise.randbytes(4500)).decode()
        text = f"zebrafish reference {n}\n\n{body}"
        (folder / f"{n:04}.eml").write_bytes(build_message(n, body=text))
    return folder


def test_import_on_a_full_disk_says_so_and_loses_nothing(small_disk: Path, tmp_path: Path) -> None:
    data = small_disk / "data"
    mk(data, "init")
    folder = _folder_of_messages(tmp_path)

    full = mk(data, "import", "eml", str(folder), "--user", "admin", "--json", ok=None)
    assert full.returncode == 1
    err = full.stderr.decode()
    assert "Disk full" in err
    assert "internal error" not in err
    assert "Traceback" not in err
    report = json.loads(full.stdout)
    assert "Disk full" in report["aborted"]
    first = report["archived"]
    assert 0 < first < MESSAGES
    assert mkjson(data, "folders") == {"admin": first}

    _grow(small_disk)
    second = mkjson(data, "import", "eml", str(folder), "--user", "admin")
    assert second["failed"] == 0
    assert second["archived"] + second["duplicates"] == MESSAGES
    assert second["duplicates"] == first  # every message reported archived was kept
    found = mkjson(data, "search", "zebrafish", "--user", "admin", "--limit", "1000")
    assert len(found) == MESSAGES  # the index caught up with what it missed
    assert mkjson(data, "store", "verify")["ok"] is True


def test_json_run_that_cannot_start_for_a_full_disk_prints_the_error_as_json(
    small_disk: Path,
) -> None:
    data = small_disk / "data"
    mk(data, "init")
    filler = small_disk / "filler"
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True, check=False
    )
    proc = mk(data, "user", "create", "bob", "--json", ok=None)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr.decode()
    error = json.loads(proc.stdout)
    # SQLite reports its journal write on a full disk as an I/O error, without an errno.
    assert error["error"] in ("disk_full", "disk_io")
    assert "df" in error["message"] or "Free space" in error["message"]
