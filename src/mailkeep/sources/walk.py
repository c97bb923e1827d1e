"""Walking a folder tree in a fixed order, with memory bounded however large a folder is.

A folder exported from a mail system can hold a million files. Their names are sorted so an
import always runs in the same order, but they are never all held at once: names are sorted in
runs of ``SORT_RUN`` and the runs beyond the first are kept in temporary files and merged.
"""

from __future__ import annotations

import heapq
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from mailkeep.sources.base import os_reason

SORT_RUN = 50_000  # names sorted in memory at once (a few MB)
_READ_SIZE = 1 << 16  # per spilled run, while merging

OnError = Callable[[str, str], None]  # (relative path, reason)


def walk_files(
    root: Path, recursive: bool, on_error: OnError, *, ordered: bool = True
) -> Iterator[tuple[str, Path]]:
    """Yield ``(relative directory, file path)`` for non-directory entries below ``root``.

    With ``ordered`` (the default), a directory's files come sorted by name, then its
    subdirectories sorted by name, depth first; without it, in the order the file system lists
    them (cheaper, for counting). The relative directory is ``/``-separated ("" for the root
    itself). Symbolic links to directories are not followed. A directory that cannot be listed
    is reported through ``on_error(relative path, reason)`` and skipped.
    """
    pending = [(root, "")]
    while pending:
        directory, rel_dir = pending.pop()
        names = _NameRuns()
        subdirs: list[str] = []
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    if _is_dir(entry):
                        if recursive and not entry.is_symlink():
                            subdirs.append(entry.name)
                    elif ordered:
                        names.add(entry.name)
                    else:
                        yield rel_dir, directory / entry.name
        except OSError as error:
            names.close()
            on_error(rel_dir, os_reason(error))
            continue
        for name in names.merged():
            yield rel_dir, directory / name
        subdirs.sort(reverse=True)  # popped from the end: visited in sorted order
        pending.extend((directory / name, _join(rel_dir, name)) for name in subdirs)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """A directory or a link to one (a broken entry counts as a file)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _join(rel_dir: str, name: str) -> str:
    return f"{rel_dir}/{name}" if rel_dir else name


def sorted_names(names: Iterable[str], run: int = SORT_RUN) -> Iterator[str]:
    """``names`` in sorted order, holding at most ``run`` of them in memory at a time."""
    runs = _NameRuns(run)
    for name in names:
        runs.add(name)
    yield from runs.merged()


class _NameRuns:
    """Collects names; full runs are sorted and spilled to temporary files, then merged."""

    def __init__(self, run: int | None = None) -> None:
        self._run = run or SORT_RUN
        self._current: list[str] = []
        self._spilled: list[IO[bytes]] = []

    def add(self, name: str) -> None:
        self._current.append(name)
        if len(self._current) >= self._run:
            self._spill()

    def _spill(self) -> None:
        self._current.sort()
        spill = tempfile.TemporaryFile(prefix="mailkeep-names-")  # noqa: SIM115 (closed in merged)
        # File names cannot contain NUL; fsencode gives back undecodable names byte for byte.
        spill.write(b"\0".join(os.fsencode(name) for name in self._current))
        spill.seek(0)
        self._spilled.append(spill)
        self._current = []

    def merged(self) -> Iterator[str]:
        """Every name added, sorted; the temporary files are closed at the end."""
        self._current.sort()
        try:
            if not self._spilled:
                yield from self._current
                return
            yield from heapq.merge(self._current, *(_read_run(f) for f in self._spilled))
        finally:
            self.close()

    def close(self) -> None:
        for spill in self._spilled:
            spill.close()
        self._spilled, self._current = [], []


def _read_run(spill: IO[bytes]) -> Iterator[str]:
    """The names of one spilled run, read a piece at a time."""
    rest = b""
    while chunk := spill.read(_READ_SIZE):
        *names, rest = (rest + chunk).split(b"\0")
        yield from (os.fsdecode(name) for name in names)
    yield os.fsdecode(rest)
