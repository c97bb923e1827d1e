"""Archiving profiles in the browser: list, a form per source kind with a *Test* button that
opens the mailboxes and lists their folders, run now, cancel, delete, and job results.

Administrators manage every profile and may target any user archive. Other users need the
``modifyArchiveProfiles`` privilege to create or delete profiles and ``archive`` to run them;
they see and target only their own (profiles they own, archiving into their own archive).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailkeep.access.permissions import AccessDeniedError, known_archives
from mailkeep.access.web.context import WebContext, web
from mailkeep.access.web.guard import Visit, client_address, visit
from mailkeep.errors import InvalidInputError, MailkeepError, NotFoundError
from mailkeep.jobs.accounts import read_accounts_csv
from mailkeep.jobs.check import check_profile
from mailkeep.jobs.profiles import KINDS, ProfileInfo, ProfileSpec
from mailkeep.jobs.specs import csv_spec_from_values, spec_from_values
from mailkeep.jobs.targets import check_profile_targets

KIND_TITLES = {
    "imap": "One IMAP mailbox",
    "pop3": "One POP3 mailbox",
    "imap-multi": "Many IMAP mailboxes (master login)",
    "imap-csv": "Many IMAP mailboxes (CSV list)",
    "multidrop": "Catch-all (multidrop) mailbox",
    "journal": "Exchange / Microsoft 365 journal mailbox",
}


def _mine(current: Visit, profile: ProfileInfo) -> bool:
    return current.user.is_admin or profile.owner.lower() == current.user.name.lower()


def _visible(context: WebContext, current: Visit) -> list[ProfileInfo]:
    return [p for p in context.jobs.profiles.list() if _mine(current, p)]


def _profile(context: WebContext, current: Visit, name: str) -> ProfileInfo:
    try:
        profile = context.jobs.profiles.get(name)
    except NotFoundError:
        raise NotFoundError("No such profile.") from None
    if not _mine(current, profile):
        raise NotFoundError("No such profile.")
    return profile


def _require(current: Visit, privilege: str) -> None:
    if not current.user.may(privilege):
        raise AccessDeniedError(f"This needs the {privilege} privilege.")


async def profiles_page(request: Request) -> Response:
    current = await visit(request)
    _require(current, "archive")
    context = web(request)
    profiles = await run_in_threadpool(_visible, context, current)
    results = await run_in_threadpool(context.jobs.results.list, None, 200)
    names = {p.name for p in profiles}
    return context.render(
        request,
        "profiles.html",
        profiles=profiles,
        running=set(context.jobs.running()),
        results=[r for r in results if r.profile in names][:30],
        kinds=KIND_TITLES,
    )


def _targets(context: WebContext, current: Visit) -> list[str]:
    if current.user.is_admin:
        return list(known_archives(context.runtime))
    return [current.user.archive]


async def new_form(request: Request) -> Response:
    current = await visit(request)
    _require(current, "modifyArchiveProfiles")
    context = web(request)
    kind = request.query_params.get("kind", "imap")
    if kind not in KINDS:
        raise NotFoundError("No such profile kind.")
    targets = await run_in_threadpool(_targets, context, current)
    return context.render(
        request, "profile_new.html", kind=kind, title=KIND_TITLES[kind], targets=targets,
        form={}, kinds=KIND_TITLES,
    )  # fmt: skip


def _field(form: FormData) -> Any:
    def value(name: str) -> str:
        found = form.get(name, "")
        return found if isinstance(found, str) else ""

    return value


def _spec(context: WebContext, current: Visit, kind: str, form: FormData) -> ProfileSpec:
    value = _field(form)
    archive = value("archive") or current.user.archive
    if kind == "imap-csv":
        spec = _csv_spec(context, current, value)
    else:
        spec = spec_from_values(kind, value, archive, current.user.name)
    check_profile_targets(current.user, spec, context.runtime.users.list())
    if spec.archive is not None and spec.archive not in _targets(context, current):
        raise InvalidInputError(f"Unknown user archive {spec.archive!r}.")
    return spec


def _csv_spec(context: WebContext, current: Visit, value: Any) -> ProfileSpec:
    """The CSV list's accounts; users named in it that do not exist yet are created."""
    if not current.user.is_admin:
        raise AccessDeniedError("Only administrators may archive many mailboxes.")
    accounts = read_accounts_csv(value("accounts"))
    users = context.runtime.users
    known = {u.name.lower(): u for u in users.list()}
    rows = []
    for account in accounts:
        user = known.get(account.user_name().lower())
        if user is None:
            user = users.create(account.user_name(), (account.email,) if account.email else ())
            known[user.name.lower()] = user
        rows.append({"login": account.login, "email": account.email, "user": user.archive})
    passwords = {a.login: a.password for a in accounts}
    return csv_spec_from_values(value, rows, passwords, current.user.name)


