"""Upload files a crash leaves behind are removed when ``mailkeep serve`` starts again, and an
upload interrupted by kill -9 leaves nothing once the server is back (real server, real HTTP)."""

from __future__ import annotations

import fcntl
import http.client
import re
import signal
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from tests.integration.test_cli import mk
from tests.integration.test_serve import serving, wait_healthy
from tests.ports import free_port

PASSWORD = "upload pw 12"


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _logged_on(base: str) -> tuple[str, str]:
    """(Cookie header, CSRF token) of an administrator's web session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/login", data=f"username=admin&password={PASSWORD}".encode()).close()
    page = opener.open(f"{base}/upload").read().decode()
    token = re.search(r'data-csrf="([^"]+)"', page)
    assert token
    return "; ".join(f"{c.name}={c.value}" for c in jar), token.group(1)


def _start_upload(port: int, cookie: str, token: str, size: int) -> http.client.HTTPConnection:
    """An upload that announces ``size`` bytes and sends only the first MiB of them."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.putrequest("POST", "/upload")
    for name, value in (
        ("Content-Length", str(size)),
        ("Cookie", cookie),
        ("X-CSRF-Token", token),
        ("X-Filename", "big.mbox"),
    ):
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(b"From a@example.com Mon Jul  1 10:00:00 2024\n" + b"x" * (1 << 20))
    return connection


def test_stale_uploads_are_swept_at_start_and_kill_9_leaves_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    mk(data, "init", "--admin-password-stdin", stdin=f"{PASSWORD}\n".encode())
    uploads = data / "uploads"
    (uploads / "4242-crashed").mkdir(parents=True)
    (uploads / "4242-crashed" / ".lock").touch()
    (uploads / "4242-crashed" / "upload-a1").write_bytes(b"m" * 300_000)
    (uploads / "upload-b2").write_bytes(b"m" * 200_000)  # the layout of earlier versions
    living = uploads / "4343-running"  # another live server on this data directory
    living.mkdir()
    (living / "upload-c3").write_bytes(b"in progress")
    port = free_port()
    args = ("--bind", "127.0.0.1", "--http-port", str(port), "--https-port", "0")
    with (living / ".lock").open("wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with serving(data, *args) as proc:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(f"{base}/healthz")
            assert _files(uploads) == [living / ".lock", living / "upload-c3"]
            cookie, token = _logged_on(base)
            connection = _start_upload(port, cookie, token, 50 << 20)
            deadline = time.monotonic() + 30
            while not [p for p in _files(uploads) if p.parent != living and p.stat().st_size]:
                assert time.monotonic() < deadline, "the upload never reached the disk"
                time.sleep(0.1)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            connection.close()
        assert len(_files(uploads)) > 2  # the interrupted upload is still on disk
        with serving(data, *args):
            wait_healthy(f"http://127.0.0.1:{port}/healthz")
            assert _files(uploads) == [living / ".lock", living / "upload-c3"]
    log = (tmp_path / "serve.log").read_text()
    assert '"uploads.swept"' in log
