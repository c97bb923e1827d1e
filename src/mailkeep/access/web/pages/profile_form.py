"""The profile form in the browser: create a profile (``/profiles/new``) or edit one
(``/profiles/{name}/edit``), each with a *Test* button that opens the mailboxes first.

Both turn the form into a ``ProfileSpec`` through ``mailkeep.jobs.specs`` and save it through
``ProfileDirectory`` (the validation the command line uses). A typed password survives a test or
an error as a sealed token in the page (see ``sealedform``), never as clear text; when editing,
an empty password keeps the stored one.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from mailkeep.access.web.pages.profile_access import KIND_TITLES, find_profile, require
from mailkeep.access.web.sealedform import open_field, seal_field
from mailkeep.errors import InvalidInputError, MailkeepError, NotFoundError
from mailkeep.jobs.accounts import read_accounts_csv
from mailkeep.jobs.check import check_profile
from mailkeep.jobs.profiles import KINDS, ProfileInfo, ProfileSpec
from mailkeep.jobs.specs import csv_spec_from_values, spec_from_values
from mailkeep.jobs.targets import ROUTED_KINDS, check_profile_targets
from mailkeep.sources.imap import SPECIAL_USES

# Fields holding credentials (the CSV list has a password per account): never echoed into the
# page; kept across a re-render as sealed tokens in ``NAME_sealed`` fields.
SEALED_FIELDS = ("password", "accounts")
_NOT_ECHOED = (*SEALED_FIELDS, *(f"{name}_sealed" for name in SEALED_FIELDS), "csrf")


@dataclass(frozen=True)
class FormSubmission:
    """What one submission of the profile form holds."""

    kind: str
    form: FormData
    existing: ProfileInfo | None  # the profile being edited
    secrets: dict[str, str]  # SEALED_FIELDS as typed, else opened from their sealed tokens

    def value(self, name: str) -> str:
        """A named field's text ("" when absent); credentials as resolved."""
        if name in SEALED_FIELDS:
            return self.secrets.get(name, "")
        found = self.form.get(name, "")
        return found if isinstance(found, str) else ""

    def typed(self, name: str) -> str:
        """A field's text exactly as sent."""
        found = self.form.get(name, "")
        return found if isinstance(found, str) else ""


def _targets(context: WebContext, current: Visit) -> list[str]:
    if current.user.is_admin:
        return list(known_archives(context.runtime))
    return [current.user.archive]


def _spec(context: WebContext, current: Visit, sent: FormSubmission) -> ProfileSpec:
    spec = _spec_of_form(context, current, sent)
    # The one target check (also at every run): only administrators file into others' archives.
    check_profile_targets(current.user, spec, context.runtime.users.list())
    return spec


def _spec_of_form(context: WebContext, current: Visit, sent: FormSubmission) -> ProfileSpec:
    archive = sent.value("archive") or current.user.archive
    if archive not in _targets(context, current):
        raise InvalidInputError("You may archive only into your own archive.")
    owner = sent.existing.owner if sent.existing else current.user.name
    if sent.kind == "imap-csv":
        return _csv_spec(context, current, sent, owner)
    if sent.existing and not sent.value("password"):  # editing: empty keeps the stored one
        stored = context.jobs.profiles.secrets(sent.existing.name).get("password", "")
        sent = FormSubmission(sent.kind, sent.form, sent.existing, {"password": stored})
    return spec_from_values(sent.kind, sent.value, archive, owner)


def _csv_spec(context: WebContext, current: Visit, sent: FormSubmission, owner: str) -> ProfileSpec:
    """The CSV list's accounts; users named in it that do not exist yet are created. Editing
    with the list left empty keeps the stored accounts and their passwords."""
    if not current.user.is_admin:
        raise AccessDeniedError("Only administrators may archive many mailboxes.")
    if sent.existing and not sent.value("accounts").strip():
        rows = sent.existing.settings.get("accounts", [])
        passwords = context.jobs.profiles.secrets(sent.existing.name).get("passwords", {})
        return csv_spec_from_values(sent.value, rows, passwords, owner)
    accounts = read_accounts_csv(sent.value("accounts"))
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
    return csv_spec_from_values(sent.value, rows, passwords, owner)


def _test(context: WebContext, spec: ProfileSpec) -> list[dict[str, Any]]:
    probe = ProfileInfo(
        0, spec.name or "test", spec.kind, spec.archive, spec.owner, spec.settings,
        spec.schedule, spec.timeout_seconds, None, None,
    )  # fmt: skip
    timeout = context.runtime.setting("jobs.connection_timeout_seconds")
    return check_profile(probe, spec.secrets, context.runtime.users.list(), timeout)


def _page_values(
    context: WebContext, current: Visit, kind: str, form: dict[str, str], **extra: Any
) -> dict[str, Any]:
    """What the form template needs besides the request."""
    return {
        "kind": kind, "title": KIND_TITLES[kind], "kinds": KIND_TITLES, "form": form,
        "targets": _targets(context, current), "special_uses": SPECIAL_USES, **extra,
    }  # fmt: skip