def _test(context: WebContext, spec: ProfileSpec) -> list[dict[str, Any]]:
    probe = ProfileInfo(
        0, spec.name or "test", spec.kind, spec.archive, spec.owner, spec.settings,
        spec.schedule, spec.timeout_seconds, None, None,
    )  # fmt: skip
    timeout = context.runtime.setting("jobs.connection_timeout_seconds")
    return check_profile(probe, spec.secrets, context.runtime.users.list(), timeout)


async def create_profile(request: Request) -> Response:
    current = await visit(request)
    _require(current, "modifyArchiveProfiles")
    context = web(request)
    form = await request.form()
    kind = str(form.get("kind", ""))
    if kind not in KINDS:
        raise NotFoundError("No such profile kind.")
    values: dict[str, Any] = {
        "kind": kind, "title": KIND_TITLES[kind], "kinds": KIND_TITLES,
        "form": {k: v for k, v in form.items() if k != "password" and isinstance(v, str)},
        "targets": await run_in_threadpool(_targets, context, current),
    }  # fmt: skip
    try:
        spec = await run_in_threadpool(_spec, context, current, kind, form)
        if form.get("action") == "test":
            report = await run_in_threadpool(_test, context, spec)
            return context.render(request, "profile_new.html", report=report, **values)
        now = datetime.now(UTC)
        created = await run_in_threadpool(context.jobs.profiles.create, spec, now)
    except MailkeepError as exc:
        return context.render(request, "profile_new.html", 400, error=str(exc), **values)
    await run_in_threadpool(
        context.runtime.audit.record, "profile.created", current.user.name,
        client_address(request), created.name, kind=kind,
    )  # fmt: skip
    return RedirectResponse(f"/profiles/{created.name}", status_code=303)


async def profile_page(request: Request) -> Response:
    current = await visit(request)
    _require(current, "archive")
    context = web(request)
    profile = await run_in_threadpool(_profile, context, current, request.path_params["name"])
    results = await run_in_threadpool(context.jobs.results.list, profile.name, 20)
    return context.render(
        request, "profile.html", profile=profile, results=results,
        running=profile.name.lower() in {n.lower() for n in context.jobs.running()},
        title=KIND_TITLES.get(profile.kind, profile.kind),
    )  # fmt: skip


def _act(context: WebContext, current: Visit, name: str, action: str, address: str) -> None:
    profile = _profile(context, current, name)
    audit = context.runtime.audit
    if action == "run":
        _require(current, "archive")
        context.jobs.start(profile.name)
        audit.record("profile.run", current.user.name, address, profile.name, trigger="web")
    elif action == "cancel":
        _require(current, "archive")
        context.jobs.cancel(profile.name)
        audit.record("profile.cancelled", current.user.name, address, profile.name)
    elif action == "delete":
        _require(current, "modifyArchiveProfiles")
        context.jobs.profiles.delete(profile.name)
        audit.record("profile.deleted", current.user.name, address, profile.name)
    else:
        raise InvalidInputError(f"Unknown action {action!r}.")


async def profile_action(request: Request) -> Response:
    current = await visit(request)
    context = web(request)
    form = await request.form()
    action = str(form.get("action", ""))
    name = request.path_params["name"]
    await run_in_threadpool(_act, context, current, name, action, client_address(request))
    return RedirectResponse("/profiles" if action == "delete" else f"/profiles/{name}", 303)


routes = [
    Route("/profiles", profiles_page, methods=["GET"]),
    Route("/profiles/new", new_form, methods=["GET"]),
    Route("/profiles/new", create_profile, methods=["POST"]),
    Route("/profiles/{name}", profile_page, methods=["GET"]),
    Route("/profiles/{name}", profile_action, methods=["POST"]),
]
