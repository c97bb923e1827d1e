"""One IMAP mailbox against a real Dovecot: incremental runs, UIDVALIDITY, moves, filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailkeep.runtime import Runtime
from tests.conftest import build_message
from tests.dovecot import Dovecot
from tests.integration.conftest import count, fill, imap
from tests.integration.profiles import create, folders, run, server_settings

ALICE = "alice@example.com"


def _imap_settings(server: Dovecot, security: str = "none", **extra: object) -> dict[str, object]:
    return server_settings(server, security, username=ALICE, **extra)


def test_incremental_runs_fetch_only_new_mail(runtime: Runtime, dovecot: Dovecot) -> None:
    fill(dovecot, ALICE, "INBOX", [build_message(n) for n in range(3)])
    fill(dovecot, ALICE, "Work/Projects", [build_message(n) for n in range(10, 12)])
    create(runtime, "alice-imap", "imap", _imap_settings(dovecot), "alice")

    first = run(runtime, "alice-imap")
    assert (first.status, first.archived, first.duplicates, first.failed) == ("succeeded", 5, 0, 0)
    assert folders(runtime, "alice") == {"INBOX": 3, "Work/Projects": 2}
    again = run(runtime, "alice-imap")
    assert (again.status, again.archived, again.duplicates) == ("succeeded", 0, 0)

    fill(dovecot, ALICE, "INBOX", [build_message(3)])
    third = run(runtime, "alice-imap")
    assert (third.archived, third.duplicates) == (1, 0)
    summary = {(e["mailbox"], e["folder"]): e for e in third.protocol or [] if "found" in e}
    assert summary[(ALICE, "INBOX")]["found"] == 4
    assert summary[(ALICE, "INBOX")]["new"] == 1
    assert count(dovecot, ALICE) == 4  # archiving never removes or changes source mail


def test_uidvalidity_change_reads_again_without_duplicates(
    runtime: Runtime, dovecot: Dovecot
) -> None:
    raws = [build_message(n) for n in range(4)]
    fill(dovecot, ALICE, "Work", raws)
    create(runtime, "p", "imap", _imap_settings(dovecot), "alice")
    assert run(runtime, "p").archived == 4
    client = imap(dovecot, ALICE)
    client.delete_folder("Work")  # recreating the folder gives it a new UIDVALIDITY
    client.logout()
    fill(dovecot, ALICE, "Work", raws)
    again = run(runtime, "p")
    assert (again.status, again.archived, again.duplicates) == ("completedWithWarnings", 0, 4)
    assert any("UIDVALIDITY changed" in e.get("message", "") for e in again.protocol or [])
    assert folders(runtime, "alice") == {"Work": 4}


def test_message_moved_at_source_moves_in_archive(runtime: Runtime, dovecot: Dovecot) -> None:
    fill(dovecot, ALICE, "INBOX", [build_message(n) for n in range(3)])
    fill(dovecot, ALICE, "Done", [build_message(9)])
    create(runtime, "p", "imap", _imap_settings(dovecot), "alice")
    run(runtime, "p")
    client = imap(dovecot, ALICE)
    client.select_folder("INBOX")
    client.move([client.search(["SUBJECT", "Quarterly report 1"])[0]], "Done")
    client.logout()

    moved = run(runtime, "p")
    assert (moved.archived, moved.duplicates) == (0, 1)
    assert folders(runtime, "alice") == {"INBOX": 2, "Done": 2}
    assert run(runtime, "p").duplicates == 0  # the ledger follows the move


def test_folder_rules_and_filters(runtime: Runtime, dovecot: Dovecot) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    fill(dovecot, ALICE, "INBOX", [build_message(1)], when=old)
    fill(dovecot, ALICE, "INBOX", [build_message(2)])
    fill(dovecot, ALICE, "INBOX", [build_message(3)], seen=False)
    fill(dovecot, ALICE, "Junk", [build_message(4)], when=old)
    fill(dovecot, ALICE, "Work/Private", [build_message(5)], when=old)
    fill(dovecot, ALICE, "Work/Shared", [build_message(6)], when=old)
    settings = _imap_settings(dovecot, include=["INBOX", "Work"], exclude=["Work/Private"])
    create(runtime, "rules", "imap", {**settings, "skip_unread": True}, "alice")
    assert run(runtime, "rules").archived == 3
    assert folders(runtime, "alice") == {"INBOX": 2, "Work/Shared": 1}

    create(runtime, "old", "imap", {**_imap_settings(dovecot), "older_than_days": 30}, "bob")
    assert folders(runtime, "bob") == {} and run(runtime, "old").archived == 4
    create(runtime, "new", "imap", {**_imap_settings(dovecot), "newer_than_days": 30}, "bob")
    assert run(runtime, "new").archived == 2  # the two recent INBOX messages


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_with_self_signed_certificate(
    runtime: Runtime, dovecot: Dovecot, security: str
) -> None:
    fill(dovecot, ALICE, "INBOX", [build_message(1)])
    create(runtime, "tls", "imap", _imap_settings(dovecot, security), "alice")
    assert run(runtime, "tls").status == "succeeded"
    create(
        runtime, "strict", "imap", {**_imap_settings(dovecot, security), "insecure": False}, "alice"
    )
    refused = run(runtime, "strict")
    assert refused.status == "failed"
    assert "certificate" in str(refused.protocol).lower()


def test_deletion_only_after_archiving_and_never_by_default(
    runtime: Runtime, dovecot: Dovecot
) -> None:
    old = datetime.now(UTC) - timedelta(days=10)
    fill(dovecot, ALICE, "INBOX", [build_message(1), build_message(2)], when=old)
    fill(dovecot, ALICE, "INBOX", [build_message(3)])
    create(runtime, "keep", "imap", _imap_settings(dovecot), "alice")
    assert run(runtime, "keep").deleted == 0 and count(dovecot, ALICE) == 3

    create(runtime, "clean", "imap", {**_imap_settings(dovecot), "delete_after_days": 7}, "alice")
    done = run(runtime, "clean")
    assert (done.archived, done.duplicates, done.deleted) == (0, 3, 2), done.protocol
    assert count(dovecot, ALICE) == 1
    assert folders(runtime, "alice") == {"INBOX": 3}


def test_refused_login_fails_clearly(runtime: Runtime, dovecot: Dovecot) -> None:
    create(runtime, "bad", "imap", _imap_settings(dovecot), "alice", {"password": "wrong"})
    result = run(runtime, "bad")
    assert result.status == "failed"
    assert "refused" in str(result.protocol)
    assert "wrong" not in str(result.as_dict())


def test_skip_folders_by_special_use(runtime: Runtime, dovecot: Dovecot) -> None:
    fill(dovecot, ALICE, "INBOX", [build_message(1)])
    fill(dovecot, ALICE, "Junk", [build_message(2)])
    fill(dovecot, ALICE, "Trash", [build_message(3)])
    settings = {**_imap_settings(dovecot), "skip_special": ["junk", "trash"]}
    create(runtime, "p", "imap", settings, "alice")
    assert run(runtime, "p").archived == 1
    assert folders(runtime, "alice") == {"INBOX": 1}
