"""Logging on and off.

A user needs the ``login`` privilege and a password, checked by ``access.authenticate``
(directory-services users by the directory). As in the reference guide, an administrator whose
password is still ``admin`` may log on only from this machine. Failures are throttled per user
name and per address, and every attempt is recorded in the audit log.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailkeep.access.authenticate import authenticate, interface_refusal, logon_refusal
from mailkeep.access.web.context import WebContext, web
from mailkeep.access.web.guard import (
    SESSION_COOKIE,
    check_same_site,
    client_address,
    local_path,
    set_session_cookie,
    visit,
)


async def login_form(request: Request) -> Response:
    context = web(request)
    return context.render(
        request, "login.html", next=local_path(request.query_params.get("next", "/"))
    )


def _attempt(context: WebContext, name: str, password: str, address: str, agent: str) -> str | None:
    """Check the credentials; returns a session token, or None after recording the failure."""
    audit = context.runtime.audit
    if context.throttle.blocked(name, address):
        audit.record("login.throttled", actor=name, address=address, channel="web")
        return None
    user = authenticate(context.runtime, name, password)
    reason = logon_refusal(user, password, address) or interface_refusal(
        context.runtime, user, "web"
    )
    if reason is not None or user is None:
        context.throttle.failed(name, address)
        audit.record("login.failed", actor=name, address=address, channel="web", reason=reason)
        return None
    context.throttle.succeeded(name)
    audit.record("login.succeeded", actor=user.name, address=address, channel="web")
    return context.sessions.create(user.id, "web", address, agent)


async def login(request: Request) -> Response:
    check_same_site(request)
    context = web(request)
    form = await request.form()
    name = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    target = local_path(str(form.get("next", "/")))
    address = client_address(request)
    throttled = context.throttle.blocked(name, address)
    token = await run_in_threadpool(
        _attempt, context, name, password, address, request.headers.get("user-agent", "")
    )
    if token is None:
        message = (
            "Too many failed logons; try again later."
            if throttled or context.throttle.blocked(name, address)
            else "Wrong user name or password, or no permission to log on."
        )
        status = 429 if throttled else 401
        return context.render(
            request, "login.html", status, error=message, next=target, username=name
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, token)
    return response


async def logout(request: Request) -> Response:
    current = await visit(request)
    context = web(request)
    await run_in_threadpool(context.sessions.end, current.token)
    await run_in_threadpool(
        context.runtime.audit.record,
        "logout",
        current.user.name,
        client_address(request),
    )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
