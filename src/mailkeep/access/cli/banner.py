"""Where a server started with given options listens, and what to back up: ``serve --check``.

``scripts/run`` prints this before starting the server, so the addresses and the key file it
names are the ones actually chosen (data directory, ports from options or settings), never the
defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailkeep.access.cli.output import console, emit_json
from mailkeep.crypto.keys import MASTER_KEY_ENV
from mailkeep.runtime import KEY_FILE

if TYPE_CHECKING:
    from mailkeep.server.serve import Listeners

_ANY_ADDRESS = ("", "0.0.0.0", "::")  # noqa: S104 - names the wildcard binds, binds nothing


def _url(scheme: str, bind: str, port: int, path: str = "/") -> str | None:
    """The address to open for one listener (None when it is off)."""
    if not port:
        return None
    host = "localhost" if bind in _ANY_ADDRESS else bind
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    return f"{scheme}://{host}:{port}{path}"


def describe(listeners: Listeners, data_dir: Path) -> dict[str, Any]:
    """The data directory, master key and every listener's URL (None: off)."""
    key_file = data_dir / KEY_FILE
    return {
        "dataDir": str(data_dir),
        "masterKey": f"${MASTER_KEY_ENV}" if os.environ.get(MASTER_KEY_ENV) else str(key_file),
        "allAddresses": listeners.bind in _ANY_ADDRESS,
        "web": {
            "http": _url("http", listeners.bind, listeners.http_port),
            "https": _url("https", listeners.bind, listeners.https_port),
        },
        "api": {
            "http": _url("http", listeners.api_bind, listeners.api_http_port, "/api/"),
            "https": _url("https", listeners.api_bind, listeners.api_https_port, "/api/"),
        },
    }


def print_banner(info: dict[str, Any], json: bool) -> None:
    """``describe``'s answer as JSON, or as the lines an administrator reads first."""
    if json:
        emit_json(info)
        return
    web = [url for url in (info["web"]["http"], info["web"]["https"]) if url]
    api = [url for url in (info["api"]["https"], info["api"]["http"]) if url]
    lines = [
        f"Data directory: {info['dataDir']}",
        "Web access: " + (" and ".join(web) if web else "off"),
        "Administration API: " + (" and ".join(api) if api else "off") + " (see docs/api.md)",
    ]
    if info["allAddresses"] and (web or api):
        lines.append("(listening on every address of this machine: use its name from elsewhere)")
    if info["masterKey"].startswith("$"):
        lines.append(f"The master key comes from {info['masterKey']}: keep a copy of it safe.")
    else:
        lines.append(
            f"Back up {info['masterKey']} separately: without it the archive cannot be read."
        )
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
