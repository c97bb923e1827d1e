"""``mailkeep serve``: every listener in one process, one event loop, one shutdown.

Web access listens on HTTPS (8462) and on HTTP (8461), which redirects browsers to HTTPS unless
``web.http_mode`` is ``serve``; the administration API on HTTPS (8463); a port of 0 turns a
listener off. HTTPS responses carry HSTS (``web.hsts_max_age_seconds``).
SIGTERM or SIGINT stops accepting connections, lets requests in flight finish, then closes the
archive stores cleanly (indexes flushed), so a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from mailkeep.access.api.operations import OperationBoard
from mailkeep.access.web.spool import sweep_uploads
from mailkeep.runtime import Runtime
from mailkeep.server.tls import CertificatePair, resolve_certificate
from mailkeep.server.transport import RedirectToHttps, StrictTransportSecurity

log = logging.getLogger("mailkeep.server")


@dataclass(frozen=True)
class Listeners:
    """Where the server listens (0 turns a listener off)."""

    bind: str
    http_port: int
    https_port: int
    api_bind: str = ""  # empty: the same as ``bind``
    api_http_port: int = 0
    api_https_port: int = 0


class _Listener(uvicorn.Server):
    """A uvicorn server that leaves signal handling to :func:`serve` (several share a loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def resolve_listeners(
    runtime: Runtime,
    bind: str | None,
    http_port: int | None,
    https_port: int | None,
    api_http_port: int | None = None,
    api_https_port: int | None = None,
) -> Listeners:
    """Command-line values win over settings (``--bind`` applies to every listener)."""

    def chosen(value: int | None, name: str) -> int:
        return value if value is not None else int(runtime.setting(name))

    web_bind = bind if bind is not None else runtime.setting("web.bind")
    return Listeners(
        web_bind,
        chosen(http_port, "web.http_port"),
        chosen(https_port, "web.https_port"),
        bind if bind is not None else runtime.setting("api.bind") or web_bind,
        chosen(api_http_port, "api.http_port"),
        chosen(api_https_port, "api.https_port"),
    )


def certificate_for(runtime: Runtime) -> CertificatePair:
    """The HTTPS certificate from the settings (self-signed when none is configured)."""
    return resolve_certificate(
        runtime.data_dir,
        runtime.setting("web.tls_cert"),
        runtime.setting("web.tls_key"),
        runtime.setting("web.tls_pkcs12"),
        runtime.setting("web.tls_pkcs12_password"),
    )


def _servers(
    runtime: Runtime, listeners: Listeners
) -> tuple[list[_Listener], list[OperationBoard]]:
    """The listeners, and the boards of long-running API commands to stop at shutdown."""
    from mailkeep.access.api.app import create_api_app
    from mailkeep.access.web.app import create_app

    servers, boards = [], []
    make = _ListenerFactory(
        certificate_for(runtime) if listeners.https_port or listeners.api_https_port else None,
        runtime.setting("web.hsts_max_age_seconds"),
        tuple(runtime.setting("web.trusted_proxies")),
    )
    if listeners.http_port or listeners.https_port:
        app = create_app(runtime)
        if listeners.http_port:
            plain = _plain_web(app, runtime.setting("web.http_mode"), listeners.https_port)
            servers.append(make.listener(plain, listeners.bind, listeners.http_port, tls=False))
        if listeners.https_port:
            servers.append(make.listener(app, listeners.bind, listeners.https_port, tls=True))
    if listeners.api_http_port or listeners.api_https_port:
        api = create_api_app(runtime)
        boards.append(api.state.api.board)
        bind = listeners.api_bind or listeners.bind
        if listeners.api_http_port:
            servers.append(make.listener(api, bind, listeners.api_http_port, tls=False))
        if listeners.api_https_port:
            servers.append(make.listener(api, bind, listeners.api_https_port, tls=True))
    return servers, boards


def _plain_web(app: ASGIApp, mode: str, https_port: int) -> ASGIApp:
    """The web application as the plain HTTP listener serves it: redirected to HTTPS unless
    ``web.http_mode`` is ``serve`` (behind a reverse proxy) or there is no HTTPS listener."""
    if mode == "serve":
        return app
    if not https_port:
        log.warning(
            "web access over plain HTTP only: HTTPS is off, so there is nothing to redirect to",
            extra={"fields": {"event": "server.http_only"}},
        )
        return app
    return RedirectToHttps(app, https_port)


@dataclass(frozen=True)
class _ListenerFactory:
    """What every listener shares: the certificate, HSTS, and the proxies that are trusted."""

    pair: CertificatePair | None
    hsts_max_age: int
    trusted_proxies: tuple[str, ...]  # none: X-Forwarded-* are ignored (not uvicorn's default)

    def listener(self, app: ASGIApp, host: str, port: int, tls: bool) -> _Listener:
        if self.hsts_max_age:  # on HTTPS, and on HTTP when a trusted proxy says it was HTTPS
            app = StrictTransportSecurity(app, self.hsts_max_age)
        pair = self.pair if tls else None
        return _Listener(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                lifespan="off",
                log_config=None,
                access_log=False,
                ssl_certfile=str(pair.cert) if pair else None,
                ssl_keyfile=str(pair.key) if pair else None,
                timeout_graceful_shutdown=30,
                proxy_headers=bool(self.trusted_proxies),
                forwarded_allow_ips=list(self.trusted_proxies),
            )
        )


