"""Logon throttling, shared by web access and the administration API.

Three rules over a sliding window of 15 minutes, checked before any password is (argon2 is slow
on purpose, and each check is a guess):

- one user name from one client address: past ``web.login_failures_per_account`` failures,
  further attempts from that address are refused (429);
- one client address, whatever the names: past ``web.login_failures_per_address`` failures it
  is refused (password spraying);
- one user name from anywhere: past the same per-account number, every attempt waits first, twice
  as long for each further failure, up to ``web.login_delay_max_seconds``. This rule slows a
  guesser who has many addresses but never locks the account: the right password from another
  address still logs on, so an attacker cannot lock an administrator or monitoring out.

An attempt reserves its place under the lock *before* the password is checked, and the
reservation counts like a failure until its outcome is known. Parallel guesses therefore cannot
all pass the check before the first one is counted.
"""

from __future__ import annotations

import asyncio
import enum
import threading
import time
import unicodedata
import weakref
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from mailkeep.runtime import Runtime

WINDOW_SECONDS = 15 * 60
PURGE_SECONDS = 60
NAME_LIMIT = 256  # longer names are no user's; the key stays small whatever a client sends
FIRST_DELAY_SECONDS = 1.0
R = TypeVar("R")
Outcome = Literal["failed", "succeeded", "released"]


@dataclass(frozen=True)
class ThrottleLimits:
    """The limits in force (read from the settings at every attempt, so changes apply)."""

    per_account: int
    per_address: int
    max_delay: float


def account_key(name: str) -> str:
    """The name as the client sent it, compared the way user names are (NFC + casefold)."""
    return unicodedata.normalize("NFC", name[:NAME_LIMIT]).casefold()


class LoginThrottle:
    """Sliding-window failure counters and in-flight reservations (in this process)."""

    def __init__(
        self,
        limits: Callable[[], ThrottleLimits],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._pending: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._swept = clock()

    def _recent(self, key: str) -> int:
        """Failures within the window plus attempts still being checked (call under the lock)."""
        times = self._failures.get(key)
        cutoff = self._clock() - WINDOW_SECONDS
        while times and times[0] < cutoff:
            times.popleft()
        if times is not None and not times:
            del self._failures[key]
        return (len(times) if times else 0) + self._pending[key]

    def _forget_old(self) -> None:
        """Drop counters whose failures have all left the window (call under the lock), so
        names and addresses seen once do not stay in memory."""
        now = self._clock()
        if now - self._swept < PURGE_SECONDS:
            return
        self._swept = now
        cutoff = now - WINDOW_SECONDS
        for key in [k for k, times in self._failures.items() if not times or times[-1] < cutoff]:
            del self._failures[key]

    def reserve(self, account: str, address: str) -> LogonAttempt | None:
        """A reserved attempt (with the wait owed before checking), or None when refused."""
        limits = self._limits()
        keys = _keys(account, address)
        with self._lock:
            self._forget_old()
            pair, by_address, by_account = (self._recent(key) for key in keys)
            if pair >= limits.per_account or by_address >= limits.per_address:
                return None
            for key in keys:
                self._pending[key] += 1
        excess = min(by_account - limits.per_account, 32)  # 2.0**1100 would overflow
        delay = 0.0 if excess < 0 else min(limits.max_delay, FIRST_DELAY_SECONDS * 2.0**excess)
        return LogonAttempt(self, keys, delay)

    def _settle(self, keys: tuple[str, ...], outcome: Outcome) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                self._pending[key] -= 1
                if self._pending[key] <= 0:
                    del self._pending[key]
            if outcome == "failed":
                for key in keys:
                    self._failures[key].append(now)
            elif outcome == "succeeded":
                self._failures.pop(keys[0], None)  # the pair only: a guesser keeps their count


def _keys(account: str, address: str) -> tuple[str, str, str]:
    name = account_key(account)
    return (f"p:{name}\0{address}", f"a:{address}", f"u:{name}")


class LogonAttempt:
    """One reserved attempt: say :meth:`failed` or :meth:`succeeded`; leaving the ``with``
    block without either (a refusal that is not a wrong password, an error) releases it."""

    def __init__(self, throttle: LoginThrottle, keys: tuple[str, ...], delay: float) -> None:
        self._throttle = throttle
        self._keys = keys
        self.delay = delay
        self._settled = False

    def _settle(self, outcome: Outcome) -> None:
        if not self._settled:
            self._settled = True
            self._throttle._settle(self._keys, outcome)

    def failed(self) -> None:
        """The password was wrong (or the logon refused): counts against every rule."""
        self._settle("failed")

    def succeeded(self) -> None:
        """The logon succeeded: clears the failures of this name from this address."""
        self._settle("succeeded")

    def __enter__(self) -> LogonAttempt:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._settle("released")


class Refusal(enum.Enum):
    """What :func:`throttled` answers instead of running the check."""

    THROTTLED = "throttled"


THROTTLED = Refusal.THROTTLED


async def throttled(
    throttle: LoginThrottle, account: str, address: str, check: Callable[[LogonAttempt], R]
) -> R | Literal[Refusal.THROTTLED]:
    """Run ``check`` (blocking: in a worker thread) within a reserved attempt, after the wait
    the per-account rule asks for; THROTTLED when the throttle refuses the attempt. The wait is
    spent here, in the event loop, so waiting guessers do not occupy worker threads."""
    attempt = throttle.reserve(account, address)
    if attempt is None:
        return THROTTLED
    with attempt:
        if attempt.delay:
            await asyncio.sleep(attempt.delay)
        return await run_in_threadpool(check, attempt)


def limits_from(setting: Callable[[str], Any]) -> Callable[[], ThrottleLimits]:
    """The throttle limits from the ``web.login_*`` settings, read at every attempt."""

    def read() -> ThrottleLimits:
        return ThrottleLimits(
            setting("web.login_failures_per_account"),
            setting("web.login_failures_per_address"),
            setting("web.login_delay_max_seconds"),
        )

    return read


_SHARED: weakref.WeakKeyDictionary[Runtime, LoginThrottle] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def shared_throttle(runtime: Runtime) -> LoginThrottle:
    """The one throttle of a runtime: web access and the API count the same failures, so a
    guesser gains nothing by switching between them."""
    with _SHARED_LOCK:
        found = _SHARED.get(runtime)
        if found is None:
            found = _SHARED[runtime] = LoginThrottle(limits_from(runtime.setting))
        return found
