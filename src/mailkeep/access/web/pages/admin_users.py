"""Administrators manage users: create, change properties and privileges, set passwords,
grant access to archives, rename and delete (the user archive is always kept), and attach a
kept archive (of a deleted user) to a user."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailkeep.access.permissions import canonical_archive, known_archives
from mailkeep.access.web.context import WebContext, web
from mailkeep.access.web.guard import Visit, admin_visit, client_address, form_text
from mailkeep.errors import InvalidInputError, MailkeepError
from mailkeep.master.grants import parse_archive_privileges
from mailkeep.master.names import name_key, same_name
from mailkeep.master.users import AUTH_MODES, PRIVILEGES

EDITABLE_PRIVILEGES = tuple(p for p in PRIVILEGES if p != "none")


def _emails(form: FormData) -> tuple[str, ...]:
    return tuple(
        e.strip() for e in form_text(form, "emails").replace(",", "\n").split("\n") if e.strip()
    )


def _privileges(form: FormData) -> tuple[str, ...]:
    chosen = form.getlist("privileges")
    return tuple(p for p in EDITABLE_PRIVILEGES if p in chosen)


async def users_page(request: Request) -> Response:
    await admin_visit(request)
    context = web(request)
    users = await run_in_threadpool(context.runtime.users.list)
    return context.render(request, "admin/users.html", users=users, privileges=EDITABLE_PRIVILEGES)


def _create(context: WebContext, admin: Visit, form: FormData, address: str) -> str:
    name = form_text(form, "name")
    password = form_text(form, "password")
    user = context.runtime.users.create(
        name, _emails(form), _privileges(form), password or None, form_text(form, "full_name")
    )
    context.runtime.audit.record("user.created", admin.user.name, address, user.name)
    return user.name


async def create_user(request: Request) -> Response:
    admin = await admin_visit(request)
    context = web(request)
    form = await request.form()
    try:
        name = await run_in_threadpool(_create, context, admin, form, client_address(request))
    except MailkeepError as exc:
        users = await run_in_threadpool(context.runtime.users.list)
        return context.render(
            request, "admin/users.html", 400, users=users, privileges=EDITABLE_PRIVILEGES,
            error=str(exc), form=dict(form),
        )  # fmt: skip
    return RedirectResponse(f"/admin/users/{name}", status_code=303)


def _user_values(context: WebContext, name: str) -> dict[str, Any]:
    user = context.runtime.users.get(name)
    archives = list(known_archives(context.runtime))
    held = {name_key(u.archive) for u in context.runtime.users.list()}
    return {
        "user": user,
        "grants": context.runtime.grants.of_user(user.id),
        "archives": archives,
        "kept_archives": [a for a in archives if name_key(a) not in held],
        "privileges": EDITABLE_PRIVILEGES,
        "auth_modes": AUTH_MODES,
    }


async def user_page(request: Request) -> Response:
    await admin_visit(request)
    context = web(request)
    values = await run_in_threadpool(_user_values, context, request.path_params["name"])
    return context.render(request, "admin/user.html", **values)


def _apply(context: WebContext, admin: str, name: str, form: FormData, address: str) -> str:
    """Apply one form's change; returns the user's (possibly new) name."""
    action = form_text(form, "action")
    users, audit = context.runtime.users, context.runtime.audit
    if action == "properties":
        users.update(
            name,
            full_name=form_text(form, "full_name"),
            emails=_emails(form),
            auth_mode=form_text(form, "auth_mode") or None,
            distinguished_name=form_text(form, "dn"),
            pop3_user_names=tuple(form_text(form, "pop3").split()),
        )
        audit.record("user.updated", admin, address, name)
    elif action == "privileges":
        users.set_privileges(name, _privileges(form))
        audit.record("user.privileges_changed", admin, address, name, privileges=_privileges(form))
    elif action == "password":
        users.set_password(name, form_text(form, "password"))  # also ends the user's sessions
        audit.record("user.password_changed", admin, address, name)
    elif action == "grant":
        archive = canonical_archive(context.runtime, form_text(form, "archive"))
        chosen = ",".join(str(v) for v in form.getlist("archive_privileges")) or "none"
        context.runtime.grants.set(name, archive, parse_archive_privileges(chosen))
        audit.record(
            "archive.access_changed", admin, address, name, archive=archive, privileges=chosen
        )
    elif action == "rename":
        name = users.rename(name, form_text(form, "new_name")).name
        audit.record("user.renamed", admin, address, name)
    elif action == "attach_archive":
        user, previous = users.attach_archive(name, form_text(form, "archive"))
        audit.record(
            "user.archive_attached", admin, address, name, archive=user.archive, previous=previous
        )
    elif action == "delete":
        if same_name(name, admin):
            raise InvalidInputError("You cannot delete your own user.")
        users.delete(name)
        audit.record("user.deleted", admin, address, name)
        return ""
    else:
        raise InvalidInputError(f"Unknown action {action!r}.")
    return name


async def change_user(request: Request) -> Response:
    admin = await admin_visit(request)
    context = web(request)
    form = await request.form()
    name = request.path_params["name"]
    try:
        name = await run_in_threadpool(
            _apply, context, admin.user.name, name, form, client_address(request)
        )
    except MailkeepError as exc:
        values = await run_in_threadpool(_user_values, context, name)
        return context.render(request, "admin/user.html", 400, error=str(exc), **values)
    return RedirectResponse(f"/admin/users/{name}" if name else "/admin/users", status_code=303)


routes = [
    Route("/admin/users", users_page, methods=["GET"]),
    Route("/admin/users", create_user, methods=["POST"]),
    Route("/admin/users/{name}", user_page, methods=["GET"]),
    Route("/admin/users/{name}", change_user, methods=["POST"]),
]
