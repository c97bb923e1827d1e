"""A web application over a real data directory: users, grants and archived mail."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mailkeep.access.web.app import create_app
from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from tests.conftest import build_message, source_of
from tests.integration.test_serve import serving, wait_healthy
from tests.ports import free_port

PASSWORD = "correct horse 1"
HOSTILE_HTML = (
    "<html><body><p>Quarterly numbers</p><script>window.pwned = 1; alert('script')</script>"
    "<img src=x onerror=\"alert('img')\"><a href=\"javascript:alert('link')\">click</a>"
    '<div onmouseover="alert(\'hover\')">hover</div><iframe src="https://evil.example/">'
    '</iframe><img src="https://tracker.example/pixel.gif"><form action="https://evil.example/">'
    "<input name=x></form><svg onload=\"alert('svg')\"></svg></body></html>"
)
HOSTILE_SUBJECT = "<script>alert('subject')</script> <img src=x onerror=alert('subject-img')>"
HOSTILE_SENDER = '"<img src=x onerror=alert(1)>" <evil@example.com>'
HOSTILE_FILENAME = "<img src=x onerror=alert('file')>.html"


def hostile_message() -> bytes:
    """HTML mail with every kind of active content, hostile header fields and attachment."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = HOSTILE_SENDER
    message["To"] = "Bob Example <bob@example.org>"
    message["Subject"] = HOSTILE_SUBJECT
    message["Date"] = "Mon, 01 Jul 2024 10:00:00 +0000"
    message["Message-ID"] = "<hostile@example.com>"
    message.set_content("plain alternative")
    message.add_alternative(HOSTILE_HTML, subtype="html")
    message.add_attachment(
        b"<script>alert('attachment')</script>",
        maintype="text",
        subtype="html",
        filename=HOSTILE_FILENAME,
    )
    return message.as_bytes()


@dataclass
class WebArchive:
    """The data directory, the runtime and the ids of some archived messages."""

    data_dir: Path
    runtime: Runtime
    alice_ids: list[str]
    bob_ids: list[str]
    hostile_id: str
    attachment_id: str


def _ids(runtime: Runtime, archive: str) -> list[str]:
    from mailkeep.access.search import search

    results, _ = search(runtime.stores, "larger:0", frozenset({archive}), 500)
    return [r.id for r in results]


@pytest.fixture
def web_archive(tmp_path: Path) -> Iterator[WebArchive]:
    directory = tmp_path / "data"
    with Runtime.init(directory) as rt:
        rt.set_setting("ingest.workers", "1")
        rt.users.create("admin", privileges=("admin", "login", "changePassword"), password=PASSWORD)
        rt.users.create("alice", ("alice@example.com",), password=PASSWORD, full_name="Alice A")
        rt.users.create("bob", ("bob@example.org",), password=PASSWORD)
        rt.users.create("nologin", privileges=(), password=PASSWORD)
        pdfish = (("report.txt", "text/plain", b"the secret plan for falcons\n"),)
        alice_mail = [build_message(i) for i in range(3)]
        alice_mail.append(build_message(10, subject="With attachment", attachments=pdfish))
        alice_mail.append(hostile_message())
        import_source(rt, source_of(alice_mail, "Inbox"), "alice")
        import_source(rt, source_of([build_message(i, subject=f"Bob private {i}",
                      body="bob's confidential budget") for i in range(20, 23)], "Inbox/Work"),
                      "bob")  # fmt: skip
    runtime = Runtime(directory)
    alice_ids = _ids(runtime, "alice")
    from mailkeep.access.search import search

    hostile = search(runtime.stores, "subject:alert", frozenset({"alice"}), 5)[0][0].id
    attached = search(runtime.stores, '"With attachment"', frozenset({"alice"}), 5)[0][0].id
    try:
        yield WebArchive(directory, runtime, alice_ids, _ids(runtime, "bob"), hostile, attached)
    finally:
        runtime.close()


def login(client: TestClient, name: str, password: str = PASSWORD) -> None:
    """Log ``client`` on; fails the test if that does not work."""
    response = client.post(
        "/login", data={"username": name, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's session (from any page)."""
    import re

    page = client.get("/search").text
    found = re.search(r'data-csrf="([^"]+)"', page)
    assert found, page
    return found.group(1)


@pytest.fixture
def app_client(web_archive: WebArchive) -> Iterator[TestClient]:
    """An anonymous client of the web application."""
    with TestClient(create_app(web_archive.runtime), client=("127.0.0.1", 40000)) as client:
        yield client


@pytest.fixture
def client_factory(web_archive: WebArchive) -> Iterator[object]:
    """Make extra clients (each with its own cookies) logged on as a given user."""
    app = create_app(web_archive.runtime)
    clients: list[TestClient] = []

    def make(name: str | None = None, address: str = "127.0.0.1") -> TestClient:
        client = TestClient(app, client=(address, 40000))
        client.__enter__()
        clients.append(client)
        if name:
            login(client, name)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@contextmanager
def web_server(data_dir: Path) -> Iterator[str]:
    """``mailkeep serve`` over ``data_dir`` with only its web listener, on a free port; yields
    its base address."""
    port = free_port()
    options = ("--bind", "127.0.0.1", "--api-port", "0", "--https-port", "0")
    with serving(data_dir, *options, "--http-port", str(port)):
        wait_healthy(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def server(web_archive: WebArchive) -> Iterator[str]:
    """A running server over the ``web_archive`` data directory."""
    with web_server(web_archive.data_dir) as base:
        yield base


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, kept off the network."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