async def _stop_background_work(boards: list[OperationBoard]) -> None:
    """Let long-running API commands reach a safe point before the stores are closed."""
    for board in boards:
        left = await asyncio.to_thread(board.stop, 30.0)
        if left:
            log.warning("still running at shutdown", extra={"fields": {"operations": left}})


async def _store_upkeep(runtime: Runtime) -> None:
    """First apply index work a crash left queued, then keep giving stores' writer locks back
    once they are idle, so command-line imports and profile runs can write beside the server.
    Imports give them back as they end; this covers the writes that run outside one (web
    moves and deletions, index rebuilds, compaction)."""
    try:
        caught = await asyncio.to_thread(runtime.stores.catch_up_indexes)
    except Exception:  # a damaged store must not stop the server; verify reports it
        log.exception("applying queued index work failed")
    else:
        for store_id in caught:
            log.info("queued index work applied", extra={"fields": {"store": store_id}})
    idle = float(runtime.setting("store.writer_idle_seconds"))
    while True:
        await asyncio.sleep(idle / 2)
        try:
            released = await asyncio.to_thread(runtime.stores.release_idle, idle)
        except Exception:  # a failing store must not end the loop for the others
            log.exception("releasing idle store writers failed")
            continue
        for store_id in released:
            log.info("store writer released", extra={"fields": {"store": store_id}})


async def serve(runtime: Runtime, listeners: Listeners) -> None:
    """Run until SIGTERM/SIGINT, then shut down gracefully (running jobs are cancelled and
    recorded as such; scheduled ones run again after the restart)."""
    from mailkeep.jobs.scheduler import Scheduler

    servers, boards = _servers(runtime, listeners)
    if not servers:
        raise SystemExit("Every listener is turned off (all ports are 0); nothing to serve.")
    await asyncio.to_thread(sweep_uploads, runtime.data_dir / "uploads")  # left by a crash
    scheduler = Scheduler(runtime.jobs)
    loop = asyncio.get_running_loop()

    def stop() -> None:
        log.info("shutting down", extra={"fields": {"event": "server.stopping"}})
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    fields = {
        "event": "server.started",
        "bind": listeners.bind,
        "http": listeners.http_port,
        "https": listeners.https_port,
        "apiHttp": listeners.api_http_port,
        "apiHttps": listeners.api_https_port,
        "dataDir": str(runtime.data_dir),
    }
    await scheduler.start()
    releaser = asyncio.create_task(_store_upkeep(runtime))
    log.info("mailkeep serving", extra={"fields": fields})
    try:
        await asyncio.gather(*(server.serve() for server in servers))
    finally:
        releaser.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await releaser
        await scheduler.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await _stop_background_work(boards)
    if any(not server.started for server in servers):
        raise SystemExit("A listener could not start (is the port in use?); see the log.")
    log.info("stopped", extra={"fields": {"event": "server.stopped"}})
