"""Authentication and CSRF checks made on the server for every request.

Pages call :func:`visit` (or :func:`admin_visit`) first: it finds the session from the cookie,
loads the user and their current grants, and raises :class:`LoginRequired` otherwise. Every
state-changing request must carry the session's CSRF token (form field ``csrf`` or header
``X-CSRF-Token``), and requests a browser marks as cross-site are refused outright.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mailkeep.access.permissions import AccessDeniedError, Principal, principal_for
from mailkeep.access.web.context import web
from mailkeep.access.web.sessions import ActiveSession
from mailkeep.errors import MailkeepError
from mailkeep.master.users import UserInfo

SESSION_COOKIE = "mailkeep_session"


class LoginRequired(MailkeepError):  # noqa: N818 - a control-flow signal, not a failure
    """No valid session: pages redirect to the login form, other requests get 401."""

    code = "login_required"


class CsrfError(MailkeepError):
    """A state-changing request without the session's CSRF token (or from another site)."""

    code = "csrf"


@dataclass(frozen=True)
class Visit:
    """The logged-on user behind one request."""

    principal: Principal
    session: ActiveSession
    token: str

    @property
    def user(self) -> UserInfo:
        return self.principal.user

    @property
    def csrf(self) -> str:
        return self.session.csrf_token


def client_address(request: Request) -> str:
    """The client's address: the peer's, or the one a proxy named in ``web.trusted_proxies``
    forwards for (uvicorn resolves ``X-Forwarded-For`` from those proxies only)."""
    return request.client.host if request.client else ""


def _load(request: Request) -> Visit | None:
    context = web(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    session = context.sessions.lookup(token)
    if session is None:
        return None
    user = context.runtime.users.by_id(session.user_id)
    if user is None or not user.may("login"):
        context.sessions.end(token)
        return None
    return Visit(principal_for(context.runtime, user), session, token)


async def visit(request: Request) -> Visit:
    """The logged-on user of this request, or LoginRequired; checks CSRF on unsafe methods."""
    found = await run_in_threadpool(_load, request)
    if found is None:
        raise LoginRequired("Please log on.")
    request.state.visit = found
    if request.method not in ("GET", "HEAD"):
        await check_csrf(request, found.csrf)
    return found


async def admin_visit(request: Request) -> Visit:
    """Like :func:`visit`, for administrators only."""
    found = await visit(request)
    if not found.user.is_admin:
        raise AccessDeniedError("This page is for administrators.")
    return found


def check_same_site(request: Request) -> None:
    """Refuse requests the browser says come from another site."""
    if request.headers.get("sec-fetch-site", "same-origin") == "cross-site":
        raise CsrfError("Cross-site request refused.")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.url.netloc}"
        if origin.rstrip("/") != expected:
            raise CsrfError("Cross-site request refused.")


async def check_csrf(request: Request, expected: str) -> None:
    """The request must carry ``expected`` as header or form field."""
    check_same_site(request)
    supplied = request.headers.get("x-csrf-token", "")
    if not supplied and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf", "")
        supplied = value if isinstance(value, str) else ""
    if not supplied or not hmac.compare_digest(supplied, expected):
        raise CsrfError("The form has expired or did not come from this site; reload the page.")


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure when served over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def local_path(target: str) -> str:
    """``target`` when it is a path on this site, else ``/``: no scheme, host, protocol-relative
    ``//`` or ``/\\`` (browsers read a backslash as a slash), and no control characters."""
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target[1:2] in ("/", "\\")
        or any(ord(c) < 32 or c == "\\" for c in target)
    ):
        return "/"
    return target


def form_text(form: FormData, name: str) -> str:
    """A text field of a submitted form, trimmed ("" when absent or a file)."""
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""
