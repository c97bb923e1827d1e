"""The ``mailkeep directory`` CLI contract: configure, show, test, sync.

Run in-process (Typer's runner) to keep the suite fast; the one-line error rule is checked as
``tests/integration/test_cli.py`` checks it for real processes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mailkeep.access.cli.main import app
from mailkeep.runtime import Runtime
from tests import slapdserver
from tests.integration.directory.conftest import AD_BASE, PEOPLE, READER_DN, READER_PASSWORD


class _Done:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = code, stdout, stderr.encode()


def mk(data: Path, *args: str, stdin: bytes | None = None, ok: bool = True) -> _Done:
    """``mailkeep --data-dir DATA ARGS`` in this process; checks the exit status."""
    result = CliRunner().invoke(
        app, ["--data-dir", str(data), *args], input=stdin.decode() if stdin else None
    )
    if ok:
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    else:
        assert result.exit_code != 0
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return _Done(result.exit_code, result.stdout, result.stderr)


def mkjson(data: Path, *args: str, stdin: bytes | None = None) -> Any:
    return json.loads(mk(data, *args, "--json", stdin=stdin).stdout)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli-directory") / "data"
    Runtime.init(directory).close()
    return directory


def _configure(data: Path, slapd: slapdserver.Slapd, kind: str, *extra: str) -> object:
    return mkjson(
        data, "directory", "configure", kind, "--host", "127.0.0.1", "--port", str(slapd.port),
        "--security", "none", "--bind-dn", READER_DN, "--password-stdin",
        "--base-dn", PEOPLE if kind == "ldap" else AD_BASE, *extra,
        stdin=READER_PASSWORD.encode() + b"\n",
    )  # fmt: skip


def test_configure_show_test_and_sync(data: Path, slapd: slapdserver.Slapd) -> None:
    shown = _configure(
        data, slapd, "ldap", "--filter", "(objectClass=inetOrgPerson)", "--user-attr", "uid",
        "--name-attr", "cn", "--email-attr", "mail", "--email-attr", "mailAlternateAddress",
        "--delete-missing",
    )  # fmt: skip
    assert isinstance(shown, dict)
    assert shown["bind_password"] == "********" and shown["delete_missing"] is True
    assert shown["email_attributes"] == ["mail", "mailAlternateAddress"]
    assert mkjson(data, "directory", "show")["host"] == "127.0.0.1"
    assert mkjson(data, "directory", "test")["users"] == 3
    dry = mkjson(data, "directory", "sync", "--dry-run")
    assert dry == {
        "created": ["alice", "bob", "carol"],
        "updated": [],
        "deleted": [],
        "unchanged": 0,
    }
    assert mkjson(data, "directory", "sync") == dry
    assert mkjson(data, "directory", "sync") == {
        "created": [], "updated": [], "deleted": [], "unchanged": 3
    }  # fmt: skip
    alice = mkjson(data, "user", "show", "alice")
    assert alice["authMode"] == "directoryServices"
    assert alice["emails"] == [
        "alice@example.com",
        "a.liddell@example.com",
        "alice@old.example.com",
    ]


def test_active_directory_with_groups(data: Path, slapd: slapdserver.Slapd) -> None:
    _configure(data, slapd, "ad", "--group", "cn=Staff,ou=ad,dc=example,dc=com")
    dry = mkjson(data, "directory", "sync", "--dry-run")
    assert dry["created"] == ["jdoe", "nnora"]
    assert dry["deleted"] == []  # deleting is off unless --delete-missing


def test_errors_are_one_line(data: Path, slapd: slapdserver.Slapd) -> None:
    mk(data, "directory", "configure", "ldap", "--host", "h", "--base-dn", "dc=x",
       "--filter", "(uid=a", ok=False)  # fmt: skip
    mk(data, "directory", "configure", "ldap", "--host", "h", "--base-dn", "dc=x",
       "--security", "ssl", ok=False)  # fmt: skip
    _configure(data, slapd, "ldap")
    mk(
        data,
        "directory",
        "configure",
        "ldap",
        "--host",
        "127.0.0.1",
        "--port",
        str(slapd.port),
        "--bind-dn",
        READER_DN,
        "--base-dn",
        PEOPLE,
    )  # keeps the password
    assert mkjson(data, "directory", "test")["users"] == 3
    mk(data, "directory", "configure", "ldap", "--host", "127.0.0.1", "--port",
       str(slapd.port), "--bind-dn", READER_DN, "--password-stdin", "--base-dn", PEOPLE,
       stdin=b"wrong\n")  # fmt: skip
    failed = mk(data, "directory", "sync", ok=False)
    assert b"refused the bind DN or password" in failed.stderr


def test_file_sources(data: Path, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("name,full_name,email\nzoe,Zoe Z,zoe@example.com\n", encoding="utf-8")
    mkjson(data, "directory", "configure", "csv", "--file", str(users))
    assert mkjson(data, "directory", "sync", "--dry-run")["created"] == ["zoe"]
    userlist = tmp_path / "USERLIST.DAT"
    userlist.write_bytes(f"{'example.com':<45}{'yann':<30}{'Yann Y':<30}".encode("cp1252"))
    mkjson(data, "directory", "configure", "mdaemon", "--file", str(userlist))
    assert mkjson(data, "directory", "sync", "--dry-run")["created"] == ["yann"]
