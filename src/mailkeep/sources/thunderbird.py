"""Import the local mbox store of a Thunderbird or SeaMonkey profile.

Accepted starting points: a profile directory (holding ``Mail/`` and/or ``ImapMail/``), one of
those two directories (holding one directory per account), or a single account directory.
Each account directory's name becomes the top archive folder (``Local Folders``,
``imap.example.com``); a mailbox file ``X`` becomes ``Account/X`` and the mailboxes inside the
``X.sbd/`` directory become ``Account/X/...``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from mailkeep.sources.base import (
    SourceError,
    SourceMessage,
    SourceProblem,
    join_folder,
    os_reason,
)
from mailkeep.sources.mbox import MboxSource
from mailkeep.sources.tree import LinkPolicy, SkippedFiles, directory_key

_ACCOUNT_CONTAINERS = ("Mail", "ImapMail")
_NOT_MAILBOX_SUFFIXES = frozenset(
    {".msf", ".dat", ".json", ".sqlite", ".sqlite-wal", ".sqlite-shm", ".html", ".htm", ".js"}
    | {".txt", ".log", ".bak", ".tmp", ".mab", ".rdf", ".xml", ".ini", ".sbd", ".lock"}
)
_HEADER_END_RE = re.compile(rb"\r?\n\r?\n")
_STATUS_RE = re.compile(rb"^X-Mozilla-Status:[ \t]*([0-9A-Fa-f]{1,8})[ \t]*\r?$", re.M | re.I)
_EXPUNGED = 0x0008
_STATUS_FLAGS = (
    (0x0001, "\\Seen"),
    (0x0002, "\\Answered"),
    (0x0004, "\\Flagged"),
    (0x1000, "$Forwarded"),
)


def mozilla_status(raw: bytes) -> int | None:
    """The ``X-Mozilla-Status`` value from the message's header section, if present."""
    end = _HEADER_END_RE.search(raw)
    match = _STATUS_RE.search(raw, 0, end.start() if end else len(raw))
    return int(match[1], 16) if match else None


def _flags(status: int) -> frozenset[str]:
    return frozenset(flag for bit, flag in _STATUS_FLAGS if status & bit)


