"""The administrators' dashboard, their landing page: archive growth, user archives, running
work, recent failures, last verify per store, free disk space and recent events.

Administrators only (checked server-side by ``admin_visit``). Store-wide aggregates come
from the short-lived cache of ``access/statistics.py``; everything else is a bounded query.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailkeep.access.statistics import ArchiveTotal, disk_space
from mailkeep.access.web.context import WebContext, human_size, web
from mailkeep.access.web.dashboard_view import (
    NARROW_WIDTH,
    Chart,
    duration,
    event_view,
    failure_reason,
    growth_chart,
    when,
)
from mailkeep.access.web.guard import admin_visit
from mailkeep.access.web.tasks import Task
from mailkeep.errors import NotFoundError
from mailkeep.jobs.progress import ProgressSnapshot
from mailkeep.master.models import StoreRecord
from mailkeep.master.users import UserInfo
from mailkeep.numbers import path_number

FAILED = ("failed", "completedWithErrors")
ROUTINE_EVENTS = ("api.called",)  # every monitoring poll records one
VERIFY_STALE = timedelta(days=31)
SORTS = {
    "archive": lambda a: a.archive.lower(),
    "messages": lambda a: (a.messages, a.archive.lower()),
    "size": lambda a: (a.bytes, a.archive.lower()),
}


@dataclass(frozen=True)
class ArchiveSort:
    """How the user archive table is sorted (from ``?sort=&order=``)."""

    key: str = "messages"
    descending: bool = True

    @classmethod
    def parse(cls, params: Any) -> ArchiveSort:
        key = str(params.get("sort", "messages"))
        if key not in SORTS:
            return cls()
        default = "asc" if key == "archive" else "desc"
        return cls(key, str(params.get("order", default)) != "asc")

    def href(self, key: str) -> str:
        """The header link: the other direction when already sorted by ``key``."""
        if key == self.key:
            order = "asc" if self.descending else "desc"
        else:
            order = "asc" if key == "archive" else "desc"
        return f"/admin?sort={key}&order={order}#archives"

    def aria(self, key: str) -> str:
        """The ``aria-sort`` value of a header."""
        if key != self.key:
            return "none"
        return "descending" if self.descending else "ascending"


@dataclass(frozen=True)
class RunningWork:
    """A job or background task still running, with how far it has got."""

    title: str
    href: str
    started: str
    done: str
    share: float | None
    eta: str


def archive_rows(
    context: WebContext, sort: ArchiveSort, users: list[UserInfo]
) -> list[ArchiveTotal]:
    """Every user archive (empty ones of ``users`` too) with messages and size."""
    totals = dict.fromkeys((u.archive for u in users), (0, 0))
    totals.update(context.statistics.archives())
    rows = [ArchiveTotal(a, n, b) for a, (n, b) in totals.items()]
    return sorted(rows, key=SORTS[sort.key], reverse=sort.descending)


def running_work(context: WebContext) -> list[RunningWork]:
    """Jobs of this process's job runner, jobs recorded as running by other processes (the
    CLI), and the web's background tasks (uploads, verify, index rebuilds)."""
    jobs = context.jobs.progress()
    here = {job.profile.lower() for job in jobs}
    work = [_job_work(job) for job in jobs]
    for result in context.jobs.results.with_status(("running",), limit=50):
        if result.profile.lower() not in here:
            title = f"Job {result.profile} (in another process)"
            href = f"/admin/results/{result.id}"
            work.append(RunningWork(title, href, when(result.started_at), "", None, "unknown"))
    work.extend(_task_work(task) for task in context.tasks.running())
    return work


def _job_work(job: ProgressSnapshot) -> RunningWork:
    done = f"{job.seen:,} messages read ({job.rate:,.0f}/s)"
    if job.total and job.unit == "bytes":
        done += f"; {human_size(job.done)} of {human_size(job.total)}"
    elif job.total:
        done += f" of about {job.total:,}"
    if job.mailboxes > 1:
        done += f"; mailbox {max(1, job.mailbox):,} of {job.mailboxes:,}"
    started = when(job.started_at)
    eta = duration(job.eta_seconds)
    return RunningWork(
        f"Job {job.profile}", _profile_href(job.profile), started, done, job.share, eta
    )


