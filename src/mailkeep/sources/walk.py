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
from typing import IO, NamedTuple

from mailkeep.sources.base import os_reason
from mailkeep.sources.tree import LinkPolicy, directory_key

SORT_RUN = 50_000  # names sorted in memory at once (a few MB)
_READ_SIZE = 1 << 16  # per spilled run, while merging

OnError = Callable[[str, str], None]  # (relative path, reason)


class WalkedFile(NamedTuple):
    """A file found by :func:`walk_files`."""

    rel_dir: str  # ``/``-separated directory relative to the root ("" for the root itself)
    name: str  # the entry's name in that directory (a followed link's own name)
    path: Path  # what to open: the entry, or a followed link's resolved target


def walk_files(
    root: Path,
    recursive: bool,
    on_error: OnError,
    *,
    ordered: bool = True,
    links: LinkPolicy | None = None,
) -> Iterator[WalkedFile]:
    """Yield every non-directory entry below ``root`` as a :class:`WalkedFile`.

    With ``ordered`` (the default), a directory's files come sorted by name, then its
    subdirectories sorted by name, depth first; without it, in the order the file system lists
    them (cheaper, for counting). Symbolic links (to files or folders) are handled by ``links``:
    by default skipped (and reported to its ``skipped``); when it follows them, only targets
    inside ``root`` are used, and a link to a folder that contains it is skipped. A directory
    that cannot be listed is reported through ``on_error(relative path, reason)`` and skipped.
    """
    links = links or LinkPolicy(root, follow=False, skipped=None)
    # Followed links can lead back up the tree: each folder knows the folders above it.
    ancestors: frozenset[tuple[int, int]] = frozenset()
    if links.follow:
        ancestors = frozenset({directory_key(root)})
    pending = [(root, "", ancestors)]
    while pending:
        directory, rel_dir, above = pending.pop()
        listing = _Listing(directory, rel_dir, links, recursive)
        try:
            yield from listing.files(ordered)
        except OSError as error:
            on_error(rel_dir, os_reason(error))
            continue
        for name, path in reversed(listing.subdirs()):  # popped from the end: sorted order
            rel = _join(rel_dir, name)
            if not links.follow:
                pending.append((path, rel, above))
                continue
            try:
                key = directory_key(path)
            except OSError as error:  # removed while walking
                on_error(rel, os_reason(error))
                continue
            if key in above:
                links.skip_loop(rel)
            else:
                pending.append((path, rel, above | {key}))


class _Listing:
    """One directory's entries: files yielded while listing (sorted in bounded memory when
    ordered), subfolders collected for the walk to visit after them."""

    def __init__(self, directory: Path, rel_dir: str, links: LinkPolicy, recursive: bool) -> None:
        self._directory, self._rel_dir = directory, rel_dir
        self._links, self._recursive = links, recursive
        self._subdirs: list[tuple[str, Path]] = []
        self._targets: dict[str, Path] = {}  # followed links to files: name -> target

    def files(self, ordered: bool) -> Iterator[WalkedFile]:
        names = _NameRuns()
        try:
            with os.scandir(self._directory) as entries:
                for entry in entries:
                    path = self._file(entry)
                    if path is None:
                        continue
                    if ordered:
                        names.add(entry.name)
                    else:
                        yield WalkedFile(self._rel_dir, entry.name, path)
        except OSError:
            names.close()
            raise
        for name in names.merged():
            yield WalkedFile(self._rel_dir, name, self._targets.get(name, self._directory / name))

    def subdirs(self) -> list[tuple[str, Path]]:
        return sorted(self._subdirs)

    def _file(self, entry: os.DirEntry[str]) -> Path | None:
        """The path to read for a file entry; None for a folder (collected) or a skipped link."""
        path = self._directory / entry.name
        if entry.is_symlink():
            target = self._links.admit(path, _join(self._rel_dir, entry.name))
            if target is None:
                return None
            if not target.is_dir():
                self._targets[entry.name] = target
                return target
            path = target
        elif not _is_dir(entry):
            return path
        if self._recursive:
            self._subdirs.append((entry.name, path))
        return None


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """A directory (not following links; an entry that cannot be examined counts as a file)."""
    try:
        return entry.is_dir(follow_symlinks=False)
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
