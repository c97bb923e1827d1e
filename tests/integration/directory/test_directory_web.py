"""The directory administration page: admin only, CSRF, test settings (dry run), save, sync."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mailkeep.access.web.app import create_app
from mailkeep.directory.config import DirectoryConfig
from mailkeep.runtime import Runtime
from tests.integration.directory.conftest import READER_DN, READER_PASSWORD, names
from tests.integration.web.conftest import csrf_of, login


@pytest.fixture
def admin(rt: Runtime) -> Iterator[TestClient]:
    rt.users.create("plain", password="plain pw 1")
    with TestClient(create_app(rt), client=("127.0.0.1", 40000)) as client:
        login(client, "admin", "admin pw 1")
        yield client


def _form(ldap_config: DirectoryConfig, csrf: str, action: str) -> dict[str, object]:
    return {
        "csrf": csrf, "action": action, "type": "ldap", "host": "127.0.0.1",
        "port": str(ldap_config.port), "security": "none", "bind_dn": READER_DN,
        "bind_password": READER_PASSWORD, "base_dn": ldap_config.base_dn,
        "email_attributes": "mail", "nested_groups": "walk", "login": "directory",
        "imap_security": "none", "imap_port": "0", "file_encoding": "utf-8",
        "privileges": ["login", "archive"],
    }  # fmt: skip


def test_page_is_for_administrators_only(rt: Runtime, admin: TestClient) -> None:
    page = admin.get("/admin/directory")
    assert page.status_code == 200 and "Directory services" in page.text
    assert 'href="/admin/directory"' in admin.get("/admin/users").text
    with TestClient(create_app(rt), client=("127.0.0.1", 40001)) as plain:
        login(plain, "plain", "plain pw 1")
        assert plain.get("/admin/directory").status_code == 403
        refused = plain.post("/admin/directory", data={"csrf": csrf_of(plain), "action": "sync"})
        assert refused.status_code == 403


def test_post_without_csrf_is_refused(admin: TestClient, ldap_config: DirectoryConfig) -> None:
    form = _form(ldap_config, "wrong", "save")
    assert admin.post("/admin/directory", data=form).status_code == 403


def test_test_settings_save_and_sync(
    rt: Runtime, admin: TestClient, ldap_config: DirectoryConfig
) -> None:
    csrf = csrf_of(admin)
    tested = admin.post("/admin/directory", data=_form(ldap_config, csrf, "test"))
    assert tested.status_code == 200
    assert "3 created" in tested.text and "none made" in tested.text
    assert names(rt) == {"admin", "plain"}
    assert rt.setting("directory.type") == ""  # testing saved nothing
    saved = admin.post(
        "/admin/directory", data=_form(ldap_config, csrf, "save"), follow_redirects=False
    )
    assert saved.status_code == 303
    page = admin.get("/admin/directory").text
    assert READER_PASSWORD not in page and "set; leave empty to keep" in page
    synced = admin.post("/admin/directory", data={"csrf": csrf, "action": "sync"})
    assert synced.status_code == 200 and "Synchronised" in synced.text
    assert rt.users.get("alice").privileges == ("login", "archive")
    assert rt.audit.recent(1)[0].name == "directory.synced"


def test_bad_settings_are_shown_not_saved(admin: TestClient, ldap_config: DirectoryConfig) -> None:
    form = {**_form(ldap_config, csrf_of(admin), "save"), "filter": "(uid=a"}
    response = admin.post("/admin/directory", data=form)
    assert response.status_code == 400 and "Invalid LDAP filter" in response.text
    form = {**_form(ldap_config, csrf_of(admin), "test"), "bind_password": "wrong"}
    response = admin.post("/admin/directory", data=form)
    assert response.status_code == 400 and "refused the bind DN or password" in response.text
