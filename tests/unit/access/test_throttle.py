"""The logon throttle's rules, with a clock the test moves (the real-server attack is in
tests/integration/test_logon_throttle.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from mailkeep.access.web.throttle import (
    WINDOW_SECONDS,
    LoginThrottle,
    LogonAttempt,
    ThrottleLimits,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(
    per_account: int = 3, per_address: int = 10, max_delay: float = 8.0
) -> tuple[Clock, LoginThrottle]:
    clock = Clock()
    return clock, LoginThrottle(lambda: ThrottleLimits(per_account, per_address, max_delay), clock)


def fail(limiter: LoginThrottle, name: str, address: str) -> LogonAttempt | None:
    attempt = limiter.reserve(name, address)
    if attempt is not None:
        with attempt:
            attempt.failed()
    return attempt


def test_parallel_reservations_never_exceed_the_limit() -> None:
    limiter = LoginThrottle(lambda: ThrottleLimits(5, 100, 0.0))
    barrier = threading.Barrier(64)

    def reserve(_n: int) -> LogonAttempt | None:
        barrier.wait()
        return limiter.reserve("admin", "192.0.2.1")

    with ThreadPoolExecutor(64) as pool:
        granted = [a for a in pool.map(reserve, range(64)) if a is not None]
    assert len(granted) == 5  # held, not yet settled: they count as failures
    for attempt in granted:
        attempt.failed()
    assert limiter.reserve("admin", "192.0.2.1") is None


def test_a_pair_is_locked_but_the_account_only_slowed() -> None:
    clock, limiter = throttle()
    for _ in range(3):
        attempt = fail(limiter, "admin", "192.0.2.1")
        assert attempt is not None and attempt.delay == 0.0
    assert limiter.reserve("admin", "192.0.2.1") is None  # this pair is refused
    waits = []
    for n in range(2, 8):  # the same name from other addresses: each waits longer, capped
        attempt = fail(limiter, "admin", f"192.0.2.{n}")
        assert attempt is not None
        waits.append(attempt.delay)
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    right = limiter.reserve("ADMIN", "198.51.100.1")  # the owner: delayed, never refused
    assert right is not None and right.delay == 8.0
    with right:
        right.succeeded()
    clock.now += WINDOW_SECONDS + 1
    assert limiter.reserve("admin", "192.0.2.1") is not None  # the window has passed


def test_release_without_outcome_and_success_clear_only_what_they_should() -> None:
    _clock, limiter = throttle(per_account=2)
    for _ in range(5):  # e.g. right password without the privilege: neither failure nor logon
        attempt = limiter.reserve("alice", "192.0.2.1")
        assert attempt is not None
        with attempt:
            pass
    fail(limiter, "alice", "192.0.2.1")
    ok = limiter.reserve("alice", "192.0.2.1")
    assert ok is not None
    with ok:
        ok.succeeded()
    fail(limiter, "alice", "192.0.2.1")
    assert limiter.reserve("alice", "192.0.2.1") is not None  # success reset the pair


def test_address_limit_across_names_and_name_normalisation() -> None:
    _clock, limiter = throttle(per_account=3, per_address=4)
    for n in range(4):
        fail(limiter, f"user{n}", "192.0.2.9")
    assert limiter.reserve("someone", "192.0.2.9") is None  # password spraying
    for name in ("E\u0301lise", "ÉLISE", "élise"):  # decomposed, upper case, composed
        fail(limiter, name, "192.0.2.10")
    assert limiter.reserve("Élise", "192.0.2.10") is None


def test_old_counters_are_forgotten() -> None:
    clock, limiter = throttle()
    for n in range(50):
        fail(limiter, f"name{n}", f"192.0.2.{n}")
    clock.now += WINDOW_SECONDS + 120
    limiter.reserve("x", "192.0.2.200")
    assert len(limiter._failures) == 0


def test_the_delay_stays_capped_after_thousands_of_failures() -> None:
    _clock, limiter = throttle(per_account=3, per_address=10**6, max_delay=5.0)
    for n in range(1200):
        fail(limiter, "admin", f"10.{n // 250}.{n % 250}.1")
    attempt = limiter.reserve("admin", "192.0.2.77")
    assert attempt is not None and attempt.delay == 5.0
