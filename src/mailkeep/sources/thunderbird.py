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
    Maildir-format accounts and accounts stored outside the profile are not found.
    ``estimate()`` is the total size of all mailbox files (``estimate_unit == "bytes"``).
    """

    estimate_unit = "bytes"

    def __init__(self, profile_dir: Path) -> None:
        self.profile_dir = profile_dir
        self.problems: list[SourceProblem] = []
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
            source_name = path.relative_to(self.profile_dir).as_posix()
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
        found: list[tuple[str, Path]] = []
        for account, directory in self._accounts(report):
            found.extend(self._walk(directory, account, report))
        return found

    def _accounts(self, report: bool) -> list[tuple[str, Path]]:
        root = self.profile_dir
        containers = [root / name for name in _ACCOUNT_CONTAINERS if (root / name).is_dir()]
        if containers:
            return [(d.name, d) for c in containers for d in self._subdirs(c, report)]
        if any(_is_mailbox(entry) for entry in self._entries(root, report)):
            return [(root.name, root)]
        return [(d.name, d) for d in self._subdirs(root, report)]

    def _walk(self, directory: Path, folder: str, report: bool) -> Iterator[tuple[str, Path]]:
        """Mailboxes in ``directory``, each followed by the subfolders in its ``.sbd``."""
        entries = self._entries(directory, report)
        mailboxes = {entry.name for entry in entries if _is_mailbox(entry)}
        subfolders = {e.name[:-4] for e in entries if e.name.endswith(".sbd") and e.is_dir()}
        for name in sorted(mailboxes | subfolders):
            if name in mailboxes:
                yield join_folder(folder, name), directory / name
            if name in subfolders:
                yield from self._walk(directory / f"{name}.sbd", join_folder(folder, name), report)

    def _subdirs(self, directory: Path, report: bool) -> list[Path]:
        return [
            entry
            for entry in self._entries(directory, report)
            if entry.is_dir() and not entry.name.startswith(".")
        ]

    def _entries(self, directory: Path, report: bool) -> list[Path]:
        try:
            return sorted(directory.iterdir())
        except OSError as error:
            if report:
                rel = directory.relative_to(self.profile_dir).as_posix()
                self.problems.append(SourceProblem(rel, os_reason(error)))
            return []


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
