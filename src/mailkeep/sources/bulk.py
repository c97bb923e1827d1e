"""Import many users at once from a directory holding one subfolder per user.

``root/alice/...`` goes to the archive of user ``alice``, ``root/bob/...`` to ``bob``, and so on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
from mailkeep.sources.tree import LinkPolicy, SkippedFiles
from mailkeep.sources.walk import walk_files

BulkFormat = Literal["eml", "mbox"]


def discover_user_folders(root: Path, links: LinkPolicy | None = None) -> list[tuple[str, Path]]:
    """Each immediate, non-hidden subfolder of ``root`` as ``(user name, path)``, sorted by name.

    A user folder that is a symbolic link is used only as ``links`` allows (by default never).
    Raises :class:`SourceError` when ``root`` is missing, not a directory or unreadable.
    """
    if not root.is_dir():
        raise SourceError(f"No such directory: {root}", path=str(root))
    links = links or LinkPolicy(root, follow=False, skipped=None)
    try:
        entries = sorted(root.iterdir())
    except OSError as error:
        raise SourceError(f"Cannot read {root}: {os_reason(error)}", path=str(root)) from None
    found = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = links.admit(entry, entry.name) if entry.is_symlink() else entry
        if path is not None and path.is_dir():
            found.append((entry.name, path))
    return found


class BulkSource:
    """Every user's messages, each tagged with ``archive=<user name>``.

    * ``fmt="eml"``: each user folder is read as a recursive :class:`EmlFolderSource` (files
      ending with one of ``extensions``; subfolders become archive folders).
      ``estimate_unit == "messages"``.
    * ``fmt="mbox"``: every non-hidden file in the user folder (recursively) is read as an mbox;
      ``sub/Work.mbox`` becomes archive folder ``sub/Work`` (the file's stem under its
      directories). A file that is not an mbox is reported in ``problems``, not skipped silently.
      ``estimate_unit == "bytes"`` and ``bytes_read`` tracks progress.

    ``archives`` maps a user folder's name to that user's archive (the names differ when the
    user's name was taken by an archive kept after a deletion); by default they are the same.
    Symbolic links are skipped unless ``follow_links`` (then followed inside ``root`` only);
    they and files of other extensions are counted in ``skipped``. ``source_id`` values (and
    skipped names) are prefixed with ``"<user>/"`` so they are unique across users. Users
    are visited in sorted order; :func:`discover_user_folders` errors are raised as
    :class:`SourceError` on the first ``next()``.
    """

    def __init__(
        self,
        root: Path,
        fmt: BulkFormat,
        *,
        extensions: tuple[str, ...] = (".eml",),
        follow_links: bool = False,
        archives: Mapping[str, str] | None = None,
    ) -> None:
        if fmt not in ("eml", "mbox"):
            raise ValueError(f"unknown bulk import format: {fmt!r}")
        self.root = root
        self.fmt: BulkFormat = fmt
        self.extensions = extensions
        self.follow_links = follow_links
        self.archives = archives or {}
        self.estimate_unit = "messages" if fmt == "eml" else "bytes"
        self.problems: list[SourceProblem] = []
        self.skipped = SkippedFiles()
        self.bytes_read = 0

    def users(self, report: bool = False) -> list[tuple[str, Path]]:
        """``(user name, folder)`` for each user folder, sorted (see discover_user_folders)."""
        links = LinkPolicy(self.root, self.follow_links, self.skipped if report else None)
        return discover_user_folders(self.root, links)

    def estimate(self) -> int | None:
        """Total matching EML files, or total mbox bytes; None when the root cannot be read."""
        try:
            users = self.users()
        except SourceError:
            return None
        total = 0
        for user, path in users:
            if self.fmt == "eml":
                total += self._eml_source(user, path).estimate() or 0
            else:
                sources = self._mbox_files(user, path, report=False)
                total += sum(source.estimate() or 0 for source in sources)
        return total

    def messages(self) -> Iterator[SourceMessage]:
        """Yield every user's messages, user by user."""
        self.bytes_read = 0
        for user, path in self.users(report=True):
            if self.fmt == "eml":
                source = self._eml_source(user, path)
                source.problems = self.problems
                source.skipped = self.skipped
                archive = self.archives.get(user, user)
                for message in source.messages():
                    yield replace(message, archive=archive)
            else:
                yield from self._user_mboxes(user, path)

    def _eml_source(self, user: str, path: Path) -> EmlFolderSource:
        return EmlFolderSource(
            path,
            recursive=True,
            extensions=self.extensions,
            id_prefix=f"{user}/",
            follow_links=self.follow_links,
        )

    def _user_mboxes(self, user: str, path: Path) -> Iterator[SourceMessage]:
        archive = self.archives.get(user, user)
        for source in self._mbox_files(user, path):
            source.problems = self.problems
            done = self.bytes_read
            try:
                for message in source.messages():
                    self.bytes_read = done + source.bytes_read
                    yield replace(message, archive=archive)
            except SourceError as error:
                self.problems.append(SourceProblem(source.source_name, error.message))
            self.bytes_read = done + (source.estimate() or 0)

    def _mbox_files(self, user: str, path: Path, report: bool = True) -> list[MboxSource]:
        def on_error(rel: str, reason: str) -> None:
            if report:
                self.problems.append(SourceProblem(f"{user}/{rel}", reason))

        skipped = self.skipped if report else None
        links = LinkPolicy(path, self.follow_links, skipped, prefix=f"{user}/")
        return [
            MboxSource(
                found.path,
                folder=join_folder(found.rel_dir, Path(found.name).stem),
                source_name=f"{user}/{join_folder(found.rel_dir, found.name)}",
            )
            for found in walk_files(path, recursive=True, on_error=on_error, links=links)
            if not found.name.startswith(".") and not _in_hidden_dir(found.rel_dir)
        ]


def _in_hidden_dir(rel_dir: str) -> bool:
    return any(part.startswith(".") for part in rel_dir.split("/"))
