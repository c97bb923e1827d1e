"""``mailkeep serve``: every listener in one process, one event loop, one shutdown.

Web access listens on HTTP (8461) and HTTPS (8462) by default; a port of 0 turns a listener off.
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
from typing import TYPE_CHECKING

import uvicorn
from starlette.types import ASGIApp

from mailkeep.runtime import Runtime
from mailkeep.server.tls import CertificatePair, resolve_certificate

if TYPE_CHECKING:
    from mailkeep.jobs.runner import JobRunner

log = logging.getLogger("mailkeep.server")


@dataclass(frozen=True)
class Listeners:
    """Where the server listens (0 turns a listener off)."""

    bind: str
    http_port: int
    https_port: int


class _Listener(uvicorn.Server):
    """A uvicorn server that leaves signal handling to :func:`serve` (several share a loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def resolve_listeners(
    runtime: Runtime, bind: str | None, http_port: int | None, https_port: int | None
) -> Listeners:
    """Command-line values win over settings."""
    return Listeners(
        bind if bind is not None else runtime.setting("web.bind"),
        http_port if http_port is not None else runtime.setting("web.http_port"),
        https_port if https_port is not None else runtime.setting("web.https_port"),
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


def _servers(runtime: Runtime, listeners: Listeners, jobs: JobRunner) -> list[_Listener]:
    from mailkeep.access.web.app import create_app

    app = create_app(runtime, jobs)
    servers = []
    if listeners.http_port:
        servers.append(_Listener(_config(app, listeners.bind, listeners.http_port, None)))
    if listeners.https_port:
        pair = certificate_for(runtime)
        servers.append(_Listener(_config(app, listeners.bind, listeners.https_port, pair)))
    return servers


def _config(app: ASGIApp, host: str, port: int, pair: CertificatePair | None) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        log_config=None,
        access_log=False,
        ssl_certfile=str(pair.cert) if pair else None,
        ssl_keyfile=str(pair.key) if pair else None,
        timeout_graceful_shutdown=30,
    )


async def serve(runtime: Runtime, listeners: Listeners) -> None:
    """Run until SIGTERM/SIGINT, then shut down gracefully (running jobs are cancelled and
    recorded as such; scheduled ones run again after the restart)."""
    from mailkeep.jobs.runner import JobRunner, relay_from_settings
    from mailkeep.jobs.scheduler import Scheduler

    jobs = JobRunner(runtime, relay_from_settings(runtime))
    servers = _servers(runtime, listeners, jobs)
    if not servers:
        raise SystemExit("Every listener is turned off (all ports are 0); nothing to serve.")
    scheduler = Scheduler(jobs)
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
        "dataDir": str(runtime.data_dir),
    }
    await scheduler.start()
    log.info("mailkeep serving", extra={"fields": fields})
    try:
        await asyncio.gather(*(server.serve() for server in servers))
    finally:
        await scheduler.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    if any(not server.started for server in servers):
        raise SystemExit("A listener could not start (is the port in use?); see the log.")
    log.info("stopped", extra={"fields": {"event": "server.stopped"}})
