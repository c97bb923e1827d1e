"""Import many users at once from a directory holding one subfolder per user.

``root/alice/...`` goes to the archive of user ``alice``, ``root/bob/...`` to ``bob``, and so on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Literal

from mailkeep.sources.base import (
    SourceError,
    SourceMessage,
    SourceProblem,
    join_folder,
    os_reason,
)
from mailkeep.sources.eml import EmlFolderSource
from mailkeep.sources.mbox import MboxSource
from mailkeep.sources.walk import walk_files

BulkFormat = Literal["eml", "mbox"]


def discover_user_folders(root: Path) -> list[tuple[str, Path]]:
    """Each immediate, non-hidden subfolder of ``root`` as ``(user name, path)``, sorted by name.

    Raises :class:`SourceError` when ``root`` is missing, not a directory or unreadable.
    """
    if not root.is_dir():
        raise SourceError(f"No such directory: {root}", path=str(root))
    try:
        entries = list(root.iterdir())
    except OSError as error:
        raise SourceError(f"Cannot read {root}: {os_reason(error)}", path=str(root)) from None
    return sorted(
        (entry.name, entry)
        for entry in entries
        if entry.is_dir() and not entry.name.startswith(".")
    )


class BulkSource:
    """Every user's messages, each tagged with ``archive=<user name>``.

    * ``fmt="eml"``: each user folder is read as a recursive :class:`EmlFolderSource` (``.eml``
      files; subfolders become archive folders). ``estimate_unit == "messages"``.
    * ``fmt="mbox"``: every non-hidden file in the user folder (recursively) is read as an mbox;
      ``sub/Work.mbox`` becomes archive folder ``sub/Work`` (the file's stem under its
      directories). A file that is not an mbox is reported in ``problems``, not skipped silently.
      ``estimate_unit == "bytes"`` and ``bytes_read`` tracks progress.

    ``source_id`` values are prefixed with ``"<user>/"`` so they are unique across users. Users
    are visited in sorted order; :func:`discover_user_folders` errors are raised as
    :class:`SourceError` on the first ``next()``.
    """

    def __init__(self, root: Path, fmt: BulkFormat) -> None:
        if fmt not in ("eml", "mbox"):
            raise ValueError(f"unknown bulk import format: {fmt!r}")
        self.root = root
        self.fmt: BulkFormat = fmt
        self.estimate_unit = "messages" if fmt == "eml" else "bytes"
        self.problems: list[SourceProblem] = []
        self.bytes_read = 0

    def estimate(self) -> int | None:
        """Total matching EML files, or total mbox bytes; None when the root cannot be read."""
        try:
            users = discover_user_folders(self.root)
        except SourceError:
            return None
        total = 0
        for user, path in users:
            if self.fmt == "eml":
                total += EmlFolderSource(path, recursive=True).estimate() or 0
            else:
                sources = self._mbox_files(user, path, report=False)
                total += sum(source.estimate() or 0 for source in sources)
        return total

    def messages(self) -> Iterator[SourceMessage]:
        """Yield every user's messages, user by user."""
        self.bytes_read = 0
        for user, path in discover_user_folders(self.root):
            if self.fmt == "eml":
                source = EmlFolderSource(path, recursive=True, id_prefix=f"{user}/")
                source.problems = self.problems
                for message in source.messages():
                    yield replace(message, archive=user)
            else:
                yield from self._user_mboxes(user, path)

    def _user_mboxes(self, user: str, path: Path) -> Iterator[SourceMessage]:
        for source in self._mbox_files(user, path):
            source.problems = self.problems
            done = self.bytes_read
            try:
                for message in source.messages():
                    self.bytes_read = done + source.bytes_read
                    yield replace(message, archive=user)
            except SourceError as error:
                self.problems.append(SourceProblem(source.source_name, error.message))
            self.bytes_read = done + (source.estimate() or 0)

    def _mbox_files(self, user: str, path: Path, report: bool = True) -> list[MboxSource]:
        def on_error(rel: str, reason: str) -> None:
            if report:
                self.problems.append(SourceProblem(f"{user}/{rel}", reason))

        return [
            MboxSource(
                file,
                folder=join_folder(rel_dir, file.stem),
                source_name=f"{user}/{join_folder(rel_dir, file.name)}",
            )
            for rel_dir, file in walk_files(path, recursive=True, on_error=on_error)
            if not file.name.startswith(".") and not _in_hidden_dir(rel_dir)
        ]


def _in_hidden_dir(rel_dir: str) -> bool:
    return any(part.startswith(".") for part in rel_dir.split("/"))
