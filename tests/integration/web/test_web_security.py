"""Security of web access: sessions, authorization on every route, CSRF, throttling, safe HTML."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from mailkeep.access.web.app import create_app
from tests.integration.web.conftest import (
    HOSTILE_FILENAME,
    PASSWORD,
    WebArchive,
    csrf_of,
    login,
)

Make = Callable[..., TestClient]
PUBLIC = {"/login", "/healthz"}


def _concrete(path: str, archive: WebArchive) -> str:
    return (
        path.replace("{id}", archive.alice_ids[0])
        .replace("{index}", "1")
        .replace("{name}", "alice")
    )


def test_every_route_refuses_requests_without_a_session(
    web_archive: WebArchive, app_client: TestClient
) -> None:
    app = create_app(web_archive.runtime)
    checked = 0
    for route in app.routes:
        if isinstance(route, Mount) or not isinstance(route, Route) or route.path in PUBLIC:
            continue
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            url = _concrete(route.path, web_archive)
            response = app_client.request(method, url, follow_redirects=False)
            assert response.status_code == 401, (method, url, response.status_code)
            html = app_client.request(
                method, url, headers={"Accept": "text/html"}, follow_redirects=False
            )
            assert html.status_code in (303, 401), (method, url)
            if method == "GET":
                assert html.headers["location"].startswith("/login?next=")
            checked += 1
    assert checked >= 20


def test_a_user_cannot_reach_another_users_archive(
    web_archive: WebArchive, client_factory: Make
) -> None:
    alice = client_factory("alice")
    bob_message = web_archive.bob_ids[0]
    for suffix in ("", "/body", "/original", "/source", "/part/1", "/part/0"):
        response = alice.get(f"/message/{bob_message}{suffix}")
        assert response.status_code == 404, suffix
        assert "confidential" not in response.text
    assert alice.get("/search", params={"archive": "bob"}).status_code == 403
    everything = alice.get("/search", params={"archive": "*", "q": "confidential"})
    assert everything.status_code == 200
    assert "Bob private" not in everything.text
    assert alice.get("/search", params={"archive": "*", "q": "falcon"}).text.count('class="row"')
    # Guessing ids: other stores, negative and malformed ids answer like missing messages.
    for guess in ("9-1", "1-999999", "abc", "1-", "-1"):
        assert alice.get(f"/message/{guess}").status_code == 404


def test_a_grant_takes_effect_and_its_removal_too(
    web_archive: WebArchive, client_factory: Make
) -> None:
    admin = client_factory("admin")
    alice = client_factory("alice")
    bob_message = web_archive.bob_ids[0]
    assert alice.get(f"/message/{bob_message}").status_code == 404
    token = csrf_of(admin)
    form = {"csrf": token, "action": "grant", "archive": "bob", "archive_privileges": "read"}
    assert admin.post("/admin/users/alice", data=form, follow_redirects=False).status_code == 303
    assert alice.get(f"/message/{bob_message}").status_code == 200
    assert "Bob private" in alice.get("/search", params={"archive": "bob"}).text
    form = {"csrf": token, "action": "grant", "archive": "bob"}
    assert admin.post("/admin/users/alice", data=form, follow_redirects=False).status_code == 303
    assert alice.get(f"/message/{bob_message}").status_code == 404
    assert alice.get("/search", params={"archive": "bob"}).status_code == 403


def test_posts_without_the_csrf_token_are_refused(client_factory: Make) -> None:
    admin = client_factory("admin")
    form = {"name": "mallory", "privileges": "admin"}
    assert admin.post("/admin/users", data=form).status_code == 403
    wrong = {**form, "csrf": "forged"}
    assert admin.post("/admin/users", data=wrong).status_code == 403
    token = csrf_of(admin)
    cross_site = admin.post(
        "/admin/users", data={**form, "csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403
    fetch_site = admin.post(
        "/logout", data={"csrf": token}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert fetch_site.status_code == 403
    assert "mallory" not in admin.get("/admin/users").text
    ok = admin.post("/admin/users", data={**form, "csrf": token}, follow_redirects=False)
    assert ok.status_code == 303


def test_login_throttling_per_account(client_factory: Make) -> None:
    client = client_factory()
    for _ in range(5):
        refused = client.post("/login", data={"username": "alice", "password": "wrong"})
        assert refused.status_code == 401
    blocked = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed logons" in blocked.text
    # Another account from another address is unaffected.
    other = client_factory(address="10.0.0.9")
    login(other, "bob")


def test_login_throttling_per_address(web_archive: WebArchive, client_factory: Make) -> None:
    web_archive.runtime.set_setting("web.login_failures_per_address", "3")
    client = client_factory(address="10.0.0.7")
    for n in range(3):
        client.post("/login", data={"username": f"nobody{n}", "password": "x"})
    assert client.post("/login", data={"username": "bob", "password": PASSWORD}).status_code == 429


def test_failed_and_successful_logins_are_audited(
    web_archive: WebArchive, client_factory: Make
) -> None:
    client = client_factory()
    client.post("/login", data={"username": "alice", "password": "hunter2-typo"})
    login(client, "alice")
    events = web_archive.runtime.audit.recent(10, "login.")
    names = [(e.name, e.actor) for e in events]
    assert ("login.failed", "alice") in names
    assert ("login.succeeded", "alice") in names
    assert all("hunter2" not in str(e.as_dict()) for e in events)  # no password in the log


def test_users_without_login_privilege_cannot_log_on(client_factory: Make) -> None:
    client = client_factory()
    response = client.post("/login", data={"username": "nologin", "password": PASSWORD})
    assert response.status_code == 401


def test_default_admin_password_only_from_the_local_machine(
    web_archive: WebArchive, client_factory: Make
) -> None:
    web_archive.runtime.users.set_password("admin", "admin")
    remote = client_factory(address="192.0.2.10")
    response = remote.post("/login", data={"username": "admin", "password": "admin"})
    assert response.status_code == 401
    local = client_factory(address="127.0.0.1")
    login(local, "admin", "admin")


def test_sessions_end_on_logout_and_password_change(
    web_archive: WebArchive, client_factory: Make
) -> None:
    alice = client_factory("alice")
    second = client_factory("alice")
    token = csrf_of(alice)
    assert alice.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert alice.get("/search", follow_redirects=False).status_code == 401
    web_archive.runtime.users.set_password("alice", "another password")
    assert second.get("/search", follow_redirects=False).status_code == 401


def test_session_cookie_flags(client_factory: Make) -> None:
    client = client_factory()
    response = client.post(
        "/login", data={"username": "alice", "password": PASSWORD}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    https = TestClient(client.app, base_url="https://testserver", client=("127.0.0.1", 1))
    secure = https.post(
        "/login", data={"username": "alice", "password": PASSWORD}, follow_redirects=False
    )
    assert "secure" in secure.headers["set-cookie"].lower()


def test_open_redirects_after_login_are_refused(client_factory: Make) -> None:
    client = client_factory()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/",
                   "javascript:alert(1)", "/\tevil"):  # fmt: skip
        response = client.post(
            "/login",
            data={"username": "alice", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


def test_mail_html_is_sanitised_and_framed(web_archive: WebArchive, client_factory: Make) -> None:
    alice = client_factory("alice")
    body = alice.get(f"/message/{web_archive.hostile_id}/body")
    assert body.status_code == 200
    lowered = body.text.lower()
    for active in ("<script", "onerror", "onmouseover", "onload", "javascript:", "<iframe",
                   "<form", "<svg"):  # fmt: skip
        assert active not in lowered, active
    csp = body.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "sandbox" in csp
    assert "script-src" not in csp
    assert "https:" not in csp  # remote images blocked until asked for
    with_images = alice.get(f"/message/{web_archive.hostile_id}/body", params={"images": "1"})
    assert "https:" in with_images.headers["content-security-policy"]
    page = alice.get(f"/message/{web_archive.hostile_id}")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page.text
    assert "Remote images are blocked" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_hostile_attachment_is_only_ever_downloaded(
    web_archive: WebArchive, client_factory: Make
) -> None:
    alice = client_factory("alice")
    page = alice.get(f"/message/{web_archive.hostile_id}").text
    assert HOSTILE_FILENAME not in page  # escaped
    import re

    index = re.search(r'/part/(\d+)" download>&lt;img', page)
    assert index, page
    response = alice.get(f"/message/{web_archive.hostile_id}/part/{index.group(1)}")
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_non_admins_cannot_use_admin_pages(client_factory: Make) -> None:
    alice = client_factory("alice")
    token = csrf_of(alice)
    for path in ("/admin", "/admin/users", "/admin/users/bob", "/admin/stores", "/admin/indexing"):
        assert alice.get(path).status_code == 403, path
    form = {"csrf": token, "action": "privileges", "privileges": "admin"}
    assert alice.post("/admin/users/alice", data=form).status_code == 403
    assert alice.post("/admin/stores", data={"csrf": token, "action": "create"}).status_code == 403


@pytest.mark.parametrize("path", ["/healthz"])
def test_health_needs_no_session(app_client: TestClient, path: str) -> None:
    assert app_client.get(path).text == "ok"


def test_back_links_stay_on_this_site(web_archive: WebArchive, client_factory: Make) -> None:
    alice = client_factory("alice")
    for target in ("//evil.example/", "/\\evil.example", "https://evil.example/"):
        page = alice.get(f"/message/{web_archive.alice_ids[0]}", params={"back": target}).text
        assert 'href="/" id="back"' in page
    ok = alice.get(f"/message/{web_archive.alice_ids[0]}", params={"back": "/search?q=x"}).text
    assert 'href="/search?q=x" id="back"' in ok
