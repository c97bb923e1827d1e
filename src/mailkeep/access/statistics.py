"""Archive-wide statistics for the administrators' dashboard: messages and size per user
archive, growth by the messages' own dates, free disk space.

Each open store aggregates in SQL (see ``store/catalog/statistics.py``) and the results are
combined here. Those aggregates scan every entry (about a second per million on SQLite), so
:class:`DashboardStatistics` keeps them for a short while instead of rescanning per page view.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Generic, TypeVar

from mailkeep.master.models import StoreRecord
from mailkeep.runtime import Runtime
from mailkeep.store.registry import StoreRegistry

log = logging.getLogger("mailkeep.web")
_EPOCH = date(1970, 1, 1)
EARLIEST_YEAR = 1980  # a Date before this is a broken header, not an old message

T = TypeVar("T")


@dataclass(frozen=True)
class ArchiveTotal:
    """One user archive across every open store."""

    archive: str
    messages: int
    bytes: int


@dataclass(frozen=True)
class YearGrowth:
    """Mail dated in one year, and the size of everything dated up to its end."""

    year: int
    messages: int
    bytes: int
    cumulative_bytes: int


@dataclass(frozen=True)
class Growth:
    """The archive by the messages' own dates, one entry per year from the first to now."""

    years: list[YearGrowth]
    undated: int  # messages without a readable Date header
    implausible: int  # dated before EARLIEST_YEAR or after next year: a wrong Date header

    @property
    def dated(self) -> int:
        """Messages shown in ``years``."""
        return sum(y.messages for y in self.years)


@dataclass(frozen=True)
class DiskSpace:
    """Free space of the file system holding some of mailkeep's directories."""

    label: str
    path: str
    total: int
    free: int
    error: str = ""

    @property
    def used_share(self) -> float:
        """Fraction of the file system in use (0..1)."""
        return 1 - self.free / self.total if self.total else 0.0


def archive_totals(stores: StoreRegistry) -> dict[str, tuple[int, int]]:
    """{user archive: (messages, bytes)} over every open store."""
    totals: dict[str, tuple[int, int]] = {}
    for store in stores.open_stores():
        for archive, (messages, size) in store.catalog.archive_totals().items():
            before = totals.get(archive, (0, 0))
            totals[archive] = (before[0] + messages, before[1] + size)
    return totals


def mail_growth(stores: StoreRegistry, today: date) -> Growth:
    """Messages and bytes per year of the messages' Date, over every open store."""
    messages: Counter[int] = Counter()
    sizes: Counter[int] = Counter()
    undated = implausible = 0
    for store in stores.open_stores():
        for day, (count, size) in store.catalog.per_day_by_mail_date().items():
            year = _year_of(day)
            if year is None:
                undated += count
            elif not EARLIEST_YEAR <= year <= today.year + 1:
                implausible += count
            else:
                messages[year] += count
                sizes[year] += size
    if not messages:
        return Growth([], undated, implausible)
    years, cumulative = [], 0
    for year in range(min(messages), max(*messages, today.year) + 1):
        cumulative += sizes[year]
        years.append(YearGrowth(year, messages[year], sizes[year], cumulative))
    return Growth(years, undated, implausible)


def _year_of(day: int | None) -> int | None:
    if day is None:
        return None
    try:
        return (_EPOCH + timedelta(days=day)).year
    except OverflowError:  # a Date far outside what datetime can hold
        return 0


def disk_space(runtime: Runtime, records: list[StoreRecord]) -> list[DiskSpace]:
    """Free space where the data directory and each store's parts are, one row per file
    system and store (parts of a store on the same file system share a row)."""
    rows = [_space("Data directory", runtime.data_dir)]
    for record in records:
        parts = {"content": record.content_path, "index": record.index_path}
        if record.metadata_path:
            parts["catalog"] = record.metadata_path
        by_device: dict[int, list[tuple[str, str]]] = {}
        for part, path in parts.items():
            by_device.setdefault(_device(Path(path)), []).append((part, path))
        for shared in by_device.values():
            label = f"Store {record.id} {record.name}: {', '.join(p for p, _ in shared)}"
            rows.append(_space(label, Path(shared[0][1])))
    return rows


def _device(path: Path) -> int:
    try:
        return path.stat().st_dev
    except OSError:
        return -1


def _space(label: str, path: Path) -> DiskSpace:
    try:
        usage = shutil.disk_usage(path)
    except OSError as exc:
        return DiskSpace(label, str(path), 0, 0, exc.strerror or type(exc).__name__)
    return DiskSpace(label, str(path), usage.total, usage.free)


class _Expiring(Generic[T]):
    """One value recomputed when older than ``ttl`` seconds. Only the first caller waits for
    it; later callers get the value they had while a background thread recomputes an expired
    one, so no page view pays for a scan of a large archive once the first has."""

    def __init__(self, compute: Callable[[], T], ttl: float) -> None:
        self._compute = compute
        self._ttl = ttl
        self._value: tuple[float, T] | None = None
        self._refreshing = False
        self._lock = threading.Lock()
        self._first = threading.Lock()  # one computation of the first value at a time

    def get(self) -> T:
        with self._lock:
            known = self._value
            if known is not None:
                if time.monotonic() - known[0] >= self._ttl and not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh, daemon=True).start()
                return known[1]
        with self._first:
            if self._value is None:
                self._value = (time.monotonic(), self._compute())
            return self._value[1]

    def _refresh(self) -> None:
        try:
            fresh = (time.monotonic(), self._compute())
            with self._lock:
                self._value = fresh
        except Exception:  # the page keeps the figures it has; the next expiry tries again
            log.exception("refreshing the dashboard's statistics failed")
        finally:
            with self._lock:
                self._refreshing = False


class DashboardStatistics:
    """The store-wide aggregates of the dashboard, each refreshed when older than ``ttl``
    seconds: figures may lag behind archiving by that much (plus one computation), which a
    page of trends and totals can afford."""

    def __init__(self, stores: StoreRegistry, ttl: float = 60.0) -> None:
        self._archives = _Expiring(lambda: archive_totals(stores), ttl)
        self._growth = _Expiring(lambda: mail_growth(stores, date.today()), ttl)

    def archives(self) -> dict[str, tuple[int, int]]:
        """As :func:`archive_totals`, cached."""
        return self._archives.get()

    def growth(self) -> Growth:
        """As :func:`mail_growth` up to today, cached."""
        return self._growth.get()
