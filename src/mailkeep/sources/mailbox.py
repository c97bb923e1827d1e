"""The part every incremental mailbox source shares: confirmations from the archive.

A mailbox source yields messages, and the job hands each one back through ``confirm`` once the
archive holds it durably (archived now or already there). Only then does the message enter the
sync ledger; that is what makes reruns incremental and deletion at the source safe.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from mailkeep.sources.base import MessageSource, SourceMessage
from mailkeep.sources.sync import RunProtocol, SeenMessage, SyncLedger


class ConfirmableSource(MessageSource, Protocol):
    """A source that wants to know which of its messages the archive now holds."""

    protocol: RunProtocol

    def confirm(self, message: SourceMessage, sha256: bytes, duplicate: bool) -> None:
        """``message`` (as yielded) is durably in its user archive."""
        ...


@dataclass(frozen=True)
class Origin:
    """Where a yielded message came from, to record it in the ledger once confirmed."""

    mailbox: str
    folder: str
    uidvalidity: int
    uid: str
    date: datetime | None
    archives: tuple[str, ...]


class LedgerConfirmations:
    """Tracks yielded messages until confirmed; records them in the ledger and the tallies."""

    def __init__(self, ledger: SyncLedger, protocol: RunProtocol) -> None:
        self.ledger = ledger
        self.protocol = protocol
        self._pending: dict[str, Origin] = {}
        self._lock = threading.Lock()
        self.confirmed: list[tuple[Origin, str, bool]] = []  # (origin, sha hex, duplicate)

    def expect(self, source_id: str, origin: Origin) -> None:
        """A message is about to be yielded."""
        with self._lock:
            self._pending[source_id] = origin

    def retarget(self, source_id: str, archives: tuple[str, ...]) -> None:
        """The message goes to these user archives (decided by a router after reading)."""
        with self._lock:
            if origin := self._pending.get(source_id):
                self._pending[source_id] = replace(origin, archives=archives)

    def confirm(self, source_id: str, sha256: bytes, duplicate: bool) -> None:
        """The archive holds the message: record it once."""
        with self._lock:
            origin = self._pending.pop(source_id, None)
        if origin is None:
            return
        sha = sha256.hex()
        seen = SeenMessage(origin.uid, sha, origin.archives, origin.date)
        self.ledger.record(origin.mailbox, origin.folder, origin.uidvalidity, seen)
        counter = "duplicates" if duplicate else "archived"
        self.protocol.count(origin.mailbox, origin.folder, counter)
        with self._lock:
            self.confirmed.append((origin, sha, duplicate))

    def unconfirmed(self) -> list[Origin]:
        """Messages yielded but never confirmed (failed, or the run stopped)."""
        with self._lock:
            return list(self._pending.values())
