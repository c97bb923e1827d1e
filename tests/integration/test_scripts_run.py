"""``scripts/run``, the README's first command, with a data directory and ports of one's own.

Regression (issue 12.4): its banner named ports 8461-8463 and ``mailkeep-data/master.key``
whatever was chosen. It now prints what ``mailkeep serve --check`` resolves from the options
and settings, and the server then listens exactly there.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import IO

import pytest

from tests.integration.test_cli import mk, mkjson
from tests.integration.test_serve import wait_healthy
from tests.ports import free_port

CHECKOUT = Path(__file__).resolve().parents[2]


def test_banner_names_the_chosen_data_dir_and_ports(tmp_path: Path) -> None:
    data = tmp_path / "my data"  # a space: the printed commands must quote it
    http, api = free_port(), free_port()
    args = ["--http-port", str(http), "--https-port", "0", "--api-port", str(api)]
    env = {k: v for k, v in os.environ.items() if k != "MAILKEEP_HOME"}
    env["MAILKEEP_SKIP_SETUP"] = "1"  # the suite's environment is in use: never re-sync it
    with subprocess.Popen(
        [str(CHECKOUT / "scripts" / "run"), "--data-dir", str(data), *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # its own process group: the test stops what it started
    ) as proc:
        assert proc.stdout is not None
        try:
            banner = _banner(proc.stdout)  # set-up and init come first, however long they take
            assert wait_healthy(f"http://127.0.0.1:{http}/healthz") == "ok"
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    assert f"Data directory: {data}\n" in banner
    assert f"Web access: http://localhost:{http}/\n" in banner
    assert f"Administration API: https://localhost:{api}/api/ (see docs/api.md)" in banner
    assert f"Back up {data}/master.key separately" in banner
    assert "8461" not in banner and "8462" not in banner and "8463" not in banner
    assert "mailkeep-data" not in banner
    assert f"--data-dir {str(data).replace(' ', chr(92) + ' ')} user create alice" in banner
    assert (data / "master.key").exists()  # the chosen directory was initialised, not another


def _banner(stdout: IO[bytes]) -> str:
    """Everything printed up to the example commands' last line (then the server starts)."""
    lines = []
    while line := stdout.readline():
        lines.append(line.decode())
        if "search 'invoice" in lines[-1]:
            break
    return "".join(lines)


def test_serve_check_reads_ports_and_bind_from_settings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    mkjson(data, "init")
    mk(data, "config", "set", "web.http_port", "18080")
    mk(data, "config", "set", "web.bind", "127.0.0.1")
    mk(data, "config", "set", "api.http_port", "18081")
    info = mkjson(data, "serve", "--check", "--https-port", "0")
    assert info == {
        "dataDir": str(data.resolve()),
        "masterKey": str(data.resolve() / "master.key"),
        "allAddresses": False,
        "web": {"http": "http://127.0.0.1:18080/", "https": None},
        "api": {"http": "http://127.0.0.1:18081/api/", "https": "https://127.0.0.1:8463/api/"},
    }
    text = mk(data, "serve", "--check", "--bind", "::1", "--api-port", "0").stdout.decode()
    assert "Web access: http://[::1]:18080/ and https://[::1]:8462/" in text
    assert "Administration API: http://[::1]:18081/api/" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_unit_verifies_and_is_hardened(tmp_path: Path) -> None:
    shipped = (CHECKOUT / "packaging" / "mailkeep.service").read_text()
    settings = dict(
        line.split("=", 1) for line in shipped.splitlines() if "=" in line and line[0] != "#"
    )
    assert settings["User"] == "mailkeep" and settings["NoNewPrivileges"] == "yes"
    assert settings["ProtectSystem"] == "strict"
    assert settings["ReadWritePaths"] == settings["Environment"].split("=", 1)[1]
    assert f"--data-dir {settings['ReadWritePaths']} serve" in settings["ExecStart"]
    # verify checks that ExecStart exists: point it at this checkout's environment
    unit = tmp_path / "mailkeep.service"
    unit.write_text(shipped.replace("/opt/mailkeep", str(CHECKOUT)))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "mailkeep.service" not in done.stderr, done.stderr
    offline = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--threshold=30", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert offline.returncode == 0, offline.stdout[-2000:]  # exposure level at most 3.0 ("OK")
