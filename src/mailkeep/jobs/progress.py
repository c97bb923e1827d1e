"""How far a running job has got: messages read, the source's estimate, rate and ETA.

Updated by the import pipeline's writer thread after each batch and read by the dashboard,
so one snapshot is taken under a lock rather than field by field.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class ProgressSnapshot:
    """A running job as the dashboard shows it."""

    profile: str
    started_at: datetime
    seen: int
    total: int | None
    unit: str  # what ``done`` and ``total`` count: "messages" or "bytes"
    done: int
    elapsed_seconds: float
    mailboxes: int = 0  # mailboxes the job reads one after another (0: one source)
    mailbox: int = 0  # the one being read (1-based; 0 before the first)

    @property
    def share(self) -> float | None:
        """Fraction done (0..1): by the source's estimate of its size or, for a job over many
        mailboxes, by the mailboxes finished; None when neither is known."""
        if self.total:
            return min(1.0, self.done / self.total)
        if self.mailboxes > 1:
            return max(0, self.mailbox - 1) / self.mailboxes
        return None

    @property
    def rate(self) -> float:
        """Messages per second so far."""
        return self.seen / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the rate so far; None while unknown."""
        share = self.share
        if share is None or share <= 0 or self.elapsed_seconds <= 0:
            return None
        return self.elapsed_seconds * (1 - share) / share


@dataclass
class JobProgress:
    """The live counters of one job."""

    profile: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    total: int | None = None
    unit: str = "messages"
    _started: float = field(default_factory=time.monotonic)
    _seen: int = 0
    _done: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _mailboxes: int = 0
    _mailbox: Callable[[], int] = lambda: 0

    def follow_mailboxes(self, count: int, current: Callable[[], int]) -> None:
        """Measure progress by mailboxes too: ``current()`` is the one being read (1-based)."""
        self._mailboxes, self._mailbox = count, current

    def update(self, seen: int, done: int) -> None:
        """The import pipeline's progress callback: (messages seen, messages or bytes done)."""
        with self._lock:
            self._seen = seen
            self._done = done if self.unit == "bytes" else seen

    def snapshot(self) -> ProgressSnapshot:
        """The counters now."""
        with self._lock:
            seen, done = self._seen, self._done
        elapsed = time.monotonic() - self._started
        return ProgressSnapshot(
            self.profile, self.started_at, seen, self.total, self.unit, done, elapsed,
            self._mailboxes, self._mailbox(),
        )  # fmt: skip
