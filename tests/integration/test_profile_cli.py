"""The ``mailkeep profile`` CLI contract, as a script runs it, against a real Dovecot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from mailkeep.access.cli.main import app
from mailkeep.runtime import Runtime
from tests.conftest import build_message
from tests.dovecot import MASTER_PASSWORD, MASTER_USER, Dovecot
from tests.integration.conftest import PASSWORD, fill
from tests.integration.terminal import on_pty
from tests.integration.test_cli import mk, mkjson

ALICE = "alice@example.com"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    with Runtime.init(directory) as rt:  # in-process: the commands under test run as processes
        rt.set_setting("ingest.workers", "1")
        rt.users.create("alice", (ALICE,))
    return directory


def _server(dovecot: Dovecot) -> list[str]:
    return ["--host", "127.0.0.1", "--port", str(dovecot.imaps), "--security", "tls", "--insecure"]


def test_create_run_results_list_show_delete(data: Path, dovecot: Dovecot) -> None:
    fill(dovecot, ALICE, "INBOX", [build_message(n) for n in range(3)])
    fill(dovecot, ALICE, "Trash", [build_message(9)])
    created = mkjson(
        data,
        "profile",
        "create",
        "imap",
        "alice-mail",
        *_server(dovecot),
        "--username",
        ALICE,
        "--password-stdin",
        "--user",
        "alice",
        "--exclude",
        "Trash",
        "--schedule",
        "every:30",
        "--skip-special",
        "junk,\\Trash",
        stdin=f"{PASSWORD}\n".encode(),
    )
    assert created["kind"] == "imap" and created["schedule"] == "every:30"
    assert created["settings"]["exclude"] == ["Trash"]
    assert created["settings"]["skip_special"] == ["junk", "trash"]

    result = mkjson(data, "profile", "run", "alice-mail")
    assert {k: result[k] for k in ("status", "archived", "duplicates", "failed", "deleted")} == {
        "status": "succeeded",
        "archived": 3,
        "duplicates": 0,
        "failed": 0,
        "deleted": 0,
    }
    assert isinstance(result["protocol"], list) and result["protocol"]
    listed = mkjson(data, "profile", "list")
    assert [p["name"] for p in listed] == ["alice-mail"] and listed[0]["nextRunAt"]
    text = mk(data, "profile", "run", "alice-mail").stdout.decode()
    assert "succeeded" in text and "INBOX" in text
    results = mkjson(data, "profile", "results", "alice-mail")
    assert [(r["status"], r["archived"]) for r in results] == [("succeeded", 0), ("succeeded", 3)]
    shown = mk(data, "profile", "show", "alice-mail", "--json").stdout
    assert PASSWORD.encode() not in shown + json.dumps(listed + results).encode()
    assert mkjson(data, "profile", "delete", "alice-mail") == {"deleted": "alice-mail"}
    assert mkjson(data, "profile", "list") == []
    assert len(_json(data, "profile", "results")) == 2  # results outlive the profile


def test_other_kinds_from_the_cli(data: Path, dovecot: Dovecot, tmp_path: Path) -> None:
    fill(dovecot, "bob@example.org", "INBOX", [build_message(1)])
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(f"username,password,email\nbob@example.org,{PASSWORD},bob@example.org\n")
    _json(data, "profile", "create", "imap-csv", "csv", *_server(dovecot), "--csv", str(accounts))
    assert _json(data, "profile", "run", "csv")["archived"] == 1
    assert "bob" in {u["name"] for u in _json(data, "user", "list")}
    _json(
        data,
        "profile",
        "create",
        "imap-multi",
        "all",
        *_server(dovecot),
        "--master-username",
        MASTER_USER,
        "--password-stdin",
        "--users",
        "only:bob,ghost",
        stdin=MASTER_PASSWORD,
    )
    assert _json(data, "profile", "run", "all")["duplicates"] == 1
    checked = _json(data, "profile", "test", "all")
    assert checked["ok"] is True
    assert checked["mailboxes"][0]["folders"] == [{"folder": "INBOX", "archived": True}]
    _invoke(data, "user", "create", "ghost", "--email", "ghost@example.com")
    refused = _invoke(data, "profile", "test", "all", "--json")
    assert refused.exit_code == 1 and json.loads(refused.stdout)["ok"] is False
    for kind in ("multidrop", "journal"):
        created = _json(
            data,
            "profile",
            "create",
            kind,
            kind,
            *_server(dovecot),
            "--username",
            "drop@example.com",
            "--password-stdin",
            "--unknown",
            "archive:alice/Unknown",
        )
        assert created["settings"]["unknown"] == "archive:alice/Unknown"
    pop = _json(
        data,
        "profile",
        "create",
        "pop3",
        "pop",
        "--host",
        "127.0.0.1",
        "--security",
        "starttls",
        "--insecure",
        "--username",
        ALICE,
        "--password-stdin",
        "--user",
        "alice",
    )
    assert pop["settings"]["port"] == 110


BAD_INPUT = [
    [
        "profile",
        "create",
        "imap",
        "x",
        "--host",
        "h",
        "--username",
        "u",
        "--user",
        "alice",
        "--password-stdin",
        "--skip-special",
        "spam",
    ],
    ["profile", "create", "imap", "x", "--host", "h", "--username", "u", "--user", "alice"],
    [
        "profile",
        "create",
        "imap",
        "x",
        "--host",
        "h",
        "--username",
        "u",
        "--user",
        "nobody",
        "--password-stdin",
    ],
    [
        "profile",
        "create",
        "imap",
        "x",
        "--host",
        "h",
        "--username",
        "u",
        "--user",
        "alice",
        "--password-stdin",
        "--security",
        "ssl",
    ],
    [
        "profile",
        "create",
        "imap",
        "x",
        "--host",
        "h",
        "--username",
        "u",
        "--user",
        "alice",
        "--password-stdin",
        "--schedule",
        "hourly",
    ],
    [
        "profile",
        "create",
        "imap-multi",
        "x",
        "--host",
        "h",
        "--master-username",
        "m",
        "--password-stdin",
        "--users",
        "some",
    ],
    [
        "profile",
        "create",
        "multidrop",
        "x",
        "--host",
        "h",
        "--username",
        "u",
        "--password-stdin",
        "--unknown",
        "bin",
    ],
    ["profile", "create", "imap-csv", "x", "--host", "h", "--csv", "/nonexistent.csv"],
    ["profile", "run", "nope"],
    ["profile", "delete", "nope"],
]


def _invoke(data: Path, *args: str, stdin: str = "pw\n") -> Result:
    """In-process (fast) run of the CLI; the subprocess tests above cover the real process."""
    return CliRunner().invoke(app, ["--data-dir", str(data), *args], input=stdin)


def _json(data: Path, *args: str, stdin: str = "pw\n") -> Any:
    result = _invoke(data, *args, "--json", stdin=stdin)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_bad_input_is_one_clear_line(data: Path) -> None:
    for args in BAD_INPUT:
        result = _invoke(data, *args)
        assert result.exit_code != 0, args
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, args
    assert json.loads(_invoke(data, "profile", "list", "--json").stdout) == []


def test_failed_run_prints_the_result_and_exits_non_zero(data: Path) -> None:
    args = ["--host", "127.0.0.1", "--port", "1", "--security", "none", "--username", "u"]
    _invoke(data, "profile", "create", "imap", "down", *args, "--password-stdin", "--user", "alice")
    result = _invoke(data, "profile", "run", "down", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"] == "failed"
    assert result.stderr.startswith("error: job failed")


def test_multidrop_names_messages_and_filings(data: Path, dovecot: Dovecot) -> None:
    """Regression (issue 12.7): a message to alice and bob is one message and two filings; the
    job result said "archived 4" while its protocol row said 3."""
    with Runtime(data) as rt:
        rt.users.create("bob", ("bob@example.org",))
    stranger = "x@example.net"
    mails = [
        build_message(1, sender=stranger, to=f"{ALICE}, bob@example.org"),  # two filings
        build_message(2, sender=stranger, to=ALICE),
        build_message(3, sender=stranger, to="nobody@example.com"),  # alice/Unknown
    ]
    fill(dovecot, "drop@example.com", "INBOX", mails)
    mkjson(
        data,
        "profile",
        "create",
        "multidrop",
        "drop",
        *_server(dovecot),
        "--protocol",
        "imap",
        "--username",
        "drop@example.com",
        "--password-stdin",
        "--unknown",
        "archive:alice/Unknown",
        stdin=f"{PASSWORD}\n".encode(),
    )
    text = mk(data, "profile", "run", "drop").stdout.decode()
    assert "drop: succeeded - archived 3 messages (4 filings), already archived 0 messages" in text
    [result] = mkjson(data, "profile", "results", "drop")
    assert (result["archived"], result["archivedMessages"]) == (4, 3)  # filings, messages
    [row] = [e for e in result["protocol"] if e.get("folder") == "INBOX"]
    assert row["archived"] == result["archivedMessages"]
    table = mk(data, "profile", "results", "drop").stdout.decode().splitlines()
    assert table[0].split()[-5:] == ["messages", "filings", "dup", "failed", "deleted"]
    assert table[1].split()[-5:] == ["3", "4", "0", "0", "0"]


def test_profile_run_draws_progress_on_a_terminal(data: Path, dovecot: Dovecot) -> None:
    fill(dovecot, ALICE, "INBOX", [build_message(n) for n in range(3)])
    mkjson(
        data,
        "profile",
        "create",
        "imap",
        "on-pty",
        *_server(dovecot),
        "--username",
        ALICE,
        "--password-stdin",
        "--user",
        "alice",
        stdin=f"{PASSWORD}\n".encode(),
    )
    run = on_pty(data, "profile", "run", "on-pty")
    assert run.returncode == 0 and "error" not in run.text, run.text
    assert "\x1b[?25l" in run.screen, "the live display never started"
    bars = [line for line in run.text.splitlines() if line.startswith("archiving on-pty")]
    assert any("3/?" in line for line in bars), run.text  # the count archived (no total known)
    assert "on-pty: succeeded - archived 3 messages" in run.text
