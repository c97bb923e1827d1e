"""The dashboard in Debian's Chromium against `mailkeep serve`, at desktop and phone widths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.web.conftest import WebArchive
from tests.integration.web.test_browser import CHROMIUM, log_on, new_page

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"]
)
def test_admin_lands_on_a_dashboard_that_fits(
    browser: Any, server: str, web_archive: WebArchive, tmp_path: Path, viewport: dict[str, int]
) -> None:
    dialogs: list[str] = []
    page = new_page(browser, server, dialogs, viewport=viewport)
    log_on(page, "admin", landing="**/admin")
    assert page.locator("h1").inner_text() == "Dashboard"
    rows = page.locator("#archive-table tr")
    assert rows.nth(1).locator("td").nth(0).inner_text().startswith("alice")
    assert rows.nth(1).locator("td").nth(1).inner_text() == "5"
    assert page.locator("svg.growth rect").count() >= 1
    assert page.get_by_role("img", name="Messages per year by mail date").is_visible()
    # Nothing wider than the screen except inside the scrolling table boxes.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.click("#archive-table th >> text=User archive")
    page.wait_for_url("**sort=archive**")
    assert page.locator("#archive-table tr").nth(1).inner_text().startswith("admin")
    page.screenshot(path=str(tmp_path / f"dashboard-{viewport['width']}.png"), full_page=True)
    assert dialogs == []


def test_non_admin_does_not_see_the_dashboard(browser: Any, server: str) -> None:
    dialogs: list[str] = []
    page = new_page(browser, server, dialogs)
    log_on(page, "alice")  # lands on her archive
    assert page.locator("a[href='/admin']").count() == 0
    response = page.goto("/admin")
    assert response is not None and response.status == 403
    assert "Dashboard" not in page.content()
