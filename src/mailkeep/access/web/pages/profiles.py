"""Archiving profiles in the browser: the list with each profile's last run, one profile with
its job results (why a run failed, what went wrong per mailbox, folder and message), run now,
cancel and delete. The create and edit forms are in ``profile_form``.

Administrators manage every profile and may target any user archive. Other users need the
``modifyArchiveProfiles`` privilege to create, edit or delete profiles and ``archive`` to run
them; they see and target only their own (profiles they own, archiving into their own archive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailkeep.access.web.context import WebContext, web
from mailkeep.access.web.guard import Visit, client_address, visit
from mailkeep.access.web.pages import profile_form
from mailkeep.access.web.pages.profile_access import (
    KIND_TITLES,
    find_profile,
    require,
    visible_profiles,
)
from mailkeep.errors import InvalidInputError
from mailkeep.jobs.profiles import ProfileInfo
from mailkeep.jobs.results import JobOutcome


@dataclass(frozen=True)
class ProfileRow:
    """A profile in the list, with when it last ran and how that run ended."""

    profile: ProfileInfo
    last: JobOutcome | None

    @property
    def last_run_at(self) -> datetime | None:
        """The later of the recorded last run and the start of the newest result."""
        started = self.last.started_at if self.last else None
        recorded = self.profile.last_run_at
        if started is None or recorded is None:
            return started or recorded
        return max(started, recorded)


def _rows(context: WebContext, current: Visit) -> tuple[list[ProfileRow], list[JobOutcome]]:
    profiles = visible_profiles(context, current)
    names = {p.name for p in profiles}
    results = [r for r in context.jobs.results.list(None, 200) if r.profile in names]
    newest: dict[str, JobOutcome] = {}
    for result in results:  # newest first
        newest.setdefault(result.profile, result)
    return [ProfileRow(p, newest.get(p.name)) for p in profiles], results[:30]


async def profiles_page(request: Request) -> Response:
    """Every profile the visitor may see, and the recent job results."""
    current = await visit(request)
    require(current, "archive")
    context = web(request)
    rows, results = await run_in_threadpool(_rows, context, current)
    return context.render(
        request, "profiles.html", rows=rows, running=set(context.jobs.running()),
        results=results, kinds=KIND_TITLES, problems=problems,
    )  # fmt: skip


async def profile_page(request: Request) -> Response:
    """One profile: its settings, run/cancel, and its job results with their protocols."""
    current = await visit(request)
    require(current, "archive")
    context = web(request)
    profile = await run_in_threadpool(find_profile, context, current, request.path_params["name"])
    results = await run_in_threadpool(context.jobs.results.list, profile.name, 20)
    return context.render(
        request, "profile.html", profile=profile, results=results, problems=problems,
        running=profile.name.lower() in {n.lower() for n in context.jobs.running()},
        title=KIND_TITLES.get(profile.kind, profile.kind),
    )  # fmt: skip


def problems(result: JobOutcome) -> list[dict[str, Any]]:
    """The errors and warnings of a result's protocol, errors first: why a run failed."""
    entries = [e for e in result.protocol or [] if e.get("level") in ("error", "warning")]
    return sorted(entries, key=lambda e: e.get("level") != "error")


def _act(context: WebContext, current: Visit, name: str, action: str, address: str) -> None:
    profile = find_profile(context, current, name)
    audit = context.runtime.audit
    if action == "run":
        require(current, "archive")
        context.jobs.start(profile.name)
        audit.record("profile.run", current.user.name, address, profile.name, trigger="web")
    elif action == "cancel":
        require(current, "archive")
        context.jobs.cancel(profile.name)
        audit.record("profile.cancelled", current.user.name, address, profile.name)
    elif action == "delete":
        require(current, "modifyArchiveProfiles")
        context.jobs.profiles.delete(profile.name)
        audit.record("profile.deleted", current.user.name, address, profile.name)
    else:
        raise InvalidInputError(f"Unknown action {action!r}.")


async def profile_action(request: Request) -> Response:
    """Run, cancel or delete a profile (a form post)."""
    current = await visit(request)
    context = web(request)
    form = await request.form()
    action = str(form.get("action", ""))
    name = request.path_params["name"]
    await run_in_threadpool(_act, context, current, name, action, client_address(request))
    return RedirectResponse("/profiles" if action == "delete" else f"/profiles/{name}", 303)


routes = [
    *profile_form.routes,  # its fixed paths (/profiles/new) before /profiles/{name}
    Route("/profiles", profiles_page, methods=["GET"]),
    Route("/profiles/{name}", profile_page, methods=["GET"]),
    Route("/profiles/{name}", profile_action, methods=["POST"]),
]
