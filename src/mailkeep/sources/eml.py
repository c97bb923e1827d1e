"""Import a single EML file or a folder (optionally a tree) of EML files.

Every regular file whose name ends with one of the configured extensions is archived as one
message, byte for byte. Subfolders of the root become archive folders when ``recursive`` is set.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from mailkeep.sources.base import (
    SourceError,
    SourceMessage,
    SourceProblem,
    join_folder,
    os_reason,
)
from mailkeep.sources.tree import SKIP_EXTENSION, LinkPolicy, SkippedFiles
from mailkeep.sources.walk import WalkedFile, walk_files


def _normalise_extension(extension: str) -> str:
    extension = extension.lower()
    if extension and not extension.startswith("."):
        return "." + extension
    return extension


class EmlFolderSource:
    """Messages from EML files: one file, or every matching file in a folder (tree).

    * ``path`` a file is archived as is, whatever its name; for a folder, every file whose name
      ends with one of ``extensions`` (case-insensitive; ``"eml"`` and ``".eml"`` both work; an
      empty string matches every file) is archived.
    * ``recursive``: subfolders are walked too, and a file in ``sub/sub2`` goes to archive folder
      ``folder/sub/sub2``. Without it only the folder's own files are read, all into ``folder``.
    * Order is sorted and deterministic (see :func:`walk_files`).
    * ``source_id`` is ``id_prefix`` + the file's ``/``-separated path relative to the root (the
      file name when ``path`` is a file); ``received`` is the file's mtime in UTC.
    * Only regular files inside the folder are read. Symbolic links are skipped unless
      ``follow_links`` is set, and then followed only to targets inside the folder (see
      :class:`~mailkeep.sources.tree.LinkPolicy`). Files of other extensions and skipped links
      are counted in ``skipped`` (by reason, with their first names); ``path`` itself may be a
      link (the caller named it).
    * Unreadable files, non-regular files (FIFOs, devices) and empty (0-byte) files are appended
      to ``problems`` and skipped; unlistable subfolders likewise.
    * A missing ``path`` raises :class:`SourceError` on the first ``next()``.

    ``estimate()`` counts matching files (``estimate_unit == "messages"``).
    """

    estimate_unit = "messages"

    def __init__(
        self,
        path: Path,
        recursive: bool = False,
        extensions: tuple[str, ...] = (".eml",),
        folder: str = "",
        *,
        id_prefix: str = "",
        follow_links: bool = False,
    ) -> None:
        self.path = path
        self.recursive = recursive
        self.extensions = tuple(_normalise_extension(ext) for ext in extensions)
        self.folder = join_folder(folder)
        self.id_prefix = id_prefix
        self.follow_links = follow_links
        self.problems: list[SourceProblem] = []
        self.skipped = SkippedFiles()
        self._real_root = ""  # set when a folder is walked

    def messages(self) -> Iterator[SourceMessage]:
        """Yield one message per matching, readable, non-empty file."""
        for found in self._files(report=True):
            message = self._read(found)
            if message is not None:
                yield message

    def estimate(self) -> int | None:
        """The number of matching files, or None when the path cannot be read."""
        try:
            return sum(1 for _ in self._files(report=False, ordered=False))
        except SourceError:
            return None

    def _files(self, report: bool, ordered: bool = True) -> Iterator[WalkedFile]:
        if not self.path.exists():
            raise SourceError(f"No such file or directory: {self.path}", path=str(self.path))
        if not self.path.is_dir():
            yield WalkedFile("", self.path.name, self.path)
            return

        def on_error(rel: str, reason: str) -> None:
            if report:
                self.problems.append(SourceProblem(self.id_prefix + rel, reason))

        skipped = self.skipped if report else None
        self._real_root = str(self.path.resolve()).rstrip("/") + "/"
        links = LinkPolicy(self.path, self.follow_links, skipped, self.id_prefix)
        walk = walk_files(self.path, self.recursive, on_error, ordered=ordered, links=links)
        for found in walk:
            if self._matches(found.name):
                yield found
            elif skipped is not None:
                skipped.add(SKIP_EXTENSION, self.id_prefix + join_folder(found.rel_dir, found.name))

    def _matches(self, name: str) -> bool:
        return name.lower().endswith(self.extensions)  # one C call, run for every file

    def _read(self, found: WalkedFile) -> SourceMessage | None:
        source_id = self.id_prefix + join_folder(found.rel_dir, found.name)
        # A file named as the path itself is read wherever it is; a walked one must be inside.
        inside = None if found.path == self.path else self._real_root
        try:
            raw, mtime = _read_regular_file(found.path, inside)
        except OSError as error:
            self.problems.append(SourceProblem(source_id, os_reason(error)))
            return None
        if not raw:
            self.problems.append(SourceProblem(source_id, "empty file"))
            return None
        return SourceMessage(
            raw=raw,
            folder=join_folder(self.folder, found.rel_dir),
            source_id=source_id,
            received=datetime.fromtimestamp(mtime, tz=UTC),
        )


def _read_regular_file(file: Path, inside: str | None) -> tuple[bytes, float]:
    """The bytes and mtime of a regular file; OSError for anything else.

    With ``inside`` (a resolved folder ending in ``/``), the file must not be a link and must
    turn out, once open, to lie inside that folder: a link swapped in for the file or for a
    folder above it after the walk checked them is refused, not read. Opened non-blocking, so
    a FIFO never blocks the import; one open, one fstat and a read to end of file (pathlib's
    stat + open + buffered read cost twice as much per file).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (os.O_NOFOLLOW if inside else 0)
    fd = os.open(file, flags)
    try:
        if inside is not None and not _opened_inside(fd, inside):
            raise OSError(f"{file.name} lies outside the imported folder (a link was swapped in)")
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"not a regular file: {file.name}")
        return _read_to_end(fd, info.st_size), info.st_mtime
    finally:
        os.close(fd)


def _opened_inside(fd: int, root: str) -> bool:
    """Whether the file open as ``fd`` lies inside ``root`` (resolved, ending in ``/``), by the
    kernel's own record of its path (``/proc/self/fd``); where there is no such record, the
    walk's checks stand alone."""
    try:
        opened = os.readlink(f"/proc/self/fd/{fd}")  # noqa: PTH115 (a str: pathlib costs 4x)
    except OSError:
        return True
    return opened.startswith(root)


def _read_to_end(fd: int, expected: int) -> bytes:
    """Everything left in ``fd``: the size ``fstat`` gave in one read, more if the file grew."""
    chunks = [os.read(fd, expected + 1)]
    while chunks[-1]:
        chunks.append(os.read(fd, 1 << 20))
    return chunks[0] if len(chunks) == 2 else b"".join(chunks)
