"""A running ``mailkeep serve`` never locks command-line writers out (issue 12, item 2).

Web uploads, web searches, ``mailkeep import`` and ``mailkeep profile run`` interleave against
one server, several rounds: the server takes the store's writer only while it writes and gives
it back afterwards; a search never takes it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.conftest import build_message
from tests.dovecot import Dovecot
from tests.integration.conftest import PASSWORD, fill
from tests.integration.test_cli import mk, mkjson
from tests.integration.test_serve import serving, wait_healthy
from tests.ports import free_port

ADMIN_PASSWORD = "admin pw 12"
ALICE = "alice@example.com"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Path, httpx2.Client]]:
    """A data directory served by a real ``mailkeep serve``, and a client logged on as admin."""
    data = tmp_path / "data"
    mk(data, "init", "--admin-password-stdin", stdin=f"{ADMIN_PASSWORD}\n".encode())
    mk(data, "config", "set", "ingest.workers", "1")
    mk(data, "config", "set", "store.writer_wait_seconds", "20")
    http = free_port()
    with serving(data, "--bind", "127.0.0.1", "--http-port", str(http), "--https-port", "0"):
        base = f"http://127.0.0.1:{http}"
        wait_healthy(f"{base}/healthz")
        with httpx2.Client(base_url=base, timeout=30) as client:
            logon = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
            assert logon.status_code == 303, logon.text
            yield data, client


def _upload(client: httpx2.Client, raw: bytes, name: str) -> None:
    page = client.get("/upload").text
    token = re.search(r'data-csrf="([^"]+)"', page)
    assert token, page
    sent = client.post(
        "/upload", content=raw, headers={"X-CSRF-Token": token.group(1), "X-Filename": name}
    )
    assert sent.status_code == 202, sent.text
    task = sent.json()["task"]
    deadline = time.monotonic() + 60
    while (state := client.get(f"/tasks/{task}").json())["state"] == "running":
        assert time.monotonic() < deadline, state
        time.sleep(0.1)
    assert state["state"] == "succeeded", state


def _web_total(client: httpx2.Client, query: str) -> int:
    page = client.get("/search", params={"archive": "*", "q": query})
    assert page.status_code == 200, page.text
    found = re.search(r'class="summary">(\d+) message', page.text)
    assert found, page.text
    return int(found.group(1))


def _cli_import(data: Path, tmp: Path, n: int) -> None:
    path = tmp / f"cli-{n}.eml"
    path.write_bytes(build_message(n))
    result = mkjson(data, "import", "eml", str(path), "--user", "admin")
    assert result["archived"] == 1, result


def test_uploads_searches_imports_and_profile_runs_interleave(
    web: tuple[Path, httpx2.Client], tmp_path: Path, dovecot: Dovecot
) -> None:
    data, client = web
    mk(data, "user", "create", "alice", "--email", ALICE, "--privileges", "login,archive")
    mk(
        data,
        "profile",
        "create",
        "imap",
        "alice-mail",
        "--host",
        "127.0.0.1",
        "--port",
        str(dovecot.imaps),
        "--security",
        "tls",
        "--insecure",
        "--username",
        ALICE,
        "--password-stdin",
        "--user",
        "alice",
        stdin=f"{PASSWORD}\n".encode(),
    )
    archived = 0
    for round_ in range(3):
        n = 100 * round_
        _upload(client, build_message(n + 1), f"web-{n}.eml")
        _cli_import(data, tmp_path, n + 2)
        archived += 2
        # The search that used to take the index writer and keep it until a restart.
        assert _web_total(client, "quarterly") == archived
        _cli_import(data, tmp_path, n + 3)
        fill(dovecot, ALICE, "INBOX", [build_message(n + 4)])
        run = mkjson(data, "profile", "run", "alice-mail")
        assert (run["status"], run["archived"]) == ("succeeded", 1), run
        archived += 2
        assert _web_total(client, "quarterly") == archived
        assert _web_total(client, f'"report {n + 3}"') == 1
