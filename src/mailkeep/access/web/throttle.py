"""Login throttling: too many recent failures for one user name or one client address refuse
further attempts for a while, before any password is checked (argon2 is slow on purpose)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

WINDOW_SECONDS = 15 * 60


class LoginThrottle:
    """Sliding-window failure counters per account and per address (in this process)."""

    def __init__(
        self,
        limits: Callable[[], tuple[int, int]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = limits  # (per account, per address), read at each check: settings apply
        self._clock = clock
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str) -> int:
        times = self._failures[key]
        cutoff = self._clock() - WINDOW_SECONDS
        while times and times[0] < cutoff:
            times.popleft()
        if not times:
            del self._failures[key]
            return 0
        return len(times)

    def blocked(self, account: str, address: str) -> bool:
        """True when either counter has reached its limit."""
        per_account, per_address = self._limits()
        with self._lock:
            return (
                self._recent("u:" + account.lower()) >= per_account
                or self._recent("a:" + address) >= per_address
            )

    def failed(self, account: str, address: str) -> None:
        """Count one failed attempt against both the account and the address."""
        now = self._clock()
        with self._lock:
            self._failures["u:" + account.lower()].append(now)
            self._failures["a:" + address].append(now)

    def succeeded(self, account: str) -> None:
        """A successful logon clears the account's counter (not the address's)."""
        with self._lock:
            self._failures.pop("u:" + account.lower(), None)
