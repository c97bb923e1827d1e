"""HTTPS in front of the applications: HSTS on every HTTPS response, plain HTTP redirected.

Both are ASGI wrappers that :mod:`mailkeep.server.serve` puts around an application per
listener, so web access and the administration API get the same treatment without knowing
which listener a request came through.
"""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Paths a plain HTTP listener still answers in redirect mode: load balancers probe them.
PLAIN_HTTP_PATHS = frozenset({"/healthz"})
_HOST = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?\Z")


class StrictTransportSecurity:
    """Adds ``Strict-Transport-Security`` to every response to an HTTPS request: on an HTTPS
    listener, or through a trusted reverse proxy that terminated TLS (``X-Forwarded-Proto``).
    Never on plain HTTP, where browsers ignore it anyway (RFC 6797, 8.1)."""

    def __init__(self, app: ASGIApp, max_age: int) -> None:
        self.app = app
        self.value = f"max-age={max_age}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["strict-transport-security"] = self.value
            await send(message)

        await self.app(scope, receive, send_with_hsts)


def https_location(scope: Scope, https_port: int) -> str | None:
    """The same URL on the HTTPS listener, or None when the request's Host is unusable."""
    host_header = ""
    for name, value in scope.get("headers", []):
        if name == b"host":
            host_header = value.decode("latin-1")
    found = _HOST.match(host_header)
    if found is None:
        return None
    authority = found["host"] if https_port == 443 else f"{found['host']}:{https_port}"
    query = scope.get("query_string", b"").decode("latin-1")
    path = scope.get("raw_path", b"").decode("latin-1") or scope["path"]
    return f"https://{authority}{path}" + (f"?{query}" if query else "")


class RedirectToHttps:
    """A plain HTTP listener that sends browsers to HTTPS (``web.http_mode = redirect``).

    307 keeps the method and body of a form post, and unlike 301/308 browsers do not cache it,
    so switching to ``serve`` later takes effect at once (HSTS is the lasting rule)."""

    def __init__(self, app: ASGIApp, https_port: int) -> None:
        self.app = app
        self.https_port = https_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] in PLAIN_HTTP_PATHS
            or scope.get("scheme") == "https"  # a trusted proxy terminated TLS: no loop
        ):
            await self.app(scope, receive, send)
            return
        location = https_location(scope, self.https_port)
        if location is None:
            text = f"Use HTTPS on port {self.https_port}."
            await PlainTextResponse(text, status_code=400)(scope, receive, send)
            return
        await RedirectResponse(location, status_code=307)(scope, receive, send)