def _is_mailbox(file: Path) -> bool:
    """A file Thunderbird keeps messages in: it has a ``.msf`` summary, or starts ``From ``."""
    if file.suffix.lower() in _NOT_MAILBOX_SUFFIXES or not file.is_file():
        return False
    if file.with_name(file.name + ".msf").exists():
        return True
    try:
        with file.open("rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


class ThunderbirdSource:
    """Messages from every mbox of a Thunderbird/SeaMonkey profile, account by account.

    Mailbox files are those with a sibling ``.msf`` or whose first bytes are ``From ``; summary
    files, filter rules, logs, databases and other profile files are skipped. Each mailbox is
    read with :class:`MboxSource`; ``source_id`` is ``"<path relative to profile_dir>:<offset>"``.

    Messages Thunderbird marked deleted but has not compacted away (``X-Mozilla-Status`` with bit
    0x0008) are skipped and counted in ``skipped_deleted``. The read/replied/flagged/forwarded bits
    become the flags ``\\Seen``, ``\\Answered``, ``\\Flagged`` and ``$Forwarded``.

    A missing ``profile_dir`` raises :class:`SourceError` on the first ``next()``; unreadable
    directories and mailbox files that are not mbox files are appended to ``problems``.
    Symbolic links in the profile are skipped unless ``follow_links`` (then followed only to
    targets inside the profile) and counted in ``skipped``.
    Maildir-format accounts and accounts stored outside the profile are not found.
    ``estimate()`` is the total size of all mailbox files (``estimate_unit == "bytes"``).
    """

    estimate_unit = "bytes"

    def __init__(self, profile_dir: Path, *, follow_links: bool = False) -> None:
        self.profile_dir = profile_dir
        self.follow_links = follow_links
        self.problems: list[SourceProblem] = []
        self.skipped = SkippedFiles()
        self._links = LinkPolicy(profile_dir, follow_links, None)
        self.bytes_read = 0
        self.skipped_deleted = 0

    def estimate(self) -> int | None:
        """The total size in bytes of the mailbox files found, or None if the profile is missing."""
        try:
            return sum(_size(path) for _, path in self.mailboxes(report=False))
        except SourceError:
            return None

    def messages(self) -> Iterator[SourceMessage]:
        """Yield every live message of every mailbox, accounts and folders in sorted order."""
        self.bytes_read = 0
        done = 0
        for folder, path in self.mailboxes():
            source_name = self._relative(path)
            mbox = MboxSource(path, folder, source_name=source_name)
            mbox.problems = self.problems
            try:
                for message in mbox.messages():
                    self.bytes_read = done + mbox.bytes_read
                    status = mozilla_status(message.raw)
                    if status is None:
                        yield message
                    elif status & _EXPUNGED:
                        self.skipped_deleted += 1
                    else:
                        yield replace(message, flags=message.flags | _flags(status))
            except SourceError as error:
                self.problems.append(SourceProblem(source_name, error.message))
            done += _size(path)
            self.bytes_read = done

    def mailboxes(self, report: bool = True) -> list[tuple[str, Path]]:
        """Every ``(archive folder, mailbox file)`` of the profile, in sorted order."""
        if not self.profile_dir.is_dir():
            raise SourceError(
                f"No such file or directory: {self.profile_dir}", path=str(self.profile_dir)
            )
        self._links = LinkPolicy(self.profile_dir, self.follow_links, self._report(report))
        found: list[tuple[str, Path]] = []
        for account, directory in self._accounts(report):
            found.extend(self._walk(directory, account, report, _key(directory)))
        return found

    def _report(self, report: bool) -> SkippedFiles | None:
        return self.skipped if report else None

    def _relative(self, path: Path) -> str:
        """``path`` relative to the profile (a followed link's target: to the resolved one)."""
        for root in (self.profile_dir, self.profile_dir.resolve()):
            if path.is_relative_to(root):
                return path.relative_to(root).as_posix()
        return path.as_posix()

    def _accounts(self, report: bool) -> list[tuple[str, Path]]:
        top = self._entries(self.profile_dir, report)
        containers = [top[n] for n in _ACCOUNT_CONTAINERS if n in top and top[n].is_dir()]
        if containers:
            return [pair for c in containers for pair in _dirs(self._entries(c, report))]
        if any(_is_mailbox(path) for path in top.values()):
            return [(self.profile_dir.name, self.profile_dir)]
        return _dirs(top)

    def _walk(
        self, directory: Path, folder: str, report: bool, above: frozenset[tuple[int, int]]
    ) -> Iterator[tuple[str, Path]]:
        """Mailboxes in ``directory``, each followed by the subfolders in its ``.sbd``
        (``above``: the ``.sbd`` folders that contain it, so a followed link cannot loop)."""
        entries = self._entries(directory, report)
        mailboxes = {name for name, path in entries.items() if _is_mailbox(path)}
        subfolders = {n[:-4] for n, path in entries.items() if n.endswith(".sbd") and path.is_dir()}
        for name in sorted(mailboxes | subfolders):
            if name in mailboxes:
                yield join_folder(folder, name), entries[name]
            if name not in subfolders:
                continue
            sbd = entries[f"{name}.sbd"]
            key = directory_key(sbd)
            if key in above:
                self._links.skip_loop(self._relative(directory / f"{name}.sbd"))
            else:
                yield from self._walk(sbd, join_folder(folder, name), report, above | {key})

    def _entries(self, directory: Path, report: bool) -> dict[str, Path]:
        """Name -> path of each entry of ``directory``, sorted by name; a link only as the
        link policy admits it (its path is then the link's target)."""
        try:
            entries = sorted(directory.iterdir())
        except OSError as error:
            if report:
                self.problems.append(SourceProblem(self._relative(directory), os_reason(error)))
            return {}
        admitted = {}
        for entry in entries:
            path = self._links.admit(entry, self._relative(entry)) if entry.is_symlink() else entry
            if path is not None:
                admitted[entry.name] = path
        return admitted


def _dirs(entries: dict[str, Path]) -> list[tuple[str, Path]]:
    """The non-hidden folders among ``entries``, as ``(name, path)``."""
    return [(n, path) for n, path in entries.items() if path.is_dir() and not n.startswith(".")]


def _key(directory: Path) -> frozenset[tuple[int, int]]:
    return frozenset({directory_key(directory)})


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
