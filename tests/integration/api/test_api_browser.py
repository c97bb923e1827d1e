"""Cross-site requests to the administration API (issue 11, item 3), made as the attack was:
a browser holding an administrator's Basic credentials for the API origin opens a hostile
page, which makes it post ``/api/invoke/CreateUser`` there. Debian's Chromium, driven by
Playwright, against the session's ``mailkeep serve``; and the same headers sent raw."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.integration.api.conftest import PASSWORD, ApiServer
from tests.integration.api.wire import BOM, WireClient
from tests.integration.web.conftest import CHROMIUM
from tests.integration.web.conftest import CHROMIUM_ARGS as ARGS
from tests.ports import free_port

FIELDS = {"userName": "mallory", "privileges": "admin", "password": "taken over 1"}


def _attack_page(api: str, name: str) -> str:
    """A hostile page: a hidden form that posts itself, and a no-cors fetch beside it."""
    form = "".join(
        f'<input type="hidden" name="{k}" value="{v}">'
        for k, v in {**FIELDS, "userName": name}.items()
    )
    body = urlencode({**FIELDS, "userName": f"{name}-fetch"})
    return f"""<!doctype html><html><body>
<form id="f" method="POST" action="{api}/api/invoke/CreateUser">{form}</form>
<script>
fetch("{api}/api/invoke/CreateUser", {{method: "POST", mode: "no-cors", credentials: "include",
  headers: {{"Content-Type": "application/x-www-form-urlencoded"}}, body: "{body}"}})
  .finally(() => document.getElementById("f").submit());
</script></body></html>"""


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.mark.parametrize(
    ("attacker", "name"),
    [
        ("http://attacker.example", "mallory"),  # another site
        (f"http://127.0.0.1:{free_port()}", "mallory-neighbour"),  # same site, another port
    ],
    ids=["another-site", "same-site-another-port"],  # the port differs per xdist worker
)
def test_a_hostile_page_cannot_create_a_user_with_cached_credentials(
    browser: Any, api_server: ApiServer, attacker: str, name: str
) -> None:
    api = api_server.http_url
    credentials = {"username": "admin", "password": PASSWORD, "origin": api}
    context = browser.new_context(http_credentials=credentials)
    page = context.new_page()
    # The administrator opened /metrics in this browser: the credentials are in use there.
    assert page.goto(f"{api}/metrics").status == 200
    html = _attack_page(api, name)
    page.route(f"{attacker}/**", lambda route: route.fulfill(body=html, content_type="text/html"))
    # Statuses only: reading a body in this handler races with the form's navigation.
    answers: list[int] = []
    page.on(
        "response",
        lambda r: (
            answers.append(r.status)
            if r.url.endswith("/CreateUser") and r.request.method == "POST"
            else None
        ),
    )
    with page.expect_navigation(url=f"{api}/api/invoke/CreateUser", timeout=90_000):
        page.goto(f"{attacker}/prize.html")
    page.wait_for_load_state()
    shown = page.content()  # what the form's post was answered, as the browser shows it
    context.close()
    users = {u["userName"] for u in api_server.client().result("GetUsers")}
    assert name not in users and f"{name}-fetch" not in users
    # Refused for being cross-site, with the credentials sent: not merely unauthenticated.
    assert answers and set(answers) == {403}, answers
    assert "Cross-site request refused." in shown


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"},
        {"Sec-Fetch-Mode": "no-cors"},
    ],
)
def test_requests_marked_cross_site_are_refused_before_anything_runs(
    api_server: ApiServer, headers: dict[str, str]
) -> None:
    admin = api_server.client()
    answer = admin.post("/api/invoke/CreateUser", {**FIELDS, "userName": "eve"}, extra=headers)
    assert answer.status == 403 and answer.raw.startswith(BOM)
    assert answer.body["error"]["message"] == "Cross-site request refused."
    assert "eve" not in {u["userName"] for u in admin.result("GetUsers")}


def test_same_origin_scripts_and_clients_without_browser_headers_work(
    api_server: ApiServer,
) -> None:
    admin = api_server.client()
    own = {
        "Origin": api_server.http_url,
        "Sec-Fetch-Site": "same-origin",
        "Sec-Fetch-Mode": "cors",
    }
    assert admin.post("/api/invoke/GetServerInfo", extra=own).body["result"]["version"]
    lazy = WireClient(api_server.http_url, "admin", PASSWORD, preemptive=False)
    assert lazy.result("GetServerInfo")["version"]  # no browser header at all
