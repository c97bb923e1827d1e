"""The administrators' dashboard over a small real archive: every panel shows that archive's
real figures, administrators land on it, nobody else can reach it."""

from __future__ import annotations

import html
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from starlette.testclient import TestClient

from mailkeep.access.web.context import human_size
from tests.integration.profiles import create
from tests.integration.web.conftest import WebArchive, csrf_of
from tests.ports import free_port

Make = Callable[..., TestClient]


def table(page: str, table_id: str) -> list[list[str]]:
    """The text of each cell of each body row of the table with ``table_id``."""
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S)
    assert found, f"no table {table_id}"
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(0), re.S)[1:]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in row] for row in cells]


def section(page: str, heading_id: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert found, f"no section {heading_id}"
    return found.group(0)


def archive_sizes(web_archive: WebArchive) -> dict[str, tuple[int, int]]:
    """{archive: (messages, bytes)} as the catalog holds them, entry by entry."""
    totals: dict[str, tuple[int, int]] = {}
    for entry in web_archive.runtime.stores.open(1).catalog.iter_entries():
        count, size = totals.get(entry.archive, (0, 0))
        totals[entry.archive] = (count + 1, size + entry.size)
    return totals


def wait_for(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_admin_lands_on_the_dashboard_and_others_on_their_archive(client_factory: Make) -> None:
    admin = client_factory()
    landed = admin.post("/login", data={"username": "admin", "password": "correct horse 1"})
    assert landed.url.path == "/admin" and "<h1>Dashboard</h1>" in landed.text
    alice = client_factory("alice")
    home = alice.get("/", follow_redirects=False)
    assert home.headers["location"] == "/search?archive=alice"
    refused = alice.get("/admin", headers={"accept": "text/html"})
    assert refused.status_code == 403 and "Dashboard" not in refused.text
    assert alice.get("/admin").json()["error"]
    anonymous = client_factory().get("/admin", headers={"accept": "text/html"},
                                     follow_redirects=False)  # fmt: skip
    assert anonymous.headers["location"].startswith("/login?next=/admin")


def test_archive_table_counts_and_sorts(web_archive: WebArchive, client_factory: Make) -> None:
    admin = client_factory("admin")
    truth = archive_sizes(web_archive)
    assert truth["alice"][0] == 5 and truth["bob"][0] == 3
    page = admin.get("/admin").text
    rows = table(page, "archive-table")
    shown = {r[0].split()[0]: (r[1], r[2]) for r in rows}
    for archive, (count, size) in truth.items():
        assert shown[archive] == (f"{count:,}", human_size(size))
    assert shown["admin"] == ("0", "0 B")  # users' empty archives are listed too
    assert [r[0].split()[0] for r in rows][:2] == ["alice", "bob"]  # most messages first
    by_name = table(admin.get("/admin?sort=archive&order=asc").text, "archive-table")
    assert [r[0].split()[0] for r in by_name] == ["admin", "alice", "bob", "nologin"]
    assert 'aria-sort="ascending"' in admin.get("/admin?sort=archive&order=asc").text
    by_size = table(admin.get("/admin?sort=size&order=asc").text, "archive-table")
    assert [r[0].split()[0] for r in by_size][-1] == max(truth, key=lambda a: truth[a][1])
    total = sum(n for n, _ in truth.values())
    assert f"<strong>{total:,}</strong> messages" in page


def test_growth_chart_by_mail_year(web_archive: WebArchive, client_factory: Make) -> None:
    page = client_factory("admin").get("/admin").text
    years = table(page, "growth-table")
    # Every message of the fixture is dated 2024 (build_message, hostile_message).
    assert years[0][:2] == ["2024", "8"]
    assert [y[0] for y in years] == [str(y) for y in range(2024, int(years[-1][0]) + 1)]
    assert sum(int(y[1]) for y in years) == 8
    chart = section(page, "growth-h")
    assert chart.count('<svg class="growth') == 2 and "<title>2024: 8 messages" in chart
    assert "<desc" in chart and "From 2024 to" in chart


def test_failed_and_running_jobs(web_archive: WebArchive, client_factory: Make) -> None:
    runtime = web_archive.runtime
    settings = {"host": "127.0.0.1", "port": free_port(), "security": "none",
                "insecure": False, "username": "alice@example.com"}  # fmt: skip
    create(runtime, "offline", "imap", settings, "alice", {"password": "hunter2-secret"})
    failed = runtime.jobs.run("offline")
    assert failed.status == "failed"
    admin = client_factory("admin")
    failures = section(admin.get("/admin").text, "failures-h")
    assert f'<a href="/admin/results/{failed.id}">offline</a>' in failures
    assert "Cannot connect" in failures and "hunter2" not in failures
    result = admin.get(f"/admin/results/{failed.id}").text
    assert '<a href="/profiles/offline">offline</a>' in result and "Cannot connect" in result
    assert admin.get("/admin/results/999999", headers={"accept": "text/html"}).status_code == 404
    for bad in (str(2**70), "1-5", "%C3%A9"):
        assert admin.get(f"/admin/results/{bad}").status_code == 404
    alice = client_factory("alice")
    assert alice.get(f"/admin/results/{failed.id}").status_code == 403
    with silent_imap_server() as (port, hang_up):
        create(runtime, "silent", "imap", {**settings, "port": port}, "alice")
        runtime.jobs.start("silent")
        running = wait_for(
            lambda: "Job silent" in (s := section(admin.get("/admin").text, "running-h")) and s,
            "the running job on the dashboard",
        )
        assert 'href="/profiles/silent"' in running and "0 messages read" in running
        hang_up()
        wait_for(lambda: not runtime.jobs.running(), "the job to end")
    page = admin.get("/admin").text
    assert "Job silent" not in section(page, "running-h")
    assert re.search(r'<a href="/admin/results/\d+">silent</a>', section(page, "failures-h"))


def test_a_job_over_many_mailboxes_shows_which_one_it_reads(
    web_archive: WebArchive, client_factory: Make
) -> None:
    runtime, admin = web_archive.runtime, client_factory("admin")
    logins = [f"user{n}@example.com" for n in range(3)]
    with silent_imap_server() as (port, hang_up):
        accounts = [{"login": x, "email": x, "user": "alice"} for x in logins]
        settings = {"host": "127.0.0.1", "port": port, "security": "none", "insecure": False,
                    "accounts": accounts}  # fmt: skip
        create(
            runtime, "many", "imap-csv", settings, None, {"passwords": dict.fromkeys(logins, "pw")}
        )
        runtime.jobs.start("many")
        # The job is listed as soon as it starts, and names its mailbox once it opens the first.
        running = wait_for(
            lambda: "mailbox 1 of 3" in (s := section(admin.get("/admin").text, "running-h")) and s,
            "the running job on the dashboard, reading its first mailbox",
        )
        assert "Job many" in running and 'value="0.000"' in running
        assert "time left unknown" in running  # nothing finished yet to measure by
        hang_up()
        wait_for(lambda: not runtime.jobs.running(), "the job to end")


@contextmanager
def silent_imap_server() -> Iterator[tuple[int, Callable[[], None]]]:
    """A TCP server that accepts connections and never greets: a job on it stays running
    (waiting for the IMAP greeting) until ``hang_up``, which waits for the job's connection
    and closes it."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    connected = threading.Event()

    def accept() -> None:
        try:
            while True:
                accepted.append(listener.accept()[0])
                connected.set()
        except OSError:  # the listener was shut down
            return

    def hang_up() -> None:
        connected.wait(20)
        with suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        listener.close()
        for connection in accepted:
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], hang_up
    finally:
        hang_up()
        thread.join(5)


def test_verify_result_per_store(web_archive: WebArchive, client_factory: Make) -> None:
    admin = client_factory("admin")
    assert table(admin.get("/admin").text, "verify-table")[0][1].startswith("never")
    token = csrf_of(admin)
    started = admin.post("/admin/stores", data={"csrf": token, "action": "verify", "id": "1"},
                         follow_redirects=False)  # fmt: skip
    task = started.headers["location"].split("task=")[1]
    wait_for(lambda: admin.get(f"/admin/tasks/{task}").json()["state"] != "running", "verify")
    page = admin.get("/admin").text
    (row,) = table(page, "verify-table")
    assert row[0].startswith("1 · Archive") and row[1].startswith("just now by admin")
    assert row[2] == "no problems found"
    assert 'href="/admin/stores#store-1"' in section(page, "verify-h")
    assert 'id="store-1"' in admin.get("/admin/stores").text


def test_events_are_readable_and_linked(web_archive: WebArchive, client_factory: Make) -> None:
    admin = client_factory("admin")
    token = csrf_of(admin)
    admin.post("/admin/users", data={"csrf": token, "name": "carol", "password": "a long one 9"})
    page = admin.get("/admin").text
    events = section(page, "events-h")
    first = table(page, "event-table")[0]
    assert first[:4] == ["just now", "admin from 127.0.0.1", "A user was created", "carol"]
    assert '<a href="/admin/users/carol">carol</a>' in events
    assert '<a href="/admin/users/admin">admin</a>' in events  # the actor, too
    assert "A user logged on" in events
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', events)


def test_disk_space_of_data_directory_and_store(
    web_archive: WebArchive, client_factory: Make
) -> None:
    disks = section(client_factory("admin").get("/admin").text, "disk-h")
    assert "Data directory" in disks and str(web_archive.data_dir.resolve()) in disks
    assert re.search(r"Store 1 Archive[^:<]*: content, index, catalog", disks)
    assert disks.count("<meter") == 2 and " free of " in disks


@pytest.fixture(autouse=True)
def _no_leftover_jobs(web_archive: WebArchive) -> Iterator[None]:
    yield
    wait_for(lambda: not web_archive.runtime.jobs.running(), "jobs to end")


def test_cli_verify_of_a_damaged_store_shows_problems(
    web_archive: WebArchive, client_factory: Make
) -> None:
    from tests.integration.test_cli import mk

    (container,) = web_archive.data_dir.glob("stores/*/content/*.mkc")
    damaged = bytearray(container.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF  # inside some message's record
    container.write_bytes(bytes(damaged))
    mk(web_archive.data_dir, "store", "verify", ok=False)
    (row,) = table(client_factory("admin").get("/admin").text, "verify-table")
    assert row[1].startswith("just now by cli") and row[2] == "problems found"
