"""The user management CLI contract: init's admin, passwd, privileges, grant, rename, delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailkeep.runtime import Runtime
from tests.integration.test_cli import mk, mkjson


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One data directory for the module (starting processes is slow); each test uses its
    # own users or restores what it changes.
    directory = tmp_path_factory.mktemp("cli-users") / "data"
    mk(directory, "init", "--admin-password-stdin", stdin=b"first admin pw\n")
    mkjson(directory, "user", "create", "alice", "--email", "alice@example.com")
    mkjson(directory, "user", "create", "bob", "--email", "bob@example.org")
    mkjson(directory, "user", "create", "carol", "--email", "carol@example.org")
    return directory


def test_init_creates_admin_with_a_generated_password_shown_once(tmp_path: Path) -> None:
    created = mkjson(tmp_path / "d", "init")
    password = created["adminPassword"]
    assert len(password) >= 12
    with Runtime(tmp_path / "d") as runtime:
        admin = runtime.users.verify_password("admin", password)
        assert admin is not None and admin.is_admin
    again = mkjson(tmp_path / "d", "init", "--if-missing")
    assert again == {"dataDir": str((tmp_path / "d").resolve()), "created": False}


def test_init_admin_password_from_stdin(data: Path) -> None:
    with Runtime(data) as runtime:
        assert runtime.users.verify_password("admin", "first admin pw") is not None


def test_passwd_from_stdin(data: Path) -> None:
    shown = mkjson(data, "user", "passwd", "alice", "--password-stdin", stdin=b"new secret 1\n")
    assert shown["name"] == "alice"
    assert "new secret 1" not in str(shown)
    with Runtime(data) as runtime:
        assert runtime.users.verify_password("alice", "new secret 1") is not None
    mk(data, "user", "passwd", "nobody", "--password-stdin", stdin=b"x\n", ok=False)
    mk(data, "user", "passwd", "alice", "--password-stdin", stdin=b"\n", ok=False)


def test_privileges(data: Path) -> None:
    shown = mkjson(data, "user", "privileges", "alice", "login,archive,export")
    assert shown["privileges"] == ["login", "archive", "export"]
    assert mkjson(data, "user", "privileges", "alice", "none")["privileges"] == []
    mk(data, "user", "privileges", "alice", "login,superuser", ok=False)


def test_grant_and_revoke(data: Path) -> None:
    granted = mkjson(data, "user", "grant", "alice", "BOB", "read")
    assert granted["archive"] == "bob"
    assert granted["grants"] == {"bob": ["read"]}
    both = mkjson(data, "user", "grant", "alice", "bob", "read,write")
    assert both["grants"] == {"bob": ["read", "write"]}
    assert mkjson(data, "user", "grant", "alice", "bob", "none")["grants"] == {}
    mk(data, "user", "grant", "alice", "nosuch", "read", ok=False)
    mk(data, "user", "grant", "alice", "bob", "admin", ok=False)
    mk(data, "user", "grant", "nobody", "bob", "read", ok=False)


def test_rename_keeps_the_archive_and_delete_keeps_it_too(data: Path) -> None:
    renamed = mkjson(data, "user", "rename", "carol", "caroline")
    assert (renamed["name"], renamed["archive"]) == ("caroline", "carol")
    mk(data, "user", "rename", "caroline", "alice", ok=False)
    deleted = mkjson(data, "user", "delete", "caroline")
    assert deleted["archive"] == "carol"
    assert "caroline" not in [u["name"] for u in mkjson(data, "user", "list")]


def test_update_and_show(data: Path) -> None:
    mkjson(data, "user", "update", "bob", "--full-name", "Alice A", "--email", "a@x.org")
    shown = mkjson(data, "user", "show", "bob")
    assert shown["fullName"] == "Alice A"
    assert shown["emails"] == ["a@x.org"]
    mk(data, "user", "update", "bob", "--email", "not-an-address", ok=False)
