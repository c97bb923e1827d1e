"""The dashboard's cache of store-wide figures and its grouping of mail by year."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from mailkeep.access.statistics import EARLIEST_YEAR, _Expiring, mail_growth


def test_an_expired_value_is_served_while_it_is_recomputed() -> None:
    release = threading.Event()
    values: Iterator[int] = iter([1, 2])

    def compute() -> int:
        value = next(values)
        if value == 2:
            release.wait(10)  # a slow scan of a large archive
        return value

    cached = _Expiring(compute, ttl=0)
    assert cached.get() == 1  # the first caller waits for the first value
    assert cached.get() == 1  # expired: the old value at once, a refresh in the background
    release.set()
    deadline = time.monotonic() + 10
    while cached.get() != 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cached.get() == 2


def test_a_failing_refresh_keeps_the_old_value(caplog: pytest.LogCaptureFixture) -> None:
    calls = [0]

    def compute() -> int:
        calls[0] += 1
        if calls[0] > 1:
            raise OSError("store unreachable")
        return 7

    cached = _Expiring(compute, ttl=0)
    assert cached.get() == 7 and cached.get() == 7
    deadline = time.monotonic() + 10
    while "refreshing" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cached.get() == 7 and "store unreachable" in caplog.text


class _Catalog:
    def __init__(self, days: dict[int | None, tuple[int, int]]) -> None:
        self.days = days

    def per_day_by_mail_date(self) -> dict[int | None, tuple[int, int]]:
        return self.days


class _Stores:
    def __init__(self, *catalogs: _Catalog) -> None:
        self.stores = [type("Store", (), {"catalog": c})() for c in catalogs]

    def open_stores(self) -> Iterator[Any]:
        return iter(self.stores)


def _day(year: int, month: int = 6) -> int:
    return (date(year, month, 1) - date(1970, 1, 1)).days


def test_growth_combines_stores_by_year_and_sets_broken_dates_apart() -> None:
    first = _Catalog({_day(2019): (3, 300), _day(2021, 1): (1, 100), None: (2, 50)})
    second = _Catalog({_day(2021, 12): (4, 400), _day(1901): (5, 5), 10**9: (1, 1)})
    growth = mail_growth(_Stores(first, second), date(2023, 3, 1))  # type: ignore[arg-type]
    assert [(y.year, y.messages, y.bytes, y.cumulative_bytes) for y in growth.years] == [
        (2019, 3, 300, 300), (2020, 0, 0, 300), (2021, 5, 500, 800),
        (2022, 0, 0, 800), (2023, 0, 0, 800),
    ]  # fmt: skip
    assert (growth.undated, growth.implausible, growth.dated) == (2, 6, 8)
    assert EARLIEST_YEAR == 1980
