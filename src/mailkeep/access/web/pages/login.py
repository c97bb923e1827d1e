"""Logging on and off.

A user needs the ``login`` privilege and a password, checked by ``access.authenticate``
(directory-services users by the directory). As in the reference guide, an administrator whose
password is still ``admin`` may log on only from this machine. Failures are throttled per user
name and per address, and every attempt is recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable

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
from mailkeep.access.web.throttle import THROTTLED, LogonAttempt, throttled


async def login_form(request: Request) -> Response:
    context = web(request)
    return context.render(
        request, "login.html", next=local_path(request.query_params.get("next", "/"))
    )


def _attempt(
    context: WebContext, credentials: tuple[str, str], address: str, agent: str
) -> Callable[[LogonAttempt], str | None]:
    """The password check of one reserved attempt: a session token, or None after recording
    the failure."""
    name, password = credentials

    def check(attempt: LogonAttempt) -> str | None:
        audit = context.runtime.audit
        user = authenticate(context.runtime, name, password)
        reason = logon_refusal(user, password, address) or interface_refusal(
            context.runtime, user, "web"
        )
        if reason is not None or user is None:
            attempt.failed()
            audit.record("login.failed", actor=name, address=address, channel="web", reason=reason)
            return None
        attempt.succeeded()
        audit.record("login.succeeded", actor=user.name, address=address, channel="web")
        return context.sessions.create(user.id, "web", address, agent)

    return check


async def login(request: Request) -> Response:
    check_same_site(request)
    context = web(request)
    form = await request.form()
    name = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    target = local_path(str(form.get("next", "/")))
    address = client_address(request)
    agent = request.headers.get("user-agent", "")
    check = _attempt(context, (name, password), address, agent)
    outcome = await throttled(context.throttle, name, address, check)
    if outcome is THROTTLED:
        await run_in_threadpool(
            context.runtime.audit.record, "login.throttled", name, address, channel="web"
        )
        message, status = "Too many failed logons; try again later.", 429
    elif outcome is None:
        message, status = "Wrong user name or password, or no permission to log on.", 401
    else:
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(response, request, outcome)
        return response
    return context.render(request, "login.html", status, error=message, next=target, username=name)


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
