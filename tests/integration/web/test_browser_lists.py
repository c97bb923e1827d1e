"""Message lists, search errors and phones in a real Chromium against `mailkeep serve`: sorting
by column headers across pages, page size and jump to page, inline query errors, no page wider
than a phone, the folder tree folded above the list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailkeep.index.sortkeys import sender_key, subject_key
from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from tests.conftest import build_message, source_of
from tests.integration.web.conftest import CHROMIUM, PASSWORD, web_server
from tests.integration.web.test_browser import log_on, new_page

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
MESSAGES = 60
PHONE = {"width": 390, "height": 844}
CLIP = (("notes.txt", "text/plain", b"attached notes\n"),)


def _message(n: int) -> bytes:
    """Senders repeat (ties to keep stable across pages); subjects and sizes are all different."""
    return build_message(
        n,
        subject=f"{'Re: ' if n % 4 == 0 else ''}Topic {(n * 37) % MESSAGES:02d}",
        sender=f"Sender {chr(ord('A') + n % 7)} <s{n % 7}@example.com>",
        body="x" * (100 + (n * 53) % MESSAGES * 40),
        attachments=CLIP if n % 5 == 0 else (),
    )


@pytest.fixture(scope="module")
def list_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over 60 messages of alice's (Inbox and Inbox/Old); the tests only read."""
    directory = tmp_path_factory.mktemp("lists") / "data"
    with Runtime.init(directory) as runtime:
        runtime.set_setting("ingest.workers", "1")
        runtime.users.create("alice", ("alice@example.com",), password=PASSWORD)
        runtime.users.create("admin", privileges=("admin", "login"), password=PASSWORD)
        import_source(runtime, source_of([_message(n) for n in range(50)], "Inbox"), "alice")
        old = [_message(n) for n in range(50, MESSAGES)]
        import_source(runtime, source_of(old, "Inbox/Old"), "alice")
    with web_server(directory) as base:
        yield base


def _rows(page: Any) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "#messages li a.row",
        """rows => rows.map(r => ({href: r.getAttribute('href').split('?')[0],
            sender: r.querySelector('.from').textContent,
            subject: Array.from(r.querySelector('.subject').childNodes)
                .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('').trim(),
            size: r.querySelector('.size').textContent,
            clip: r.querySelector('.subject svg.clip') !== null}))""",
    )


def _all_pages(page: Any) -> list[dict[str, str]]:
    """The rows of every page, following the Next links."""
    rows = _rows(page)
    while page.locator("a[rel=next]").count():
        page.click("a[rel=next]")
        page.wait_for_load_state()
        rows += _rows(page)
    return rows


def test_sort_by_column_headers_across_pages(browser: Any, list_server: str) -> None:
    dialogs: list[str] = []
    page = new_page(browser, list_server, dialogs)
    log_on(page, "alice")
    page.goto("/search?archive=alice&per=25")
    page.click("#columns a[data-sort=subject]")
    page.wait_for_url("**sort=subject**")
    assert page.get_attribute("#columns a[data-sort=subject]", "aria-sort") == "ascending"
    ascending = _all_pages(page)
    keys = [subject_key(r["subject"]) for r in ascending]
    assert len(ascending) == MESSAGES and keys == sorted(keys)
    assert len({r["href"] for r in ascending}) == MESSAGES  # each message once, on one page
    assert [r["clip"] for r in ascending].count(True) == MESSAGES // 5
    page.goto("/search?archive=alice&per=25&sort=subject")
    page.click("#columns a[data-sort=subject]")  # a second click turns the order round
    page.wait_for_url("**sort=subject-desc**")
    assert [subject_key(r["subject"]) for r in _all_pages(page)] == keys[::-1]
    page.goto("/search?archive=alice&per=25")
    page.click("#columns a[data-sort=sender]")
    page.wait_for_url("**sort=sender**")
    by_sender = _all_pages(page)
    senders = [sender_key(r["sender"]) for r in by_sender]
    assert senders == sorted(senders) and len({r["href"] for r in by_sender}) == MESSAGES
    assert dialogs == []


def test_sort_by_size_page_size_and_jump(browser: Any, list_server: str) -> None:
    dialogs: list[str] = []
    page = new_page(browser, list_server, dialogs)
    log_on(page, "alice")
    page.goto("/search?archive=alice")
    page.click("#columns a[data-sort=size]")  # largest first
    page.wait_for_url("**sort=size-desc**")
    page.select_option(".pager select[name=per]", "25")
    page.fill(".pager input[name=page]", "3")
    page.click(".pager button[type=submit]")
    page.wait_for_url("**page=3**")
    last = _rows(page)
    assert len(last) == MESSAGES - 50
    assert "page 3 of 3" in page.locator(".summary").inner_text()
    page.fill(".pager input[name=page]", "99")  # past the end: the last page
    page.click(".pager button[type=submit]")
    page.wait_for_url("**page=99**")
    assert [r["href"] for r in _rows(page)] == [r["href"] for r in last]
    page.goto("/search?archive=alice&sort=size-desc&per=100")
    sizes = [_bytes(r["size"]) for r in _rows(page)]
    assert len(sizes) == MESSAGES and sizes == sorted(sizes, reverse=True)
    assert dialogs == []


def _bytes(shown: str) -> float:
    number, unit = shown.split()
    return float(number) * {"Bytes": 1, "kB": 1000, "MB": 1000**2}[unit]


def test_query_syntax_error_keeps_the_layout(browser: Any, list_server: str) -> None:
    dialogs: list[str] = []
    page = new_page(browser, list_server, dialogs, viewport={"width": 1280, "height": 800})
    log_on(page, "alice")
    page.goto("/search?archive=alice&q=from%3A%28")
    error = page.locator("section.list #query-error")
    assert "Invalid query" in error.inner_text() and error.is_visible()
    side = page.locator("#folders").bounding_box()
    listing = page.locator("section.list").bounding_box()
    assert side["x"] + side["width"] <= listing["x"]  # side by side, as without the error
    assert abs(side["y"] - listing["y"]) < 2
    assert page.get_attribute("#q", "aria-invalid") == "true"
    assert page.locator("input[type=search]").count() == 1  # one search box on the page
    assert dialogs == []


def test_phone_pages_never_scroll_sideways(browser: Any, list_server: str) -> None:
    dialogs: list[str] = []
    admin = new_page(browser, list_server, dialogs, viewport=PHONE)
    log_on(admin, "admin", landing="**/admin")
    for path in ("/search?archive=alice", "/search?archive=alice&q=from%3A%28", "/profiles",
                 "/profiles/new?kind=imap-multi", "/admin", "/admin/users", "/admin/stores",
                 "/admin/users/alice"):  # fmt: skip
        admin.goto(path)
        assert admin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path


def test_phone_folder_tree_folds_above_the_list(browser: Any, list_server: str) -> None:
    dialogs: list[str] = []
    page = new_page(browser, list_server, dialogs, viewport=PHONE)
    log_on(page, "alice")
    page.goto("/search?archive=alice")
    folders = page.locator("#folders")
    assert folders.get_attribute("open") is None  # folded
    assert folders.bounding_box()["y"] < page.locator("#messages").bounding_box()["y"]
    assert page.locator("#messages li a.row").first.is_visible()
    page.click("#folders > summary")
    page.click("#folders a:has-text('Old')")
    page.wait_for_url(re.compile(r"folder=Inbox(/|%2F)Old"))
    assert page.locator("#messages li a.row").count() == MESSAGES - 50
    assert "alice / Inbox/Old" in page.locator("#folders > summary").inner_text()
