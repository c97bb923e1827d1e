"""The administration API as a Starlette application (served by ``mailkeep serve`` on 8463).

Routes: ``POST /api/invoke/<Command>``, ``POST /api/get-metadata``, ``POST /api/get-status``,
``POST /api/cancel-async`` (all need an administrator's Basic credentials), ``GET
/api/openapi.json`` (the description, public), ``GET /metrics`` (Prometheus, administrators),
``GET /healthz``. Repeated slashes in paths are collapsed and cross-site requests refused
(``middleware.py``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from mailkeep.access.api.auth import CHALLENGE, Authenticator
from mailkeep.access.api.commands import load_commands
from mailkeep.access.api.dispatch import Dispatcher
from mailkeep.access.api.envelope import envelope, json_response, operation_envelope
from mailkeep.access.api.middleware import ApiRequestGuard
from mailkeep.access.api.openapi import openapi_document
from mailkeep.access.api.operations import OperationBoard
from mailkeep.access.api.registry import CommandRegistry
from mailkeep.access.authenticate import interface_refusal
from mailkeep.access.web.app import SecurityHeaders
from mailkeep.access.web.sessions import SessionStore
from mailkeep.errors import InvalidInputError
from mailkeep.master.users import UserInfo
from mailkeep.metrics import exposition, store_registry
from mailkeep.numbers import parse_number
from mailkeep.runtime import Runtime

_REFUSALS = {
    "missing": (401, "Authentication required."),
    "wrong": (401, "Wrong user name or password."),
    "throttled": (429, "Too many failed logons; try again later."),
    "forbidden": (403, "Administrator privileges are required."),
    "no_api_login": (403, "This user's login privileges do not include the API."),
}


@dataclass
class ApiContext:
    """Shared by every request of one API application."""

    runtime: Runtime
    dispatcher: Dispatcher
    board: OperationBoard
    authenticator: Authenticator
    sessions: SessionStore
    _session_tokens: dict[tuple[int, str], str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def note_session(self, user: UserInfo, address: str, agent: str) -> None:
        """Keep one ``api`` session per administrator and address, so that
        ``GetActiveSessions`` lists API clients beside web users."""
        key = (user.id, address)
        with self._lock:
            token = self._session_tokens.get(key)
        if token is not None and self.sessions.lookup(token) is not None:
            return
        token = self.sessions.create(user.id, "api", address, agent)
        with self._lock:
            self._session_tokens[key] = token


def _context(request: Request) -> ApiContext:
    context = request.app.state.api
    assert isinstance(context, ApiContext)
    return context


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


async def _administrator(request: Request) -> UserInfo | Response:
    """The administrator sending the request, or the refusal to answer with."""
    context = _context(request)
    address = _address(request)
    header = request.headers.get("authorization")

    outcome = await context.authenticator.check(header, address)
    if outcome.refusal or outcome.user is None:
        return _refused(outcome.refusal)

    def admitted() -> str:
        """The user's login privileges decide whether the API is theirs (audited if not)."""
        assert outcome.user is not None
        reason = interface_refusal(context.runtime, outcome.user, "api")
        if reason:
            context.runtime.audit.record(
                "login.failed", actor=outcome.user.name, address=address, channel="api",
                reason=reason,
            )  # fmt: skip
            return "no_api_login"
        context.note_session(outcome.user, address, request.headers.get("user-agent", ""))
        return ""

    refusal = await run_in_threadpool(admitted)
    return _refused(refusal) if refusal else outcome.user


def _refused(refusal: str) -> Response:
    status, message = _REFUSALS[refusal]
    headers = {"WWW-Authenticate": CHALLENGE} if status == 401 else None
    return json_response(envelope("failed", error=message), status, headers)


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


async def invoke(request: Request) -> Response:
    admin = await _administrator(request)
    if isinstance(admin, Response):
        return admin
    context = _context(request)
    given = await _fields(request)
    answer = await run_in_threadpool(
        context.dispatcher.invoke,
        request.path_params["command"],
        given,
        admin.name,
        _address(request),
    )
    return json_response(answer)


async def get_metadata(request: Request) -> Response:
    admin = await _administrator(request)
    if isinstance(admin, Response):
        return admin
    return json_response(_context(request).dispatcher.registry.metadata())


def _int(value: str | None, name: str) -> int:
    """A number argument (absent: 0), parsed like every other number (400 when malformed)."""
    return parse_number(value, name) if value else 0


async def get_status(request: Request) -> Response:
    admin = await _administrator(request)
    if isinstance(admin, Response):
        return admin
    context = _context(request)
    given = await _fields(request)
    try:
        known = _int(given.get("lastKnownStatusVersion"), "lastKnownStatusVersion")
        timeout_ms = _int(given.get("millisecondsTimeout"), "millisecondsTimeout")
    except InvalidInputError as exc:
        return json_response(envelope("failed", error=exc.message), 400)
    operation = context.board.get(given.get("token", ""))
    if operation is None:
        return json_response(envelope("failed", error="Unknown or expired token."), 404)
    await context.board.wait(operation, known, timeout_ms / 1000)
    return json_response(operation_envelope(operation))


async def cancel_async(request: Request) -> Response:
    admin = await _administrator(request)
    if isinstance(admin, Response):
        return admin
    context = _context(request)
    given = await _fields(request)
    operation = context.board.get(given.get("token", ""))
    if operation is None:
        return json_response(envelope("failed", error="Unknown or expired token."), 404)
    operation.cancel()
    await run_in_threadpool(
        context.runtime.audit.record,
        "api.cancelled",
        admin.name,
        _address(request),
        operation.command,
        channel="api",
    )
    return json_response(operation_envelope(operation))


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(_context(request).dispatcher.registry))


async def metrics(request: Request) -> Response:
    admin = await _administrator(request)
    if isinstance(admin, Response):
        return admin
    body = await run_in_threadpool(exposition, request.app.state.store_metrics)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


async def healthz(_request: Request) -> Response:
    return PlainTextResponse("ok")


def create_api_app(runtime: Runtime, registry: CommandRegistry | None = None) -> Starlette:
    """The administration API over one runtime (``registry``: every command by default)."""
    board = OperationBoard()
    idle = timedelta(minutes=runtime.setting("web.session_idle_minutes"))
    context = ApiContext(
        runtime,
        Dispatcher(runtime, registry or load_commands(), board),
        board,
        Authenticator(runtime),
        SessionStore(runtime.sessions, idle),
    )
    app = Starlette(
        routes=[
            Route("/api/invoke/{command}", invoke, methods=["POST"]),
            Route("/api/get-metadata", get_metadata, methods=["POST", "GET"]),
            Route("/api/get-status", get_status, methods=["POST"]),
            Route("/api/cancel-async", cancel_async, methods=["POST"]),
            Route("/api/openapi.json", openapi, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
        ],
        middleware=[Middleware(SecurityHeaders), Middleware(ApiRequestGuard)],
    )
    app.state.api = context
    app.state.store_metrics = store_registry(runtime)
    return app
