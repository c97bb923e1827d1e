"""Where uploads wait to be archived: ``<data dir>/uploads/<process>/``, one folder per server
process, each holding an exclusive lock on its ``.lock`` file while the process lives.

An upload is removed when it is archived or fails, on every path. What a crash (kill -9, power
loss) leaves behind is found at the next start by :func:`sweep_uploads`: a folder whose lock
can be taken belongs to no running process, so nothing in it will ever be archived. Folders of
processes that still run (another server on the same data directory) are left alone.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("mailkeep.web.uploads")
LOCK_NAME = ".lock"


@dataclass(frozen=True)
class Swept:
    """What a sweep removed."""

    files: int
    bytes: int


class UploadSpool:
    """This process's upload folder, created (and locked) on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folder: Path | None = None
        self._guard = threading.Lock()

    def _own_folder(self) -> Path:
        with self._guard:
            if self._folder is None:
                self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
                folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=self.root))
                lock = os.open(folder / LOCK_NAME, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # new folder: always free
                # Held while the spool lives (the process, for a server); freed with it.
                weakref.finalize(self, os.close, lock)
                self._folder = folder
            return self._folder

    def new_file(self) -> tuple[int, Path]:
        """A new empty file for one upload (descriptor and path); the caller removes it."""
        handle, name = tempfile.mkstemp(prefix="upload-", dir=self._own_folder())
        return handle, Path(name)


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


def _abandoned(folder: Path) -> bool:
    """True when no living process holds the folder's lock (or it has none)."""
    try:
        with (folder / LOCK_NAME).open("rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except FileNotFoundError:
        return True
    except OSError:
        return False  # locked: its process is alive
    return True


def sweep_uploads(root: Path) -> Swept:
    """Remove uploads no running process will archive (call before serving)."""
    files = size = 0
    if not root.is_dir():
        return Swept(0, 0)
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            if not _abandoned(entry):
                continue
            for top, _dirs, names in os.walk(entry):  # never follows links
                found = [Path(top, name) for name in names if name != LOCK_NAME]
                files, size = files + len(found), size + sum(map(_size, found))
            shutil.rmtree(entry, ignore_errors=True)
        else:  # a loose file (the layout before per-process folders) or a stray link
            files, size = files + 1, size + _size(entry)
            entry.unlink(missing_ok=True)
    if files:
        log.warning(
            "removed uploads left by a crash",
            extra={"fields": {"event": "uploads.swept", "files": files, "bytes": size}},
        )
    return Swept(files, size)
