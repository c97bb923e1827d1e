"""A user's own account: change the password (needs the changePassword privilege)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailkeep.access.web.context import web
from mailkeep.access.web.guard import client_address, set_session_cookie, visit


async def password_form(request: Request) -> Response:
    current = await visit(request)
    current.principal.require_privilege("changePassword")
    saved = request.query_params.get("saved") == "1"
    return web(request).render(request, "password.html", saved=saved)


async def change_password(request: Request) -> Response:
    current = await visit(request)
    current.principal.require_privilege("changePassword")
    context = web(request)
    form = await request.form()
    old, new, again = (str(form.get(k, "")) for k in ("current", "new", "again"))
    users = context.runtime.users
    checked = await run_in_threadpool(users.verify_password, current.user.name, old)
    error = ""
    if checked is None:
        error = "The current password is wrong."
    elif len(new) < 8:
        error = "The new password must have at least 8 characters."
    elif new != again:
        error = "The new passwords do not match."
    if error:
        return context.render(request, "password.html", 400, error=error)
    await run_in_threadpool(users.set_password, current.user.name, new)  # ends all sessions
    address = client_address(request)
    await run_in_threadpool(
        context.runtime.audit.record, "user.password_changed", current.user.name, address,
        current.user.name,
    )  # fmt: skip
    token = await run_in_threadpool(
        context.sessions.create, current.user.id, "web", address,
        request.headers.get("user-agent", ""),
    )  # fmt: skip
    response = RedirectResponse("/account/password?saved=1", status_code=303)
    set_session_cookie(response, request, token)
    return response


routes = [
    Route("/account/password", password_form, methods=["GET"]),
    Route("/account/password", change_password, methods=["POST"]),
]
