"""Building a replacement index beside the one in use, and swapping it in atomically.

A rebuild writes the new index into ``<index>.rebuild`` while searches keep using ``<index>``;
only when it is complete does it take ``<index>``'s place, in one ``renameat2(RENAME_EXCHANGE)``
where the file system has it (Linux: ext4, XFS, Btrfs, tmpfs, overlayfs), else two renames with
a completion marker. A crash at any point leaves a complete index at ``<index>`` (the old one or
the new one) once ``settle`` has run, which the store's writer does before it opens the index.
Every function here must be called by the holder of the store's writer lock.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
# Written into the new index once it is complete: only a complete index may replace another.
COMPLETE_FILE = "mailkeep-index-complete"


def aside_of(live: Path) -> Path:
    """Where the replacement of the index in ``live`` is built."""
    return live.with_name(f"{live.name}.rebuild")


def retired_of(live: Path) -> Path:
    """Where the replaced index waits to be deleted (two-rename swap only)."""
    return live.with_name(f"{live.name}.old")


def fresh_aside(live: Path) -> Path:
    """An empty directory to build the replacement in (a half-built one is discarded)."""
    aside = aside_of(live)
    shutil.rmtree(aside, ignore_errors=True)
    aside.mkdir(mode=0o700, parents=True)
    return aside


def mark_complete(aside: Path) -> None:
    """Record that the index in ``aside`` is complete and committed."""
    marker = aside / COMPLETE_FILE
    marker.touch()
    _fsync(marker)
    _fsync(aside)


def swap_in(live: Path, aside: Path) -> None:
    """Put the complete index in ``aside`` in the place of ``live`` and delete the old one."""
    if live.exists() and _exchange(aside, live):
        _fsync(live.parent)
        shutil.rmtree(aside)  # now the old index
    else:
        retired = retired_of(live)
        if live.exists():
            live.rename(retired)
        aside.rename(live)
        _fsync(live.parent)
        shutil.rmtree(retired, ignore_errors=True)
    (live / COMPLETE_FILE).unlink(missing_ok=True)


def settle(live: Path) -> None:
    """Finish or undo a swap a crash interrupted, and delete what a rebuild left behind."""
    aside, retired = aside_of(live), retired_of(live)
    if not live.exists():
        if (aside / COMPLETE_FILE).exists():
            aside.rename(live)
        elif retired.exists():
            retired.rename(live)
        if live.parent.exists():
            _fsync(live.parent)
    (live / COMPLETE_FILE).unlink(missing_ok=True)
    for leftover in (aside, retired):
        shutil.rmtree(leftover, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories atomically; False where the system or file system cannot."""
    rename = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if rename is None:
        return False
    if rename(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
