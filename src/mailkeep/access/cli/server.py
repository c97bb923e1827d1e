"""``mailkeep serve`` and ``mailkeep cert ...``: run the server; manage its TLS certificate."""

from __future__ import annotations

import asyncio
import socket

import typer

from mailkeep.access.cli.context import data_dir, guarded, runtime
from mailkeep.access.cli.output import JsonOption, console, emit_json

cert_app = typer.Typer(help="The HTTPS certificate of the server.")


@guarded
def serve(
    ctx: typer.Context,
    bind: str | None = typer.Option(None, "--bind", help="Address to listen on (web.bind)."),
    http_port: int | None = typer.Option(
        None, "--http-port", min=0, max=65535, help="Web access HTTP port; 0 turns it off."
    ),
    https_port: int | None = typer.Option(
        None, "--https-port", min=0, max=65535, help="Web access HTTPS port; 0 turns it off."
    ),
    api_port: int | None = typer.Option(
        None, "--api-port", min=0, max=65535, help="Administration API HTTPS port; 0: off."
    ),
    api_http_port: int | None = typer.Option(
        None, "--api-http-port", min=0, max=65535, help="Administration API HTTP port (off)."
    ),
    log_level: str = typer.Option("INFO", "--log-level", help="DEBUG, INFO, WARNING or ERROR."),
    check: bool = typer.Option(
        False, "--check", help="Print the data directory and where it would listen; exit."
    ),
    json: bool = JsonOption,
) -> None:
    """Run the mailkeep server (web access, administration API) until Ctrl-C or SIGTERM."""
    from mailkeep.server.logs import configure_logging
    from mailkeep.server.serve import resolve_listeners
    from mailkeep.server.serve import serve as run_server

    with runtime(ctx) as rt:
        listeners = resolve_listeners(rt, bind, http_port, https_port, api_http_port, api_port)
        if check:
            from mailkeep.access.cli.banner import describe, print_banner

            print_banner(describe(listeners, rt.data_dir), json)
            return
        configure_logging(log_level.upper())
        asyncio.run(run_server(rt, listeners))


@cert_app.command("create")
@guarded
def create_certificate(
    ctx: typer.Context,
    host: str = typer.Option(socket.getfqdn(), "--host", help="Host name the certificate is for."),
    json: bool = JsonOption,
) -> None:
    """Create a new self-signed certificate (used when no certificate of your own is set)."""
    from mailkeep.server.tls import create_self_signed

    with runtime(ctx) as rt:
        pair = create_self_signed(data_dir(ctx).resolve(), host)
        rt.audit.record("certificate.created", target=host)
    info = pair.describe()
    if json:
        emit_json(info)
    else:
        console.print(
            f"Created a self-signed certificate for {host}; restart the server to use it."
        )
        console.print(f"SHA-256 fingerprint: {info['sha256']}")


@cert_app.command("show")
@guarded
def show_certificate(ctx: typer.Context, json: bool = JsonOption) -> None:
    """Show the certificate the HTTPS listener uses."""
    from mailkeep.server.serve import certificate_for

    with runtime(ctx) as rt:
        info = certificate_for(rt).describe()
    if json:
        emit_json(info)
    else:
        for key, value in info.items():
            console.print(f"{key:>9}: {value}", markup=False)
