"""A throw-away PostgreSQL server for the test session, when none is configured or running.

The tests use ``$MAILKEEP_TEST_PG`` (default: the server on 127.0.0.1:5432). When that cannot be
reached and Debian's PostgreSQL server binaries are installed, a private cluster is created in a
temporary directory, started on a free loopback port, and stopped at the end of the session (as
``nobody`` when running as root, because PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.ports import free_port


def reachable(url: str) -> bool:
    """True when a PostgreSQL server answers at ``url``."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _binaries() -> Path | None:
    found = Path("/usr/lib/postgresql").glob("*/bin/initdb")
    newest = max(
        found, key=lambda p: [int(x) for x in p.parts[-3].split(".") if x.isdigit()], default=None
    )
    return newest.parent if newest else None


def _as_service_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def private_server() -> Iterator[str | None]:
    """Start a private cluster; yields its admin URL, or None when PostgreSQL isn't installed."""
    binaries = _binaries()
    if binaries is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="mailkeep-pg-"))
    data, port = root / "data", free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "nobody", "nogroup")
    run = {"check": True, "capture_output": True, "timeout": 120}
    ctl = [str(binaries / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(
            _as_service_user(
                [str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
            ),
            **run,
        )
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_service_user([*ctl, "-o", options, "-l", str(root / "log"), "-w", "start"]), **run
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_service_user([*ctl, "-m", "immediate", "stop"]), check=False, capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)
