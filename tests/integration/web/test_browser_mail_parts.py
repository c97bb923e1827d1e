"""Unusual mail in Chromium against `mailkeep serve`: a bounce report read and downloaded,
legacy headers shown, a hostile nesting of 150,000 <div> shown flattened."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailkeep.access.search import search
from mailkeep.runtime import Runtime
from tests.integration.test_serve import serving, wait_healthy
from tests.integration.web.conftest import CHROMIUM
from tests.integration.web.test_browser import log_on, new_page
from tests.integration.web.test_web_mail_parts import unusual_mail_archive
from tests.ports import free_port

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The server's base URL and message ids by a word of each message."""
    data = tmp_path / "data"
    unusual_mail_archive(data)
    with Runtime(data) as runtime:
        ids = {
            word: search(runtime.stores, word, frozenset({"alice"}), 2)[0][0].id
            for word in ("quuxunavailable", "from:Петров", "bottomword")
        }
    port = free_port()
    with serving(data, "--bind", "127.0.0.1", "--http-port", str(port), "--https-port", "0"):
        wait_healthy(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}", ids


def test_bounce_legacy_headers_and_deep_html_in_a_browser(
    browser: Any, served: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, ids = served
    dialogs: list[str] = []
    page = new_page(browser, base, dialogs)
    log_on(page, "alice")
    page.goto(f"/message/{ids['quuxunavailable']}")
    report = page.locator("section.report").first
    assert "Status: 5.1.1" in report.inner_text()
    with page.expect_download() as download:
        page.click("a:has-text('delivery-status.txt')")
    saved = tmp_path / "status.txt"
    download.value.save_as(saved)
    assert b"Final-Recipient: rfc822; nobody@gone.example\r\n" in saved.read_bytes()
    page.goto(f"/message/{ids['from:Петров']}")
    assert page.locator("h1").inner_text() == "Отчёт о продажах за квартал"
    page.goto(f"/message/{ids['bottomword']}", timeout=60_000)
    assert page.locator("p.notice", has_text="shown flattened").count() == 1
    body = page.frame_locator("iframe.body").locator("body")
    assert "bottomword here" in body.inner_text()
    assert dialogs == []
