"""Bidi and invisible characters in names, subjects and addresses, seen in a real Chromium
against ``mailkeep serve``: they show as visible markers (``invoice⟨U+202E⟩fdp.exe``), never
reordering text (raw, ``invoice\\u202efdp.exe`` reads as ``invoiceexe.pdf``)."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from tests.conftest import source_of
from tests.integration.test_serve import serving, wait_healthy
from tests.integration.web.conftest import CHROMIUM
from tests.integration.web.conftest import CHROMIUM_ARGS as ARGS
from tests.integration.web.test_browser import log_on
from tests.ports import free_port

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
PASSWORD = "bidi pw 12"
RLO = "\u202e"
FILENAME = f"invoice{RLO}fdp.exe"
SUBJECT = f"Your invoice{RLO}fdp.exe is ready\u200b"
SENDER = f"Pay\u2066Pal\u2069 <billing{RLO}moc.evil@example.com>"


def _spoofing_message() -> bytes:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = "alice@example.com"
    message["Subject"] = SUBJECT
    message["Date"] = "Mon, 01 Jul 2024 10:00:00 +0000"
    message["Message-ID"] = "<bidi@example.com>"
    message.set_content("Please open the attachment.")
    message.add_attachment(b"MZ not really", "application", "octet-stream", filename=FILENAME)
    return message.as_bytes()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data = tmp_path / "data"
    with Runtime.init(data) as runtime:
        runtime.set_setting("ingest.workers", "1")
        runtime.users.create("alice", ("alice@example.com",), password=PASSWORD)
        import_source(runtime, source_of([_spoofing_message()], f"Inbox/Bills{RLO}"), "alice")
    port = free_port()
    args = ("--bind", "127.0.0.1", "--api-port", "0", "--http-port", str(port))
    with serving(data, *args, "--https-port", "0"):
        wait_healthy(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}", data


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_bidi_and_invisible_characters_are_shown_escaped(
    browser: Any, server: tuple[str, Path], tmp_path: Path
) -> None:
    base, _data = server
    page = browser.new_context(base_url=base, accept_downloads=True).new_page()
    log_on(page, "alice", PASSWORD)
    row = page.locator("#messages li a.row").first
    subject = row.locator(".subject").inner_text().strip()  # after the attachment icon
    assert subject == "Your invoice⟨U+202E⟩fdp.exe is ready⟨U+200B⟩"
    assert "Pay⟨U+2066⟩Pal⟨U+2069⟩" in row.locator(".from").inner_text()
    assert "Bills⟨U+202E⟩" in page.locator("#folders").inner_text()  # the folder tree
    row.click()
    page.wait_for_url("**/message/**")
    assert page.locator("h1").inner_text() == "Your invoice⟨U+202E⟩fdp.exe is ready⟨U+200B⟩"
    assert page.title() == "Your invoice⟨U+202E⟩fdp.exe is ready⟨U+200B⟩ · mailkeep"
    headers = page.locator("dl.headers").inner_text()
    assert "billing⟨U+202E⟩moc.evil@example.com" in headers
    link = page.locator("ul.attachments a").first
    assert link.inner_text() == "invoice⟨U+202E⟩fdp.exe"
    body = page.locator("body").inner_text()
    assert RLO not in body and "\u200b" not in body and "\u2066" not in body
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename.endswith("fdp.exe")  # what it is, not ".pdf"
    assert RLO not in download.suggested_filename
    saved = tmp_path / "saved"
    download.save_as(saved)
    assert saved.read_bytes() == b"MZ not really"
