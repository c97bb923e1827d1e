"""``mailkeep serve`` as an administrator runs it: both listeners, certificates, clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
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
from tests.integration.test_cli import mk, mkjson


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(data: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """A running ``mailkeep serve``; stopped with SIGTERM afterwards (must exit cleanly).
    Its log goes to ``DATA/../serve.log``."""
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
