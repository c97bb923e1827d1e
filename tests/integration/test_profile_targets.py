"""Regression (issue 11.1): a non-administrator cannot make a profile file mail into other
users' archives, whatever its kind; and a saved profile is checked again when it runs.

The attack as it was made: a user with ``archive`` + ``modifyArchiveProfiles`` posts the
profile form of a real ``mailkeep serve`` for a multidrop profile against a POP3 mailbox of
their own, holding forged mail addressed to another user.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import build_message
from tests.dovecot import Dovecot
from tests.integration.api.wire import WireClient
from tests.integration.conftest import PASSWORD as MAIL_PASSWORD
from tests.integration.conftest import count, fill
from tests.integration.test_cli import mk, mkjson
from tests.integration.test_serve import serving, wait_healthy
from tests.integration.webclient import WebSession, on_terminal
from tests.ports import free_port

ADMIN_PW, USER_PW = "admin pw 11.1", "user pw 11.1"
FORGED = (
    b"From: ceo@example.net\r\nTo: bob@example.org\r\nSubject: forged\r\n"
    b"Message-ID: <forged@example.net>\r\nDate: Fri, 04 Dec 2026 10:00:00 +0000\r\n\r\nplanted\r\n"
)


@dataclass
class Server:
    data: Path
    web: str
    api: str
    dovecot: Dovecot

    def session(self, name: str, password: str = USER_PW) -> WebSession:
        session = WebSession(self.web)
        assert session.login(name, password).status == 303
        return session

    def profiles(self) -> list[str]:
        return [p["name"] for p in mkjson(self.data, "profile", "list")]


@pytest.fixture
def server(tmp_path: Path, dovecot: Dovecot) -> Iterator[Server]:
    data = tmp_path / "data"
    mk(data, "init", "--admin-password-stdin", stdin=f"{ADMIN_PW}\n".encode())
    for name, email, privileges in (
        ("alice", "alice@example.com", "login,archive,modifyArchiveProfiles"),
        ("carla", "carol@example.com", "admin"),
        ("bob", "bob@example.org", "login"),
    ):
        mkjson(data, "user", "create", name, "--email", email, "--privileges", privileges,
               "--password-stdin", stdin=f"{USER_PW}\n".encode())  # fmt: skip
    http, api = free_port(), free_port()
    args = ("--bind", "127.0.0.1", "--http-port", str(http), "--https-port", "0")
    with serving(data, *args, "--api-port", "0", "--api-http-port", str(api)):
        wait_healthy(f"http://127.0.0.1:{http}/healthz")
        yield Server(data, f"http://127.0.0.1:{http}", f"http://127.0.0.1:{api}", dovecot)


def _form(server: Server, token: str, kind: str, **extra: str) -> dict[str, str]:
    pop3 = kind in ("pop3", "multidrop", "journal")
    return {
        "csrf": token, "kind": kind, "name": f"try-{kind}", "host": "127.0.0.1",
        "port": str(server.dovecot.pop3 if pop3 else server.dovecot.imap), "security": "none",
        "insecure": "1", "protocol": "pop3" if pop3 else "imap",
        "username": "drop@example.com", "password": MAIL_PASSWORD, "action": "save", **extra,
    }  # fmt: skip


ATTACKS = {
    "multidrop": {},
    "multidrop-unknown": {"kind": "multidrop", "unknown": "archive:bob/Planted"},
    "journal": {},
    "imap-multi": {"master_username": "archiver", "users": "only:bob"},
    "imap-csv": {"accounts": "username,password,archive\ndrop@example.com,secret,bob\n"},
    "pop3": {"archive": "bob"},
    "imap": {"archive": "bob"},
}


def test_a_user_cannot_save_a_profile_that_files_into_others(server: Server) -> None:
    fill(server.dovecot, "drop@example.com", "INBOX", [FORGED])
    alice = server.session("alice")
    token = alice.csrf()
    for label, extra in ATTACKS.items():
        kind = extra.get("kind", label)
        answer = alice.post("/profiles/new", _form(server, token, **{"kind": kind, **extra}))
        assert answer.status in (400, 403), (label, answer.status, answer.location)
        assert "administrators" in answer.text or "own archive" in answer.text, label
    assert server.profiles() == []
    own = alice.post("/profiles/new", _form(server, token, "pop3", archive="alice"))
    assert own.status == 303 and server.profiles() == ["try-pop3"]
    assert "bob" not in mkjson(server.data, "folders")


def test_a_profile_whose_owner_lost_admin_is_refused_when_it_runs(server: Server) -> None:
    fill(server.dovecot, "drop@example.com", "INBOX", [FORGED, build_message(7)])
    carla = server.session("carla")
    saved = carla.post("/profiles/new", _form(server, carla.csrf(), "multidrop", name="drop"))
    assert saved.status == 303, saved.text[:500]
    mkjson(server.data, "user", "privileges", "carla", "login,archive,modifyArchiveProfiles")

    status, shown = on_terminal(server.data, "profile", "run", "drop")
    assert status != 0 and "failed" in shown, shown
    assert "Only administrators may use multidrop profiles" in shown, shown

    api = WireClient(server.api, "admin", ADMIN_PW)
    profile_id = next(p["id"] for p in api.result("GetProfiles") if p["name"] == "drop")
    outcome = api.result("RunProfile", id=profile_id)
    assert (outcome["result"], outcome["itemsArchived"]) == ("failed", 0)

    results = mkjson(server.data, "profile", "results", "drop")
    assert [r["status"] for r in results] == ["failed", "failed"]
    assert "Only administrators" in json.dumps(results[0]["protocol"])
    assert mkjson(server.data, "folders") == {}  # nothing filed, for bob or anyone
    assert count(server.dovecot, "drop@example.com") == 2  # and nothing taken from the source


def test_the_command_line_refuses_targets_that_do_not_exist(tmp_path: Path) -> None:
    """The operator may file anywhere, but into archives that exist: ``--unknown`` naming no
    user used to be saved and fail only at each run."""
    data = tmp_path / "data"
    mkjson(data, "init")
    for kind in ("multidrop", "journal"):
        status, shown = on_terminal(
            data, "profile", "create", kind, f"catch-{kind}", "--host", "127.0.0.1",
            "--username", "drop", "--password-stdin", "--unknown", "archive:nobody/Lost",
            stdin="pw\n",
        )  # fmt: skip
        assert status != 0 and "unknown user 'nobody'" in shown, shown
    assert mkjson(data, "profile", "list") == []
