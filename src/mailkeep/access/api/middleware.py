"""What the API does to every request before routing: repeated slashes in the path collapsed
(MailStore accepts ``/api//get-status``, which the 2014 wrapper sends on every status poll),
and requests a browser marks as cross-site refused.

Why the refusal: a browser that holds an administrator's Basic credentials for the API origin
(after opening ``/metrics`` in it, say) attaches them to any request a hostile page makes it
send there, such as a form POST to ``/api/invoke/CreateUser``. Scripts and MailStore clients
send none of ``Origin``, ``Sec-Fetch-Site`` or ``Sec-Fetch-Mode``; browsers send them, so a
request that carries one and does not say "this origin, by a script" is not a client's. The
API serves no pages of its own, so no legitimate browser request to it is a navigation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from mailkeep.access.api.envelope import envelope, json_response

log = logging.getLogger("mailkeep.api")

_SLASHES = re.compile(r"/{2,}")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_SITES_ALLOWED = ("same-origin", "none")  # "none": typed by the user, never a page's doing
_MODES_REFUSED = ("navigate", "no-cors", "nested-navigate")


def collapse_slashes(path: str) -> str:
    """``path`` with every run of slashes made one."""
    return _SLASHES.sub("/", path)


def cross_site_reason(headers: Mapping[str, str], own_origin: str) -> str | None:
    """Why a state-changing request is refused as cross-site, or None when it is not.

    ``headers`` use lower-case names; ``own_origin`` is ``scheme://host[:port]`` as the
    request addressed the API.
    """
    site = headers.get("sec-fetch-site")
    if site is not None and site.lower() not in _SITES_ALLOWED:
        return f"Sec-Fetch-Site: {site}"
    mode = headers.get("sec-fetch-mode")
    if mode is not None and mode.lower() in _MODES_REFUSED:
        return f"Sec-Fetch-Mode: {mode}"
    origin = headers.get("origin")
    # "null" is what sandboxed frames and data: pages send: never the API's own origin.
    if origin is not None and origin.rstrip("/").lower() != own_origin.lower():
        return f"Origin: {origin[:200]}"
    return None


def _own_origin(scope: Scope, headers: Headers) -> str:
    host = headers.get("host", "")
    if not host:
        server = scope.get("server") or ("", None)
        host = f"{server[0]}:{server[1]}" if server[1] else str(server[0])
    return f"{scope.get('scheme', 'http')}://{host}"


class ApiRequestGuard:
    """ASGI middleware: collapses slashes, then refuses cross-site state-changing requests
    (403, the API's envelope) before authentication, so they never reach a handler nor count
    as logon failures."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if "//" in path:
            scope = {**scope, "path": collapse_slashes(path)}
        if scope["method"] not in _SAFE_METHODS:
            headers = Headers(scope=scope)
            reason = cross_site_reason(headers, _own_origin(scope, headers))
            if reason is not None:
                client = scope.get("client") or ("", 0)
                log.warning("cross-site API request refused (%s) from %s", reason, client[0])
                refusal = envelope("failed", error="Cross-site request refused.", details=reason)
                await json_response(refusal, 403)(scope, receive, send)
                return
        await self.app(scope, receive, send)