def _task_work(task: Task) -> RunningWork:
    elapsed = max(0.0, time.monotonic() - task.started_at)
    share = min(1.0, task.done / task.total) if task.total else None
    eta = elapsed * (1 - share) / share if share else None
    done = f"{task.done:,} of {task.total:,}" if task.total else f"{task.done:,} done"
    started = when(datetime.now(UTC) - timedelta(seconds=elapsed))
    return RunningWork(task.title, "", started, done, share, duration(eta))


def _profile_href(name: str) -> str:
    return f"/profiles/{quote(name, safe='')}"


def recent_failures(context: WebContext, limit: int = 10) -> list[dict[str, Any]]:
    """Job results that failed or had errors, newest first, with the first reason."""
    return [
        {
            "profile": r.profile,
            "status": r.status,
            "when": when(r.ended_at or r.started_at),
            "reason": failure_reason(r),
            "counts": f"{r.archived:,} archived, {r.failed:,} failed",
            "href": f"/admin/results/{r.id}",
        }
        for r in context.jobs.results.with_status(FAILED, limit)
    ]


def last_verifies(context: WebContext, records: list[StoreRecord]) -> list[dict[str, Any]]:
    """Each store's newest ``store.verified`` event: when, by whom, and its result."""
    found = context.runtime.audit.latest("store.verified", [str(r.id) for r in records])
    now = datetime.now(UTC)
    rows = []
    for record in records:
        event = found.get(str(record.id))
        at = event.at.replace(tzinfo=event.at.tzinfo or UTC) if event else None
        rows.append({
            "id": record.id,
            "name": record.name,
            "state": record.requested_state,
            "when": when(at),
            "by": event.actor if event else "",
            "ok": event.detail.get("ok") if event else None,
            "stale": at is None or now - at > VERIFY_STALE,
        })  # fmt: skip
    return rows


def collect(context: WebContext, sort: ArchiveSort) -> dict[str, Any]:
    """Every panel's values (runs in a worker thread: it reads the databases)."""
    runtime = context.runtime
    records = runtime.stores.records()
    known = runtime.users.list()
    archives = archive_rows(context, sort, known)
    users = {u.name for u in known}
    stores = {str(r.id): r.name for r in records}
    events = runtime.audit.recent_excluding(ROUTINE_EVENTS, 20)
    return {
        "archives": archives,
        "messages": sum(a.messages for a in archives),
        "mail_bytes": sum(a.bytes for a in archives),
        "store_count": len(records),
        "user_count": len(users),
        "growth": context.statistics.growth(),
        "charts": _charts(context),
        "sort": sort,
        "running": running_work(context),
        "failures": recent_failures(context),
        "verifies": last_verifies(context, records),
        "disks": disk_space(runtime, records),
        "events": [event_view(e, users, stores) for e in events],
        "user_names": users,
    }


def _charts(context: WebContext) -> dict[str, Chart]:
    """The growth chart for wide screens and for phones (the page shows one of them)."""
    growth = context.statistics.growth()
    charts = {"wide": growth_chart(growth), "narrow": growth_chart(growth, NARROW_WIDTH)}
    return {kind: chart for kind, chart in charts.items() if chart is not None}


async def dashboard(request: Request) -> Response:
    await admin_visit(request)
    context = web(request)
    values = await run_in_threadpool(collect, context, ArchiveSort.parse(request.query_params))
    return context.render(request, "admin/dashboard.html", **values)


async def job_result(request: Request) -> Response:
    """One job result with its protocol: what the dashboard's failures link to."""
    await admin_visit(request)
    context = web(request)
    wanted = path_number(str(request.path_params["id"]), "job result")
    result = await run_in_threadpool(context.jobs.results.get, wanted)
    if result is None:
        raise NotFoundError(f"No job result {wanted}.")
    return context.render(
        request, "admin/result.html", result=result, href=_profile_href(result.profile),
        started=when(result.started_at), ended=when(result.ended_at) if result.ended_at else "",
    )  # fmt: skip


routes = [
    Route("/admin", dashboard, methods=["GET"]),
    Route("/admin/results/{id}", job_result, methods=["GET"]),
]
