"""Prometheus metrics: instruments every part of mailkeep updates, and a collector that reads
archive statistics from the stores when scraped.

The instruments live in one process-wide registry; :func:`exposition` adds the per-runtime
store statistics (cached briefly: counting a large catalog on every scrape would be wasteful).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from prometheus_client import Metric

    from mailkeep.runtime import Runtime

INSTRUMENTS = CollectorRegistry(auto_describe=True)
API_CALLS = Counter(
    "mailkeep_api_calls",
    "Administration API calls by command and outcome.",
    ["command", "status"],
    registry=INSTRUMENTS,
)
SEARCH_SECONDS = Histogram(
    "mailkeep_search_seconds",
    "Time to answer one search across all archive stores.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=INSTRUMENTS,
)
STATS_TTL_SECONDS = 15.0


class StoreCollector(Collector):
    """Messages and bytes archived and the size of each archive store, read at scrape time."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._cached: tuple[float, list[Metric]] | None = None
        self._lock = threading.Lock()

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > STATS_TTL_SECONDS:
                self._cached = (time.monotonic(), self._families())
            return iter(self._cached[1])

    def _families(self) -> list[Metric]:
        from mailkeep.access.stores import store_info

        labels = ["store", "name", "state"]
        messages = GaugeMetricFamily(
            "mailkeep_archived_messages", "Messages held by each archive store.", labels=labels
        )
        raw = GaugeMetricFamily(
            "mailkeep_archived_bytes",
            "Original size of the messages held by each archive store.",
            labels=labels,
        )
        size = GaugeMetricFamily(
            "mailkeep_store_size_bytes",
            "Disk space of each archive store by part (content, metadata, index).",
            labels=[*labels, "part"],
        )
        for row in self._runtime.stores.records():
            if row.requested_state == "disabled":
                continue
            info = store_info(self._runtime, row)
            values = [str(row.id), row.name, row.requested_state]
            messages.add_metric(values, info["messages"])
            raw.add_metric(values, info["rawBytes"])
            size.add_metric([*values, "content"], info["storedBytes"])
            size.add_metric([*values, "metadata"], info["metadataBytes"])
            size.add_metric([*values, "index"], info["indexBytes"])
        return [messages, raw, size, *self._job_families()]

    def _job_families(self) -> list[Metric]:
        """Archiving job outcomes from the job results in the master database."""
        from sqlalchemy import func, select

        from mailkeep.master.models import JobResult

        jobs = GaugeMetricFamily(
            "mailkeep_job_results",
            "Archiving job runs recorded, by profile and status.",
            labels=["profile", "status"],
        )
        archived = GaugeMetricFamily(
            "mailkeep_job_archived_messages",
            "Messages archived by the recorded runs of each profile.",
            labels=["profile"],
        )
        query = select(
            JobResult.profile_name, JobResult.status, func.count(), func.sum(JobResult.archived)
        ).group_by(JobResult.profile_name, JobResult.status)
        totals: dict[str, int] = {}
        with self._runtime.sessions() as session:
            for profile, status, count, done in session.execute(query):
                jobs.add_metric([profile, status], int(count))
                totals[profile] = totals.get(profile, 0) + int(done or 0)
        for profile, done in totals.items():
            archived.add_metric([profile], done)
        return [jobs, archived]


def exposition(stores: CollectorRegistry) -> bytes:
    """The text exposition of the instruments followed by the store statistics."""
    return generate_latest(INSTRUMENTS) + generate_latest(stores)


def store_registry(runtime: Runtime) -> CollectorRegistry:
    """A registry holding the store statistics of one runtime."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(runtime))
    return registry
