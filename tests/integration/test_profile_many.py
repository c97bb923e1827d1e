"""POP3, master-login and CSV many-mailbox profiles, multidrop and journal mailboxes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from mailkeep.jobs.accounts import read_accounts_csv
from mailkeep.runtime import Runtime
from mailkeep.sources.journal import read_report
from tests.conftest import build_message
from tests.dovecot import MASTER_PASSWORD, MASTER_USER, Dovecot
from tests.integration.conftest import PASSWORD, count, fill
from tests.integration.profiles import create, folders, run, server_settings

ALICE, BOB, CAROL = "alice@example.com", "bob@example.org", "carol@example.com"


def test_pop3_incremental_by_uidl_then_deletion(runtime: Runtime, dovecot: Dovecot) -> None:
    old = datetime.now(UTC) - timedelta(days=20)
    fill(dovecot, ALICE, "INBOX", [build_message(n, date=old) for n in range(3)])
    settings = {
        **server_settings(dovecot),
        "port": dovecot.pop3s,
        "security": "tls",
        "username": ALICE,
        "protocol": "pop3",
    }
    create(runtime, "pop", "pop3", settings, "alice")
    first = run(runtime, "pop")
    assert (first.status, first.archived) == ("succeeded", 3)
    fill(dovecot, ALICE, "INBOX", [build_message(7, date=datetime.now(UTC))])
    assert (run(runtime, "pop").archived, run(runtime, "pop").archived) == (1, 0)
    assert folders(runtime, "alice") == {"INBOX": 4}

    create(runtime, "pop-clean", "pop3", {**settings, "delete_after_days": 10}, "alice")
    cleaned = run(runtime, "pop-clean")
    assert (cleaned.duplicates, cleaned.deleted) == (4, 3)  # by Date: message 7 is recent
    assert count(dovecot, ALICE) == 1


def test_master_login_reads_selected_users(runtime: Runtime, dovecot: Dovecot) -> None:
    runtime.users.create("carol", (CAROL,))  # an mbox mailbox at the server
    runtime.users.create("nomail")  # no address: never selected
    fill(dovecot, ALICE, "INBOX", [build_message(1)])
    fill(dovecot, BOB, "Sent", [build_message(2), build_message(3)])
    fill(dovecot, CAROL, "INBOX", [build_message(4)])
    base = server_settings(dovecot, "starttls", master_username=MASTER_USER)
    secrets = {"password": MASTER_PASSWORD}
    create(runtime, "sasl", "imap-multi", {**base, "users": "except:carol"}, None, secrets)
    done = run(runtime, "sasl")
    assert (done.status, done.archived) == ("succeeded", 3)
    assert folders(runtime, "bob") == {"Sent": 2}
    assert folders(runtime, "carol") == {}

    separator = {**base, "users": "only:carol,alice", "master_separator": "*"}
    create(runtime, "sep", "imap-multi", separator, None, secrets)
    done = run(runtime, "sep")
    assert (done.archived, done.duplicates) == (1, 1)
    assert folders(runtime, "carol") == {"INBOX": 1}


def test_one_refused_mailbox_does_not_stop_the_others(runtime: Runtime, dovecot: Dovecot) -> None:
    runtime.users.create("ghost", ("ghost@example.com",))  # no such mailbox at the server
    fill(dovecot, ALICE, "INBOX", [build_message(1)])
    settings = server_settings(dovecot, master_username=MASTER_USER, users="all")
    create(runtime, "all", "imap-multi", settings, None, {"password": MASTER_PASSWORD})
    result = run(runtime, "all")
    assert (result.status, result.archived) == ("completedWithErrors", 1)
    errors = [e for e in result.protocol or [] if e["level"] == "error"]
    assert [e["mailbox"] for e in errors] == ["ghost@example.com"]


def test_csv_accounts_create_missing_users(runtime: Runtime, dovecot: Dovecot) -> None:
    text = (
        "IMAP User Name;Password;E-Mail Address;MailKeep User\n"
        f"{CAROL};{PASSWORD};{CAROL};\n"
        f"{BOB};{PASSWORD};;bob\n"
    )
    accounts = read_accounts_csv(text)
    assert [a.user_name() for a in accounts] == ["carol", "bob"]
    fill(dovecot, CAROL, "INBOX", [build_message(1)])
    fill(dovecot, BOB, "INBOX", [build_message(2)])
    runtime.users.create("carol", (CAROL,))
    rows = [{"login": a.login, "email": a.email, "user": a.user_name()} for a in accounts]
    settings = {**server_settings(dovecot, "tls"), "accounts": rows}
    secrets = {"passwords": {a.login: a.password for a in accounts}}
    create(runtime, "csv", "imap-csv", settings, None, secrets)
    assert run(runtime, "csv").archived == 2
    assert folders(runtime, "carol") == {"INBOX": 1} and folders(runtime, "bob") == {"INBOX": 1}


def _mail(sender: str, to: str, subject: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(datetime(2024, 3, 1, tzinfo=UTC))
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@example.net>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"{subject}\n")
    return message.as_bytes()


def test_multidrop_files_by_recipients(runtime: Runtime, dovecot: Dovecot) -> None:
    fill(
        dovecot,
        "drop@example.com",
        "INBOX",
        [
            _mail("Someone <x@example.net>", "Alice <alice@example.com>", "to alice"),
            _mail("alice@example.com", "bob@example.org", "alice to bob"),
            _mail("x@example.net", "list@example.com", "bcc bob", Delivered_To="bob@example.org"),
            _mail("x@example.net", "nobody@example.com", "unknown"),
        ],
    )
    settings = {**server_settings(dovecot), "username": "drop@example.com", "protocol": "imap"}
    create(runtime, "drop", "multidrop", {**settings, "unknown": "skip"})
    skipped = run(runtime, "drop")
    assert (skipped.status, skipped.archived) == ("completedWithWarnings", 4)
    assert folders(runtime, "alice") == {"Inbox": 1, "Sent": 1}
    assert folders(runtime, "bob") == {"Inbox": 2}

    create(runtime, "drop2", "multidrop", {**settings, "unknown": "archive:alice/Unknown"})
    filed = run(runtime, "drop2")
    assert (filed.archived, filed.duplicates) == (1, 4)
    assert folders(runtime, "alice")["Unknown"] == 1
    assert run(runtime, "drop2").archived == 0  # incremental like any IMAP profile


def _journal_report(original: bytes, envelope: str) -> bytes:
    boundary = "journal-boundary-1"
    return (
        (
            f"From: journal@example.com\r\nTo: journal@example.com\r\nSubject: report\r\n"
            f"X-MS-Journal-Report: \r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
            f"--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{envelope}\r\n"
            f"--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        + original
        + f"\r\n--{boundary}--\r\n".encode()
    )


def test_journal_reports_file_the_original_by_envelope(runtime: Runtime, dovecot: Dovecot) -> None:
    original = _mail("alice@example.com", "team@example.com", "budget").replace(b"\n", b"\r\n")
    envelope = (
        "Sender: alice@example.com\r\nSubject: budget\r\nMessage-Id: <budget@example.net>\r\n"
        "To: team@example.com, Expanded: bob@example.org\r\nBcc: carol@example.com"
    )
    report = _journal_report(original, envelope)
    parsed = read_report(report)
    assert parsed is not None and parsed.original == original  # byte-exact
    runtime.users.create("carol", (CAROL,))
    fill(dovecot, "journal@example.com", "INBOX", [report, _mail("x@example.net", BOB, "plain")])
    settings = {
        **server_settings(dovecot, "tls"),
        "username": "journal@example.com",
        "protocol": "imap",
        "unknown": "skip",
    }
    create(runtime, "journal", "journal", settings)
    result = run(runtime, "journal")
    assert (result.archived, result.status) == (4, "completedWithWarnings")  # one not a report
    assert folders(runtime, "alice") == {"Sent": 1}
    assert folders(runtime, "bob") == {"Inbox": 2}
    assert folders(runtime, "carol") == {"Inbox": 1}
    store = next(iter(runtime.stores.open_stores()))
    raws = {store.raw_of(e) for e in store.iter_entries() if e.archive == "carol"}
    assert raws == {original}


def test_multidrop_over_pop3_with_starttls(runtime: Runtime, dovecot: Dovecot) -> None:
    fill(
        dovecot,
        "drop@example.com",
        "INBOX",
        [
            _mail("x@example.net", "Bob <bob@example.org>", "hello bob"),
            _mail("x@example.net", "stranger@example.net", "hello stranger"),
        ],
    )
    settings = {
        **server_settings(dovecot, "starttls"),
        "port": dovecot.pop3,
        "username": "drop@example.com",
        "protocol": "pop3",
        "unknown": "archive:alice/Unknown",
        "delete_after_days": 0,
    }
    create(runtime, "drop-pop", "multidrop", settings)
    result = run(runtime, "drop-pop")
    assert (result.status, result.archived, result.deleted) == ("succeeded", 2, 2)
    assert folders(runtime, "bob") == {"Inbox": 1}
    assert folders(runtime, "alice") == {"Unknown": 1}
    assert count(dovecot, "drop@example.com") == 0


def test_master_login_profile_syncs_the_directory_first(
    runtime: Runtime, dovecot: Dovecot, tmp_path: Path
) -> None:
    """A profile with sync_directory brings the users in first, so a mailbox of a user the
    directory has just added is archived in the same run."""
    users_csv = tmp_path / "users.csv"
    users_csv.write_text("name,full_name,email\ncarol,Carol C,carol@example.com\n")
    runtime.set_setting("directory.type", "csv")
    runtime.set_setting("directory.file", str(users_csv))
    fill(dovecot, "carol@example.com", "INBOX", [build_message(700)])
    settings = server_settings(
        dovecot, master_username=MASTER_USER, users="only:carol",
        sync_directory=True,
    )  # fmt: skip
    create(runtime, "company", "imap-multi", settings, secrets={"password": MASTER_PASSWORD})
    outcome = run(runtime, "company")
    assert (outcome.status, outcome.archived) == ("succeeded", 1)
    notes = [e.get("message", "") for e in outcome.protocol or []]
    assert any(n.startswith("directory synced: 1 created") for n in notes)
