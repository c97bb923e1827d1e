"""Directory users log on with their directory password (a bind as themselves); nothing of
that password is stored. Also the web logon through the same function."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from mailkeep.access.authenticate import authenticate
from mailkeep.access.web.app import create_app
from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.sync import sync_directory
from mailkeep.master.models import SettingValue, User
from mailkeep.runtime import Runtime
from tests.integration.directory.conftest import READER_PASSWORD, configure
from tests.ports import free_port


def test_directory_users_bind_with_their_own_password(
    rt: Runtime, ldap_config: DirectoryConfig
) -> None:
    configure(rt, ldap_config)
    sync_directory(rt)
    assert authenticate(rt, "alice", "alice pw") is not None
    assert authenticate(rt, "ALICE", "alice pw") is not None
    assert authenticate(rt, "alice", "bob pw") is None
    assert authenticate(rt, "alice", "") is None  # never an anonymous bind
    assert authenticate(rt, "nobody", "alice pw") is None
    assert authenticate(rt, "admin", "admin pw 1") is not None  # local users as before


def test_manually_created_directory_user_is_found_by_name(
    rt: Runtime, ad_config: DirectoryConfig
) -> None:
    configure(rt, ad_config)
    rt.users.create("jdoe", auth_mode="directoryServices")  # no DN known yet
    assert authenticate(rt, "jdoe", "jdoe pw") is not None
    assert authenticate(rt, "jdoe", "wrong") is None


def test_unreachable_directory_refuses_logon(rt: Runtime, ldap_config: DirectoryConfig) -> None:
    configure(rt, ldap_config)
    sync_directory(rt)
    configure(rt, ldap_config, port=free_port())
    assert authenticate(rt, "alice", "alice pw") is None


def test_no_directory_password_is_stored_in_clear(
    rt: Runtime, ldap_config: DirectoryConfig
) -> None:
    configure(rt, ldap_config)
    sync_directory(rt)
    authenticate(rt, "alice", "alice pw")
    with rt.sessions() as session:
        stored = [s.value for s in session.scalars(select(SettingValue))]
        hashes = [u.password_hash for u in session.scalars(select(User))]
    assert not any(READER_PASSWORD in value for value in stored)
    assert not any("alice pw" in h for h in hashes)
    assert rt.setting("directory.bind_password") == READER_PASSWORD  # sealed, not lost
    assert rt.settings()["directory.bind_password"] == "********"


@pytest.fixture
def client(rt: Runtime, ldap_config: DirectoryConfig, tmp_path: Path) -> TestClient:
    configure(rt, ldap_config)
    sync_directory(rt)
    return TestClient(create_app(rt), base_url="https://testserver")


def test_web_logon_of_a_directory_user(client: TestClient, rt: Runtime) -> None:
    refused = client.post("/login", data={"username": "bob", "password": "wrong"})
    assert refused.status_code == 401
    response = client.post(
        "/login", data={"username": "bob", "password": "bob pw"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert rt.audit.recent(1, "login.")[0].name == "login.succeeded"
