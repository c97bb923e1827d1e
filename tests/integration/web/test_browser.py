"""Web access in a real browser: Debian's Chromium driven by Playwright against `mailkeep serve`
(the ``browser`` and ``server`` fixtures are in conftest.py).

Skipped when Chromium is not installed (the test command installs it: scripts/setup.sh --test).
"""

from __future__ import annotations

import mailbox
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import build_message
from tests.integration.web.conftest import CHROMIUM, PASSWORD, WebArchive

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")


def new_page(browser: Any, base: str, dialogs: list[str], **options: Any) -> Any:
    """A page in a fresh context that records any JavaScript dialog (none may ever open)."""
    context = browser.new_context(base_url=base, accept_downloads=True, **options)
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return page


def log_on(
    page: Any, name: str, password: str = PASSWORD, landing: str = "**/search?archive=*"
) -> None:
    """Log on through the form; administrators land on the dashboard (``landing="**/admin"``)."""
    page.goto("/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(landing)


def test_log_on_search_open_and_download(
    browser: Any, server: str, web_archive: WebArchive, tmp_path: Path
) -> None:
    dialogs: list[str] = []
    page = new_page(browser, server, dialogs)
    log_on(page, "alice")
    assert page.locator("#messages li a.row").count() == 5
    page.fill("#q", "falcon")
    page.press("#q", "Enter")
    page.wait_for_url("**q=falcon**")
    assert page.locator("#messages mark").first.inner_text().lower() == "falcon"
    page.goto("/search?archive=alice&q=%22With+attachment%22")
    page.click("#messages li a.row")
    page.wait_for_url("**/message/**")
    assert page.locator("h1").inner_text() == "With attachment"
    with page.expect_download() as attachment:
        page.click("a:has-text('report.txt')")
    saved = tmp_path / "report.txt"
    attachment.value.save_as(saved)
    assert saved.read_bytes() == b"the secret plan for falcons\n"
    with page.expect_download() as original:
        page.click("text=Download .eml")
    original.value.save_as(tmp_path / "original.eml")
    raw = web_archive.runtime.stores.open(1).raw(int(web_archive.attachment_id.split("-")[1]))
    assert (tmp_path / "original.eml").read_bytes() == raw
    assert dialogs == []


def test_keyboard_navigation(browser: Any, server: str) -> None:
    dialogs: list[str] = []
    page = new_page(browser, server, dialogs)
    log_on(page, "alice")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/message/**")
    page.keyboard.press("u")
    page.wait_for_url("**/search?**")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"


def test_hostile_mail_never_runs_script(browser: Any, server: str, web_archive: WebArchive) -> None:
    dialogs: list[str] = []
    page = new_page(browser, server, dialogs)
    log_on(page, "alice")
    page.goto("/search?archive=alice")  # hostile subject and sender in the list
    page.goto(f"/message/{web_archive.hostile_id}")
    frame = page.frame_locator("iframe.body")
    assert "Quarterly numbers" in frame.locator("body").inner_text()
    frame.locator("div:has-text('hover')").last.hover()
    page.click("text=Show images")
    page.wait_for_url("**images=1**")
    assert "Quarterly numbers" in page.frame_locator("iframe.body").locator("body").inner_text()
    page.goto(f"/message/{web_archive.hostile_id}/source")
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.pwned") == "undefined"
    for frame_handle in page.frames:
        assert frame_handle.evaluate("typeof window.pwned") == "undefined"
    assert dialogs == []


def test_admin_creates_user_grants_and_revokes(
    browser: Any, server: str, web_archive: WebArchive
) -> None:
    dialogs: list[str] = []
    admin = new_page(browser, server, dialogs)
    log_on(admin, "admin", landing="**/admin")
    admin.goto("/admin/users")
    admin.fill("#create-user input[name=name]", "dave")
    admin.fill("#create-user input[name=password]", "dave's password")
    admin.click("#create-user button[type=submit]")
    admin.wait_for_url("**/admin/users/dave")
    dave = new_page(browser, server, dialogs)
    log_on(dave, "dave", "dave's password")
    message = web_archive.alice_ids[0]
    assert dave.goto(f"/message/{message}").status == 404
    admin.select_option("#grant select[name=archive]", "alice")
    admin.check("#grant input[value=read]")
    admin.click("#grant button[type=submit]")
    admin.wait_for_load_state()
    assert "alice" in admin.locator("#grant table").inner_text()
    assert dave.goto(f"/message/{message}").status == 200
    dave.goto("/search?archive=alice")
    assert dave.locator("#messages li a.row").count() == 5
    admin.select_option("#grant select[name=archive]", "alice")
    admin.click("#grant button[type=submit]")  # nothing checked: access removed
    admin.wait_for_load_state()
    assert dave.goto(f"/message/{message}").status == 404
    assert dave.goto("/search?archive=alice").status == 403
    assert dialogs == []


def test_upload_mbox_with_progress(browser: Any, server: str, tmp_path: Path) -> None:
    path = tmp_path / "upload.mbox"
    box = mailbox.mbox(path)
    for n in (101, 102):
        box.add(build_message(n, subject=f"Uploaded zebra {n}"))
    box.close()
    dialogs: list[str] = []
    page = new_page(browser, server, dialogs)
    log_on(page, "alice")
    page.goto("/upload")
    page.fill("input[name=folder]", "Imported")
    page.set_input_files("input[name=file]", str(path))
    page.click("#upload button[type=submit]")
    from playwright.sync_api import expect

    expect(page.locator("#upload-status")).to_have_text(re.compile("^Done"), timeout=60_000)
    assert "2 archived" in page.locator("#upload-status").inner_text()
    page.goto("/search?archive=alice&folder=Imported")
    assert page.locator("#messages li a.row").count() == 2


def test_usable_on_a_phone(browser: Any, server: str) -> None:
    dialogs: list[str] = []
    page = new_page(browser, server, dialogs, viewport={"width": 390, "height": 844})
    log_on(page, "alice")
    assert page.locator("#q").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_profile_wizard_test_save_and_run(browser: Any, server: str, dovecot: Any) -> None:
    from playwright.sync_api import expect

    from tests.integration.conftest import PASSWORD as MAIL_PASSWORD
    from tests.integration.conftest import fill

    fill(dovecot, "alice@example.com", "INBOX", [build_message(n) for n in (301, 302)])
    fill(dovecot, "alice@example.com", "Trash", [build_message(303)])
    dialogs: list[str] = []
    admin = new_page(browser, server, dialogs)
    log_on(admin, "admin", landing="**/admin")
    admin.click("text=Archiving")
    admin.click("text=One IMAP mailbox")
    admin.fill("input[name=name]", "alice-imap")
    admin.fill("input[name=host]", "127.0.0.1")
    admin.fill("input[name=port]", str(dovecot.imap))
    admin.select_option("select[name=security]", "none")
    admin.fill("input[name=username]", "alice@example.com")
    admin.fill("input[name=password]", MAIL_PASSWORD)
    admin.select_option("select[name=archive]", "alice")
    admin.fill("textarea[name=exclude]", "Trash")
    admin.click("button[value=test]")
    report = admin.locator("#test-report")
    expect(report).to_contain_text("INBOX")
    expect(report).to_contain_text("Trash — skipped")
    admin.fill("input[name=password]", MAIL_PASSWORD)  # never sent back to the browser
    admin.click("button[value=save]")
    admin.wait_for_url("**/profiles/alice-imap")
    admin.click("button[value=run]")
    for _ in range(60):
        admin.reload()
        if "succeeded" in admin.locator("table.results").inner_text():
            break
        admin.wait_for_timeout(500)
    row = admin.locator("table.results tr").nth(1).inner_text()
    assert "succeeded" in row and "\t2\t" in row
    assert dialogs == []
