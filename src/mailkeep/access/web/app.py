"""The web application: routes of every page module, security headers, one error shape."""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailkeep.access.permissions import AccessDeniedError
from mailkeep.access.web.context import HERE, WebContext, web
from mailkeep.access.web.guard import CsrfError, LoginRequired
from mailkeep.access.web.pages import (
    account,
    admin_directory,
    admin_stores,
    admin_users,
    archive,
    dashboard,
    login,
    message,
    profiles,
    upload,
)
from mailkeep.errors import (
    DiskFullError,
    InvalidInputError,
    MailkeepError,
    NotFoundError,
    recognise,
)
from mailkeep.runtime import Runtime

log = logging.getLogger("mailkeep.web")

# The pages themselves: only this site's scripts, styles and frames; nothing inline.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
_STATUS = {
    NotFoundError: 404,
    AccessDeniedError: 403,
    CsrfError: 403,
    InvalidInputError: 400,
    LoginRequired: 401,
    DiskFullError: 507,
}


async def healthz(_request: Request) -> Response:
    return PlainTextResponse("ok")


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") and request.method == "GET"


async def on_error(request: Request, exc: Exception) -> Response:
    """Every refusal in one shape: an HTML page for browsers, JSON for scripts."""
    assert isinstance(exc, MailkeepError)
    if isinstance(exc, LoginRequired) and _wants_html(request):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 409)
    if "text/html" in request.headers.get("accept", ""):
        return web(request).render(request, "error.html", status, message=exc.message)
    return JSONResponse(exc.as_dict(), status_code=status)


async def on_crash(request: Request, exc: Exception) -> Response:
    known = recognise(exc)
    if known is not None:  # a full disk, however a library reported it
        log.error("%s %s: %s", request.method, request.url.path, known.message)
        return await on_error(request, known)
    log.exception("internal error on %s %s", request.method, request.url.path)
    body = {"error": "internal", "message": "Internal error; the server log has details."}
    return JSONResponse(body, status_code=500)


def _security_headers(path: str) -> list[tuple[str, str]]:
    headers = [
        ("content-security-policy", PAGE_CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "SAMEORIGIN"),
    ]
    if not path.startswith("/static/"):
        headers.append(("cache-control", "no-store"))
    return headers


class SecurityHeaders:
    """ASGI middleware: security headers on every response, and one log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in _security_headers(path):
                    if name not in headers:
                        headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            client = scope.get("client") or ("", 0)
            fields = {
                "method": scope["method"],
                "path": path,
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "client": client[0],
            }
            log.info("request", extra={"fields": fields})


def create_app(runtime: Runtime) -> Starlette:
    """The web access application over one runtime."""
    routes = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    pages = (login, archive, message, upload, account, profiles, admin_users, admin_stores)
    for module in pages:
        routes.extend(module.routes)
    routes.extend(admin_directory.routes)
    routes.extend(dashboard.routes)
    app = Starlette(
        routes=routes,
        exception_handlers={MailkeepError: on_error, Exception: on_crash},
        middleware=[Middleware(SecurityHeaders)],
    )
    app.state.web = WebContext.create(runtime)

    return app
