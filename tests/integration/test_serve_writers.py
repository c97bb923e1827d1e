"""A running ``mailkeep serve`` never locks command-line writers out (issue 12, item 2).

Web uploads, web searches, ``mailkeep import`` and ``mailkeep profile run`` interleave against
one server, several rounds: the server takes the store's writer only while it writes and gives
it back afterwards; a search never takes it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from mailkeep.runtime import Runtime
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


def _csrf(client: httpx2.Client, page: str) -> str:
    token = re.search(r'data-csrf="([^"]+)"', client.get(page).text)
    assert token, page
    return token.group(1)


def _wait_task(client: httpx2.Client, url: str) -> None:
    deadline = time.monotonic() + 60
    while (state := client.get(url).json())["state"] == "running":
        assert time.monotonic() < deadline, state
        time.sleep(0.1)
    assert state["state"] == "succeeded", state


def _upload(client: httpx2.Client, raw: bytes, name: str) -> None:
    headers = {"X-CSRF-Token": _csrf(client, "/upload"), "X-Filename": name}
    sent = client.post("/upload", content=raw, headers=headers)
    assert sent.status_code == 202, sent.text
    _wait_task(client, f"/tasks/{sent.json()['task']}")


def _web_rebuild(client: httpx2.Client) -> None:
    """An administrator rebuilds the index from the stores page: a write outside any import,
    whose writer the server gives back once idle."""
    form = {"csrf": _csrf(client, "/admin/stores"), "action": "rebuild-index", "id": "1"}
    sent = client.post("/admin/stores", data=form)
    assert sent.status_code == 303, sent.text
    task = re.search(r"task=([^&]+)", sent.headers["location"])
    assert task, sent.headers
    _wait_task(client, f"/admin/tasks/{task.group(1)}")


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
    with Runtime(data) as rt:
        rt.users.create("alice", (ALICE,))
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
    for round_ in range(2):
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
        if round_ == 1:  # once: a rebuild costs seconds
            _web_rebuild(client)
            _cli_import(data, tmp_path, n + 5)  # waits for the idle writer to be given back
            assert mkjson(data, "store", "rebuild-index")[0]["indexed"] == archived + 1
            archived += 1
            # The server's search sees the index the command line swapped in.
            assert _web_total(client, "quarterly") == archived


def _has_open(pid: int, name: str) -> bool:
    """Whether process ``pid`` has a file called ``name`` open (it is trying to lock it)."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(str(fd.readlink()).endswith(name) for fd in fds.iterdir())
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_a_cli_import_waits_for_a_busy_store_then_fails_clearly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Runtime.init(data) as rt:
        rt.set_setting("ingest.workers", "1")
        rt.users.create("alice", ("alice@example.com",))
    (tmp_path / "one.eml").write_bytes(build_message(1))
    with Runtime(data) as holder:  # another process that is writing the store
        store = holder.stores.open(1)
        store.open_writer()
        mk(data, "config", "set", "store.writer_wait_seconds", "0.5")
        refused = mk(data, "import", "eml", str(tmp_path / "one.eml"), "--user", "alice", ok=False)
        message = refused.stderr.decode()
        assert "is in use by another mailkeep process" in message, message
        assert "waited 0.5 s" in message and "store.writer_wait_seconds" in message
        mk(data, "config", "set", "store.writer_wait_seconds", "60")
        env = {k: v for k, v in os.environ.items() if k != "MAILKEEP_HOME"}
        waiting = subprocess.Popen(
            [
                *(sys.executable, "-m", "mailkeep", "--data-dir", str(data), "import", "eml"),
                *(str(tmp_path / "one.eml"), "--user", "alice", "--json"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        deadline = time.monotonic() + 60
        while not _has_open(waiting.pid, ".writer.lock"):
            assert waiting.poll() is None, waiting.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        store.release_writer()  # the holder finishes while the import waits
        out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err.decode()
    assert json.loads(out)["archived"] == 1
