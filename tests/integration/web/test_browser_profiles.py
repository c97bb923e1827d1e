"""Archiving profiles in a real Chromium against `mailkeep serve` and a real Dovecot: the typed
password survives Test and form errors, the test report shows beside the buttons, profiles are
edited and run, the last run (also of a command-line run) is shown with its status, and a
failed run says why."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mailkeep.jobs.profiles import ProfileSpec
from tests.conftest import build_message
from tests.dovecot import Dovecot
from tests.integration.conftest import PASSWORD as MAIL_PASSWORD
from tests.integration.conftest import fill
from tests.integration.web.conftest import CHROMIUM, WebArchive, web_server
from tests.integration.web.test_browser import log_on, new_page

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")


def _wait_for_status(page: Any, status: str) -> str:
    """The newest result row of the profile page once it has ``status`` (reloading meanwhile)."""
    for _ in range(120):
        page.reload()
        row = str(page.locator("table.results tr").nth(1).inner_text())
        if status in row:
            return row
        page.wait_for_timeout(500)
    raise AssertionError(f"no {status} result: {row}")


def _in_view(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.evaluate("window.innerHeight")
    return box is not None and box["y"] >= 0 and box["y"] < height


def test_password_kept_after_test_and_errors(browser: Any, server: str, dovecot: Dovecot) -> None:
    fill(dovecot, "alice@example.com", "INBOX", [build_message(n) for n in (311, 312)])
    dialogs: list[str] = []
    admin = new_page(browser, server, dialogs)
    log_on(admin, "admin", landing="**/admin")
    admin.goto("/profiles/new?kind=imap")
    admin.fill("input[name=name]", "kept")
    admin.fill("input[name=host]", "127.0.0.1")
    admin.fill("input[name=port]", str(dovecot.imap))
    admin.select_option("select[name=security]", "none")
    admin.fill("input[name=username]", "alice@example.com")
    admin.fill("input[name=password]", MAIL_PASSWORD)
    admin.select_option("select[name=archive]", "alice")
    admin.click("button[value=test]")
    admin.wait_for_selector("#test-report.good")
    assert _in_view(admin, "#test-report")  # shown beside the buttons, not below the fold
    assert "INBOX" in admin.locator("#test-report").inner_text()
    assert admin.locator("#password-kept").is_visible()
    assert admin.input_value("input[name=password]") == ""
    assert MAIL_PASSWORD not in admin.content()  # only a sealed token is in the page
    admin.fill("input[name=schedule]", "fortnightly")  # a form error
    admin.click("button[value=save]")
    admin.wait_for_selector("#form-error")
    assert _in_view(admin, "#form-error") and "schedule" in admin.inner_text("#form-error").lower()
    assert admin.locator("#password-kept").is_visible()
    admin.fill("input[name=schedule]", "")
    admin.click("button[value=save]")  # the password is not typed again
    admin.wait_for_url("**/profiles/kept")
    admin.click("button[value=run]")
    row = _wait_for_status(admin, "succeeded")
    assert "\t2\t" in row  # the kept password logged on
    assert dialogs == []


def test_edit_profile_and_run_it(
    browser: Any, server: str, dovecot: Dovecot, web_archive: WebArchive
) -> None:
    fill(dovecot, "alice@example.com", "INBOX", [build_message(n) for n in (321, 322)])
    fill(dovecot, "alice@example.com", "Projects", [build_message(323)])
    settings = {
        "host": "127.0.0.1",
        "port": dovecot.imap,
        "security": "none",
        "insecure": False,
        "username": "alice@example.com",
        "exclude": ["Projects"],
    }
    spec = ProfileSpec("editme", "imap", settings, {"password": MAIL_PASSWORD}, "alice", "admin")
    web_archive.runtime.jobs.profiles.create(spec, datetime.now(UTC))
    dialogs: list[str] = []
    admin = new_page(browser, server, dialogs)
    log_on(admin, "admin", landing="**/admin")
    admin.goto("/profiles/editme")
    admin.click("#edit-profile")
    admin.wait_for_url("**/profiles/editme/edit")
    assert admin.input_value("input[name=host]") == "127.0.0.1"
    assert admin.input_value("textarea[name=exclude]") == "Projects"
    assert admin.input_value("input[name=password]") == ""  # empty: the stored one stays
    admin.fill("textarea[name=exclude]", "")
    admin.fill("input[name=schedule]", "daily:02:00")
    admin.click("button[value=save]")
    admin.wait_for_url("**/profiles/editme")
    assert "daily:02:00" in admin.inner_text("dl.headers")
    admin.click("button[value=run]")
    row = _wait_for_status(admin, "succeeded")
    assert "\t3\t" in row  # Projects is archived now, with the stored password
    assert dialogs == []


def _cli(data_dir: Path, *args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mailkeep", "--data-dir", str(data_dir), *args]
    return subprocess.run(command, input=password + "\n", text=True, capture_output=True)


def test_cli_runs_show_last_run_and_why_they_failed(
    browser: Any, dovecot: Dovecot, web_archive: WebArchive
) -> None:
    fill(dovecot, "alice@example.com", "INBOX", [build_message(331)])
    server = ("--host", "127.0.0.1", "--port", str(dovecot.imap), "--security", "none")
    for name, password in (("good", MAIL_PASSWORD), ("bad", "wrong password")):
        created = _cli(web_archive.data_dir, "profile", "create", "imap", name, *server,
                       "--username", "alice@example.com", "--password-stdin", "--user", "alice",
                       password=password)  # fmt: skip
        assert created.returncode == 0, created.stderr
        _cli(web_archive.data_dir, "profile", "run", name)
    dialogs: list[str] = []
    with web_server(web_archive.data_dir) as base:
        admin = new_page(browser, base, dialogs)
        log_on(admin, "admin", landing="**/admin")
        admin.goto("/profiles")
        good = admin.locator("#profiles tr:has(a:text-is('good')) td.last-run")
        assert "succeeded" in good.inner_text() and "20" in good.inner_text()  # a date
        bad = admin.locator("#profiles tr:has(a:text-is('bad')) td.last-run")
        assert "failed" in bad.inner_text()
        why = admin.locator("table.results tr.status-failed td.why").first.inner_text()
        assert why.strip()  # the failure reason, in the list of recent results
        bad.locator("a").click()
        admin.wait_for_url("**/profiles/bad#result-*")
        problems = admin.locator("details[open] ul.problems")
        assert problems.is_visible() and why.split(" and ")[0].strip() in problems.inner_text()
    assert dialogs == []
