"""Logon throttling against a real ``mailkeep serve``, attacked the way it was: 120 parallel
guesses from several client addresses (loopback aliases 127.0.0.x as source addresses) on the
web logon form and on the administration API, then the right password from another address."""

from __future__ import annotations

import base64
import http.client
import itertools
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from mailkeep.runtime import Runtime
from tests.integration.test_serve import serving, wait_healthy
from tests.ports import free_port

PASSWORD = "the right one 7"
# Three addresses; 127.0.0.1 is where a reverse proxy would be, which uvicorn trusts by default.
GUESSERS = [f"127.0.0.{n}" for n in range(1, 4)]
GUESSES = 120
LIMIT = 5  # web.login_failures_per_account, the default
_FORGED = itertools.count()


def send(
    port: int, path: str, body: str, headers: dict[str, str], source: str
) -> http.client.HTTPResponse:
    """One POST to 127.0.0.1:PORT from the client address ``source``, claiming to forward
    for a new address each time (no proxy is trusted: the claim must change nothing)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=60, source_address=(source, 0)
    )
    forged = f"198.51.100.{next(_FORGED) % 250 + 1}"
    connection.request("POST", path, body=body, headers={"X-Forwarded-For": forged, **headers})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def web_logon(port: int, name: str, password: str, source: str) -> int:
    form = urlencode({"username": name, "password": password, "next": "/"})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return send(port, "/login", form, headers, source).status


def api_call(port: int, name: str, password: str, source: str) -> int:
    token = base64.b64encode(f"{name}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    return send(port, "/api/invoke/GetServerInfo", "", headers, source).status


def _guess_in_parallel(attempt: object, port: int, name: str) -> Counter[int]:
    assert callable(attempt)
    sources = [GUESSERS[n % len(GUESSERS)] for n in range(GUESSES)]
    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        statuses = list(pool.map(lambda s: attempt(port, name, f"guess {s}", s), sources))
    return Counter(statuses)


def _checked_passwords(data: Path, name: str, channel: str) -> Counter[str]:
    """Password checks per address, from the audit log (each wrong one is a login.failed)."""
    with Runtime(data) as runtime:
        events = runtime.audit.recent(10_000, "login.failed")
    return Counter(e.address for e in events if e.actor == name and e.detail["channel"] == channel)


def test_parallel_guesses_are_bounded_and_do_not_lock_the_account(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Runtime.init(data) as runtime:
        runtime.users.create("admin", privileges=("admin", "login"), password=PASSWORD)
        runtime.users.create("monitor", privileges=("admin",), password=PASSWORD)
        runtime.set_setting("web.login_delay_max_seconds", "0.5")
        runtime.set_setting("web.http_mode", "serve")
    web, api = free_port(), free_port()
    args = ("--bind", "127.0.0.1", "--http-port", str(web), "--https-port", "0")
    with serving(data, *args, "--api-http-port", str(api), "--api-port", "0"):
        wait_healthy(f"http://127.0.0.1:{web}/healthz")
        wait_healthy(f"http://127.0.0.1:{api}/healthz")
        on_web = _guess_in_parallel(web_logon, web, "admin")
        on_api = _guess_in_parallel(api_call, api, "monitor")
        # The owner (and monitoring) from an address that did not guess still get in.
        assert web_logon(web, "admin", PASSWORD, "127.0.0.9") == 303
        assert api_call(api, "monitor", PASSWORD, "127.0.0.9") == 200
        # The guessers' own addresses stay refused, even with the right password.
        assert web_logon(web, "admin", PASSWORD, GUESSERS[0]) == 429
    bound = LIMIT * len(GUESSERS)
    for counted, channel, name in ((on_web, "web", "admin"), (on_api, "api", "monitor")):
        assert set(counted) == {401, 429}
        assert counted[401] == bound, counted
        checked = _checked_passwords(data, name, channel)
        assert sum(checked.values()) == bound
        assert set(checked.values()) == {LIMIT}
        assert set(checked) == set(GUESSERS)
