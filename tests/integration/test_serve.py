"""``mailkeep serve`` as an administrator runs it: both listeners, certificates, clean stop."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from mailkeep.runtime import Runtime
from mailkeep.server.tls import create_self_signed
from tests.dovecot import Dovecot
from tests.integration.test_cli import mk, mkjson
from tests.ports import free_port


@contextmanager
def serving(data: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """A running ``mailkeep serve``; stopped with SIGTERM afterwards (must exit cleanly).
    Its log goes to ``DATA/../serve.log``. The API listener is off unless ``args`` name a
    port for it (its default, 8463, may be taken on a shared machine)."""
    if "--api-port" not in args:
        args = (*args, "--api-port", "0")
    env = {**os.environ}
    env.pop("MAILKEEP_HOME", None)
    with (data.parent / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mailkeep", "--data-dir", str(data), "serve", *args],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=env,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)


def wait_healthy(url: str, context: ssl.SSLContext | None = None) -> str:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:  # noqa: S310
                return str(response.read().decode())
        except (OSError, ssl.SSLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_http_and_https_then_stop_gracefully(tmp_path: Path) -> None:
    data = tmp_path / "data"
    mkjson(data, "init")
    http, https = free_port(), free_port()
    with serving(
        data,
        "--bind",
        "127.0.0.1",
        "--api-port",
        "0",
        "--http-port",
        str(http),
        "--https-port",
        str(https),
    ) as proc:
        assert wait_healthy(f"http://127.0.0.1:{http}/healthz") == "ok"
        cert = data / "tls" / "self-signed.crt"
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False  # issued for this machine's name, reached as 127.0.0.1
        assert wait_healthy(f"https://127.0.0.1:{https}/healthz", context) == "ok"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    log = (tmp_path / "serve.log").read_text()
    lines = [json.loads(line) for line in log.splitlines() if line]
    events = [line.get("event") for line in lines]
    assert "server.started" in events and "server.stopped" in events
    assert any(line.get("path") == "/healthz" for line in lines)


def test_port_zero_turns_a_listener_off(tmp_path: Path) -> None:
    data = tmp_path / "data"
    mkjson(data, "init")
    http = free_port()
    with serving(
        data,
        "--bind",
        "127.0.0.1",
        "--api-port",
        "0",
        "--http-port",
        str(http),
        "--https-port",
        "0",
    ):
        assert wait_healthy(f"http://127.0.0.1:{http}/healthz") == "ok"
    assert not (data / "tls").exists()  # no certificate needed without HTTPS
    proc = mk(data, "serve", "--http-port", "0", "--https-port", "0", "--api-port", "0", ok=None)
    assert proc.returncode != 0
    assert b"nothing to serve" in proc.stderr


def test_certificates_self_signed_recreated_pem_and_pkcs12(tmp_path: Path) -> None:
    data = tmp_path / "data"
    mkjson(data, "init")
    created = mkjson(data, "cert", "create", "--host", "archive.example.com")
    assert created["subject"] == "CN=archive.example.com"
    assert mkjson(data, "cert", "show")["sha256"] == created["sha256"]
    own = create_self_signed(tmp_path / "own", "mail.example.org")
    mk(data, "config", "set", "web.tls_cert", str(own.cert))
    mk(data, "config", "set", "web.tls_key", str(own.key))
    assert mkjson(data, "cert", "show")["subject"] == "CN=mail.example.org"
    # A PKCS#12 file with a password instead; the password is kept sealed.
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from cryptography.x509 import load_pem_x509_certificate

    key = load_pem_private_key(own.key.read_bytes(), None)
    cert = load_pem_x509_certificate(own.cert.read_bytes())
    blob = pkcs12.serialize_key_and_certificates(
        b"x",
        key,
        cert,
        None,
        BestAvailableEncryption(b"pfx-pass"),  # type: ignore[arg-type]
    )
    (tmp_path / "own.pfx").write_bytes(blob)
    mk(data, "config", "set", "web.tls_pkcs12", str(tmp_path / "own.pfx"))
    mk(data, "config", "set", "web.tls_pkcs12_password", "pfx-pass")
    assert mkjson(data, "config", "list")["web.tls_pkcs12_password"] == "********"
    with Runtime(data) as runtime:
        from mailkeep.master.models import SettingValue

        with runtime.sessions() as session:
            stored = session.get(SettingValue, "web.tls_pkcs12_password")
            assert stored is not None and "pfx-pass" not in stored.value
    https = free_port()
    with serving(
        data,
        "--bind",
        "127.0.0.1",
        "--api-port",
        "0",
        "--http-port",
        "0",
        "--https-port",
        str(https),
    ):
        context = ssl.create_default_context(cafile=str(own.cert))
        context.check_hostname = False
        assert wait_healthy(f"https://127.0.0.1:{https}/healthz", context) == "ok"
    mk(data, "config", "set", "web.tls_pkcs12_password", "wrong")
    mk(data, "cert", "show", ok=False)


def test_the_server_runs_scheduled_profiles(tmp_path: Path, dovecot: Dovecot) -> None:
    """The scheduler lives in `mailkeep serve`: a due profile runs without anyone asking."""
    from datetime import UTC, datetime, timedelta

    from mailkeep.jobs.profiles import ProfileDirectory, ProfileSpec
    from mailkeep.jobs.results import JobResults
    from tests.conftest import build_message
    from tests.integration.conftest import PASSWORD, fill
    from tests.integration.profiles import server_settings

    fill(dovecot, "alice@example.com", "INBOX", [build_message(n) for n in (1, 2)])
    data = tmp_path / "data"
    mkjson(data, "init")
    with Runtime(data) as runtime:
        runtime.users.create("alice", ("alice@example.com",))
        profiles = ProfileDirectory(runtime.sessions, runtime.master_key)
        spec = ProfileSpec(
            "hourly", "imap", server_settings(dovecot, username="alice@example.com"),
            {"password": PASSWORD}, "alice", schedule="every:60",
        )  # fmt: skip
        created = profiles.create(spec, datetime.now(UTC))
        profiles.set_runs(created.id, datetime.now(UTC) - timedelta(minutes=1), None)
    http = free_port()
    with serving(data, "--bind", "127.0.0.1", "--http-port", str(http), "--https-port", "0"):
        wait_healthy(f"http://127.0.0.1:{http}/healthz")
        deadline = time.monotonic() + 60
        with Runtime(data) as runtime:
            results = JobResults(runtime.sessions)
            while not [r for r in results.list("hourly") if r.ended_at]:
                assert time.monotonic() < deadline, "the scheduled run did not happen"
                time.sleep(0.5)
            outcome = results.list("hourly")[0]
            assert (outcome.status, outcome.archived, outcome.trigger) == (
                "succeeded",
                2,
                "schedule",
            )
            next_run = ProfileDirectory(runtime.sessions, runtime.master_key).get("hourly")
            assert next_run.next_run_at is not None


def test_cli_import_works_beside_a_server_that_archived(tmp_path: Path) -> None:
    """After the server's own import (an upload) ends, it gives the store back: an
    administrator's `mailkeep import` in another process succeeds while the server runs."""
    import re

    from tests.conftest import build_message

    data = tmp_path / "data"
    mk(data, "init", "--admin-password-stdin", stdin=b"admin pw 12\n")
    http = free_port()
    with serving(data, "--bind", "127.0.0.1", "--http-port", str(http), "--https-port", "0"):
        base = f"http://127.0.0.1:{http}"
        wait_healthy(f"{base}/healthz")
        jar = urllib.request.HTTPCookieProcessor()
        opener = urllib.request.build_opener(jar)
        opener.open(f"{base}/login", data=b"username=admin&password=admin+pw+12").close()
        page = opener.open(f"{base}/upload").read().decode()
        token = re.search(r'data-csrf="([^"]+)"', page)
        assert token
        request = urllib.request.Request(  # noqa: S310
            f"{base}/upload",
            data=build_message(1),
            headers={"X-CSRF-Token": token.group(1), "X-Filename": "one.eml"},
        )
        task = json.loads(opener.open(request).read())["task"]
        deadline = time.monotonic() + 60
        while json.loads(opener.open(f"{base}/tasks/{task}").read())["state"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        (tmp_path / "two.eml").write_bytes(build_message(2))
        result = mkjson(data, "import", "eml", str(tmp_path / "two.eml"), "--user", "admin")
        assert result["archived"] == 1