def form_of(profile: ProfileInfo) -> dict[str, str]:
    """A saved profile as the form's field values (never its secrets)."""
    settings = profile.settings
    form = {"name": profile.name, "archive": profile.archive or "", "schedule": profile.schedule}
    form["timeout"] = str(profile.timeout_seconds or "")
    for key, value in settings.items():
        if isinstance(value, bool):
            form[key] = "1" if value else ""
        elif isinstance(value, list) and key in ("include", "exclude"):
            form[key] = "\n".join(str(v) for v in value)
        elif isinstance(value, str | int):
            form[key] = str(value)
    for use in settings.get("skip_special", []):
        form[f"skip_special_{use}"] = "1"
    return form


async def new_form(request: Request) -> Response:
    """The empty form for a new profile of one kind."""
    current = await visit(request)
    require(current, "modifyArchiveProfiles")
    context = web(request)
    kind = request.query_params.get("kind", "imap")
    if kind not in KINDS:
        raise NotFoundError("No such profile kind.")
    if not current.user.is_admin and kind in (*ROUTED_KINDS, "imap-csv"):
        raise AccessDeniedError(
            f"Only administrators may create {KIND_TITLES[kind].lower()} profiles: they file "
            "mail into other users' archives."
        )
    values = await run_in_threadpool(_page_values, context, current, kind, {})
    return context.render(request, "profile_form.html", **values)


async def edit_form(request: Request) -> Response:
    """The form of a saved profile, filled in (the password field empty: kept unless typed)."""
    current = await visit(request)
    require(current, "modifyArchiveProfiles")
    context = web(request)
    profile = await run_in_threadpool(find_profile, context, current, request.path_params["name"])
    values = await run_in_threadpool(
        _page_values, context, current, profile.kind, form_of(profile), editing=profile
    )
    return context.render(request, "profile_form.html", **values)


async def create_profile(request: Request) -> Response:
    """Test or save a new profile."""
    current = await visit(request)
    require(current, "modifyArchiveProfiles")
    form = await request.form()
    kind = str(form.get("kind", ""))
    if kind not in KINDS:
        raise NotFoundError("No such profile kind.")
    return await _submit(request, current, FormSubmission(kind, form, None, {}))


async def save_edit(request: Request) -> Response:
    """Test or save the edited profile."""
    current = await visit(request)
    require(current, "modifyArchiveProfiles")
    context = web(request)
    profile = await run_in_threadpool(find_profile, context, current, request.path_params["name"])
    form = await request.form()
    return await _submit(request, current, FormSubmission(profile.kind, form, profile, {}))


def _resolved(key: bytes, csrf: str, sent: FormSubmission) -> FormSubmission:
    """``sent`` with each credential field as typed, else as sealed in the page before."""
    secrets = {
        name: sent.typed(name) or open_field(key, csrf, sent.typed(f"{name}_sealed"))
        for name in SEALED_FIELDS
    }
    return FormSubmission(sent.kind, sent.form, sent.existing, secrets)


async def _submit(request: Request, current: Visit, sent: FormSubmission) -> Response:
    context = web(request)
    key = context.runtime.master_key
    sent = _resolved(key, current.csrf, sent)
    shown = {k: v for k, v in sent.form.items() if k not in _NOT_ECHOED and isinstance(v, str)}
    sealed = {name: seal_field(key, current.csrf, value) for name, value in sent.secrets.items()}
    values = await run_in_threadpool(
        _page_values, context, current, sent.kind, shown, editing=sent.existing, sealed=sealed
    )
    try:
        spec = await run_in_threadpool(_spec, context, current, sent)
        if sent.value("action") == "test":
            report = await run_in_threadpool(_test, context, spec)
            return context.render(request, "profile_form.html", report=report, **values)
        saved = await run_in_threadpool(_save, context, spec, sent.existing)
    except MailkeepError as exc:
        return context.render(request, "profile_form.html", 400, form_error=str(exc), **values)
    event = "profile.updated" if sent.existing else "profile.created"
    await run_in_threadpool(
        context.runtime.audit.record, event, current.user.name,
        client_address(request), saved.name, kind=sent.kind,
    )  # fmt: skip
    return RedirectResponse(f"/profiles/{saved.name}", status_code=303)


def _save(context: WebContext, spec: ProfileSpec, existing: ProfileInfo | None) -> ProfileInfo:
    now = datetime.now(UTC)
    if existing is None:
        return context.jobs.profiles.create(spec, now)
    return context.jobs.profiles.update(existing.name, spec, now)


routes = [
    Route("/profiles/new", new_form, methods=["GET"]),
    Route("/profiles/new", create_profile, methods=["POST"]),
    Route("/profiles/{name}/edit", edit_form, methods=["GET"]),
    Route("/profiles/{name}/edit", save_edit, methods=["POST"]),
]
