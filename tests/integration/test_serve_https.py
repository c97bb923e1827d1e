"""HTTPS by default on a real ``mailkeep serve``: HSTS on HTTPS responses (web and API), plain
HTTP redirected to HTTPS except ``/healthz``, and ``web.http_mode = serve`` for a proxy."""

from __future__ import annotations

import http.client
import ssl
from pathlib import Path

from tests.integration.test_cli import mk
from tests.integration.test_serve import serving, wait_healthy
from tests.ports import free_port

ONE_YEAR = "max-age=31536000"


def get(
    port: int, path: str, context: ssl.SSLContext | None = None, method: str = "GET", **headers: str
) -> http.client.HTTPResponse:
    """One request to 127.0.0.1:PORT (HTTPS when ``context`` is given); redirects not followed."""
    if context is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    else:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=context)
    connection.request(method, path, body=b"" if method == "POST" else None, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _trusting(data: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(data / "tls" / "self-signed.crt"))
    context.check_hostname = False  # issued for this machine's name, reached as 127.0.0.1
    return context


def test_https_by_default_hsts_and_redirect(tmp_path: Path) -> None:
    data = tmp_path / "data"
    mk(data, "init")
    plain, secure, api = free_port(), free_port(), free_port()
    ports = ("--http-port", str(plain), "--https-port", str(secure), "--api-port", str(api))
    with serving(data, "--bind", "127.0.0.1", *ports):
        wait_healthy(f"http://127.0.0.1:{plain}/healthz")
        tls = _trusting(data)
        page = get(secure, "/login", tls)
        assert page.status == 200
        assert page.headers["strict-transport-security"] == ONE_YEAR
        assert get(api, "/healthz", tls).headers["strict-transport-security"] == ONE_YEAR
        refused = get(api, "/api/invoke/GetServerInfo", tls, method="POST")
        assert refused.status == 401 and refused.headers["strict-transport-security"] == ONE_YEAR
        # Plain HTTP: browsers are sent to HTTPS (a form post keeps its method), never HSTS.
        moved = get(plain, "/search?q=from%3Aalice&page=2", Host=f"archive.example:{plain}")
        assert moved.status == 307
        assert (
            moved.headers["location"]
            == f"https://archive.example:{secure}/search?q=from%3Aalice&page=2"
        )
        assert "strict-transport-security" not in moved.headers
        posted = get(plain, "/login", method="POST", Host="[::1]")
        assert (posted.status, posted.headers["location"]) == (307, f"https://[::1]:{secure}/login")
        assert get(plain, "/", Host="evil.example\\@x").status == 400
        health = get(plain, "/healthz")  # load balancers probe over HTTP
        assert health.status == 200 and "strict-transport-security" not in health.headers


def test_http_mode_serve_keeps_plain_http_for_a_reverse_proxy(tmp_path: Path) -> None:
    data = tmp_path / "data"
    mk(data, "init")
    bad = mk(data, "config", "set", "web.http_mode", "forward", ok=None)
    assert bad.returncode != 0 and b"allowed: redirect, serve" in bad.stderr + bad.stdout
    mk(data, "config", "set", "web.http_mode", "serve")
    plain, secure = free_port(), free_port()
    ports = ("--http-port", str(plain), "--https-port", str(secure), "--api-port", "0")
    with serving(data, "--bind", "127.0.0.1", *ports):
        wait_healthy(f"http://127.0.0.1:{plain}/healthz")
        page = get(plain, "/login")
        assert page.status == 200 and "strict-transport-security" not in page.headers
        assert get(secure, "/login", _trusting(data)).headers["strict-transport-security"]


def _login_from(port: int, source: str, forwarded_for: str, password: str) -> int:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(source, 0)
    )
    body = f"username=admin&password={password}"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Forwarded-For": forwarded_for,
        "X-Forwarded-Proto": "https",
    }
    connection.request("POST", "/login", body=body, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def test_behind_a_trusted_reverse_proxy(tmp_path: Path) -> None:
    """Only a proxy named in web.trusted_proxies speaks for clients: its X-Forwarded-Proto
    https gets HSTS instead of a redirect loop, and logons are throttled per forwarded client."""
    data = tmp_path / "data"
    mk(data, "init", "--admin-password-stdin", stdin=b"proxied pw 1\n")
    mk(data, "config", "set", "web.trusted_proxies", "127.0.0.1")
    plain, secure = free_port(), free_port()
    ports = ("--http-port", str(plain), "--https-port", str(secure), "--api-port", "0")
    with serving(data, "--bind", "127.0.0.1", *ports):
        wait_healthy(f"http://127.0.0.1:{plain}/healthz")
        proxied = get(plain, "/login", **{"X-Forwarded-Proto": "https"})
        assert proxied.status == 200 and proxied.headers["strict-transport-security"] == ONE_YEAR
        assert get(plain, "/login").status == 307  # the proxy's own plain request
        # Failures count for the client the proxy names, not for the proxy.
        statuses = [_login_from(plain, "127.0.0.1", "203.0.113.7", "wrong") for _ in range(6)]
        assert statuses == [401] * 5 + [429]
        assert _login_from(plain, "127.0.0.1", "203.0.113.8", "proxied pw 1") == 303
        # Anyone else claiming to be a proxy is not believed.
        assert _login_from(plain, "127.0.0.2", "203.0.113.8", "proxied pw 1") == 307
