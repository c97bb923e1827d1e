"""What a mailbox source remembers between runs, and the readable protocol of a run.

Incremental sources (IMAP, POP3) keep a *sync ledger*: for each mailbox and folder the
UIDVALIDITY seen last and, per message UID (or POP3 UIDL), the SHA-256 of the bytes that were
archived and the user archives that hold them. A message enters the ledger only after the
archive confirmed it durable, so a crashed or failed run never hides a message from the next
run, and deletion at the source only ever considers messages in the ledger.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

Level = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class SeenMessage:
    """One message a previous run archived from a mailbox folder."""

    uid: str
    sha256: str  # hex of the archived bytes
    archives: tuple[str, ...]
    date: datetime | None = None


@dataclass
class FolderState:
    """A folder's ledger: its UIDVALIDITY (0 for POP3) and the messages archived from it."""

    uidvalidity: int
    messages: dict[str, SeenMessage] = field(default_factory=dict)


class SyncLedger(Protocol):
    """Durable per-profile sync state (the master database in production)."""

    def folder(self, mailbox: str, folder: str) -> FolderState | None:
        """The folder's state, or None if nothing was archived from it yet."""
        ...

    def folders(self, mailbox: str) -> dict[str, FolderState]:
        """Every folder of a mailbox with state."""
        ...

    def reset(self, mailbox: str, folder: str, uidvalidity: int) -> None:
        """Forget a folder's messages (its UIDVALIDITY changed)."""
        ...

    def record(self, mailbox: str, folder: str, uidvalidity: int, seen: SeenMessage) -> None:
        """Remember a durably archived message (may be buffered until ``flush``)."""
        ...

    def forget(self, mailbox: str, folder: str, uids: list[str]) -> None:
        """Drop messages that left the folder (moved or deleted at the source)."""
        ...

    def flush(self) -> None:
        """Make buffered records durable."""
        ...


class MemoryLedger:
    """A ledger in memory: for tests and one-off runs."""

    def __init__(self) -> None:
        self._state: dict[tuple[str, str], FolderState] = {}
        self._lock = threading.Lock()

    def folder(self, mailbox: str, folder: str) -> FolderState | None:
        with self._lock:
            state = self._state.get((mailbox, folder))
            return None if state is None else FolderState(state.uidvalidity, dict(state.messages))

    def folders(self, mailbox: str) -> dict[str, FolderState]:
        with self._lock:
            names = [f for m, f in self._state if m == mailbox]
        return {name: state for name in names if (state := self.folder(mailbox, name))}

    def reset(self, mailbox: str, folder: str, uidvalidity: int) -> None:
        with self._lock:
            self._state[(mailbox, folder)] = FolderState(uidvalidity)

    def record(self, mailbox: str, folder: str, uidvalidity: int, seen: SeenMessage) -> None:
        with self._lock:
            state = self._state.setdefault((mailbox, folder), FolderState(uidvalidity))
            if state.uidvalidity != uidvalidity:
                return  # a late confirmation from before a reset
            state.messages[seen.uid] = seen

    def forget(self, mailbox: str, folder: str, uids: list[str]) -> None:
        with self._lock:
            state = self._state.get((mailbox, folder))
            for uid in uids if state else ():
                assert state is not None
                state.messages.pop(uid, None)

    def flush(self) -> None:
        """Nothing to do: memory is all there is."""


@dataclass
class FolderTally:
    """Counts for one mailbox folder in a job's protocol."""

    found: int = 0
    new: int = 0
    archived: int = 0
    duplicates: int = 0
    failed: int = 0
    deleted: int = 0
    moved: int = 0


class RunProtocol:
    """The readable protocol of one run: notes and counts per mailbox and folder.

    Thread-safe: the pipeline's writer thread confirms messages while the reader thread reads.
    """

    def __init__(self) -> None:
        self.entries: list[dict[str, str]] = []
        self.tallies: dict[tuple[str, str], FolderTally] = {}
        self._lock = threading.Lock()

    def note(self, mailbox: str, folder: str, level: Level, text: str) -> None:
        """Add a line to the protocol."""
        with self._lock:
            self.entries.append(
                {"mailbox": mailbox, "folder": folder, "level": level, "message": text}
            )

    def tally(self, mailbox: str, folder: str) -> FolderTally:
        """The counters of one folder (created on first use)."""
        with self._lock:
            return self.tallies.setdefault((mailbox, folder), FolderTally())

    def count(self, mailbox: str, folder: str, name: str, n: int = 1) -> None:
        """Add ``n`` to one counter of a folder."""
        tally = self.tally(mailbox, folder)
        with self._lock:
            setattr(tally, name, getattr(tally, name) + n)

    def has(self, level: Level) -> bool:
        """Whether any entry has this level."""
        return any(e["level"] == level for e in self.entries)

    def as_list(self) -> list[dict[str, Any]]:
        """Notes, then one summary per folder."""
        summaries = [
            {"mailbox": mailbox, "folder": folder, "level": "info", **vars(tally)}
            for (mailbox, folder), tally in sorted(self.tallies.items())
        ]
        return [*self.entries, *summaries]
