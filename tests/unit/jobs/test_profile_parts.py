"""Profiles, schedules, account lists, folder rules and the database ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mailkeep.errors import ConflictError, InvalidInputError, NotFoundError
from mailkeep.jobs.accounts import UserSelection, read_accounts_csv
from mailkeep.jobs.ledger import DatabaseLedger
from mailkeep.jobs.profiles import ProfileDirectory, ProfileSpec
from mailkeep.jobs.schedule import parse_schedule
from mailkeep.master.models import ArchivingProfile
from mailkeep.runtime import Runtime
from mailkeep.sources.imap import FolderRules
from mailkeep.sources.sync import SeenMessage

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every:5", datetime(2026, 1, 5, 8, 5, tzinfo=UTC)),
        ("daily:07:30", datetime(2026, 1, 6, 7, 30, tzinfo=UTC)),
        ("weekly:sun,wed:09:00", datetime(2026, 1, 7, 9, 0, tzinfo=UTC)),
        ("cron:0 */6 * * *", datetime(2026, 1, 5, 12, 0, tzinfo=UTC)),
    ],
)
def test_schedules(text: str, expected: datetime) -> None:
    schedule = parse_schedule(text)
    assert schedule is not None and schedule.next_after(NOW) == expected


@pytest.mark.parametrize("text", ["hourly", "every:0", "daily:25:00", "weekly:xyz:10:00", "cron:x"])
def test_bad_schedules(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_schedule(text)


def test_folder_rules() -> None:
    rules = FolderRules(include=("inbox", "Work"), exclude=("Work/Private",))
    assert [
        f
        for f in ("INBOX", "INBOX/Sub", "Work", "Work/Private/x", "Workshop", "Sent")
        if rules.wants(f)
    ] == ["INBOX", "INBOX/Sub", "Work"]
    today = date(2026, 1, 31)
    assert FolderRules().criteria(today) == ["ALL"]
    assert FolderRules(skip_unread=True, older_than_days=10, newer_than_days=30).criteria(
        today
    ) == ["SEEN", "BEFORE", date(2026, 1, 22), "SINCE", date(2026, 1, 1)]


def test_accounts_csv_headings_are_loose() -> None:
    accounts = read_accounts_csv("User;PWD;Mail\nu1;p1;u1@example.com\n\nu2;p2;\n")
    assert [(a.login, a.password, a.email, a.user_name()) for a in accounts] == [
        ("u1", "p1", "u1@example.com", "u1"),
        ("u2", "p2", "", "u2"),
    ]
    both = read_accounts_csv("Login,Password,User\nimap1,pw,keeper\n")
    assert both[0].user_name() == "keeper"
    for bad in ("", "email,password\nx@y,z\n", "login,password\nx,\n", "login,password\n"):
        with pytest.raises(InvalidInputError):
            read_accounts_csv(bad)


def test_user_selection() -> None:
    assert UserSelection.parse("only:a, b").names == ("a", "b")
    for bad in ("everyone", "only:", "all:x"):
        with pytest.raises(InvalidInputError):
            UserSelection.parse(bad)


def _spec(name: str = "p", **changes: object) -> ProfileSpec:
    base = ProfileSpec(name, "imap", {"host": "h"}, {"password": "s3cret"}, "alice")
    return ProfileSpec(**{**base.__dict__, **changes})


def test_profiles_keep_secrets_sealed(runtime: Runtime) -> None:
    profiles = ProfileDirectory(runtime.sessions, runtime.master_key)
    info = profiles.create(_spec(schedule="every:10"), NOW)
    assert "s3cret" not in str(info.as_dict()) and info.as_dict()["credentials"] != "none"
    with runtime.sessions() as session:
        row = session.get(ArchivingProfile, info.id)
        assert row is not None and "s3cret" not in row.secrets
    assert profiles.secrets("P") == {"password": "s3cret"}
    with pytest.raises(ConflictError):
        profiles.create(_spec("P"), NOW)
    for bad in (
        _spec(kind="exchange"),
        _spec(archive=None),
        _spec("/x"),
        _spec(timeout_seconds=-1),
    ):
        with pytest.raises(InvalidInputError):
            profiles.create(ProfileSpec(**{**bad.__dict__, "name": bad.name + "2"}), NOW)


def test_profile_update_validates_like_create(runtime: Runtime) -> None:
    profiles = ProfileDirectory(runtime.sessions, runtime.master_key)
    created = profiles.create(_spec(owner="alice"), NOW)
    changed = _spec("P", settings={"host": "other"}, schedule="daily:02:00", timeout_seconds=60)
    updated = profiles.update("p", changed, NOW)
    assert (updated.id, updated.name, updated.owner) == (created.id, "p", "alice")
    assert updated.settings == {"host": "other"} and updated.timeout_seconds == 60
    assert updated.next_run_at == datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
    assert profiles.get("p").settings == {"host": "other"}
    for bad in (_spec(schedule="fortnightly"), _spec(archive=None), _spec(timeout_seconds=-1),
                _spec("renamed"), _spec(kind="pop3")):  # fmt: skip
        with pytest.raises(InvalidInputError):
            profiles.update("p", bad, NOW)
    assert profiles.get("p").schedule == "daily:02:00"  # a refused edit changes nothing
    with pytest.raises(NotFoundError):
        profiles.update("missing", _spec("missing"), NOW)


def test_database_ledger(runtime: Runtime) -> None:
    profile = ProfileDirectory(runtime.sessions, runtime.master_key).create(_spec(), NOW)
    ledger = DatabaseLedger(runtime.sessions, profile.id)
    assert ledger.folder("m", "INBOX") is None
    ledger.reset("m", "INBOX", 5)
    ledger.record("m", "INBOX", 5, SeenMessage("1", "aa", ("alice",), NOW))
    ledger.record("m", "INBOX", 4, SeenMessage("2", "bb", ("alice",)))  # stale UIDVALIDITY
    ledger.record("m", "Sent", 9, SeenMessage("3", "cc", ("alice", "bob")))
    ledger.flush()
    inbox = ledger.folder("m", "INBOX")
    assert inbox is not None and inbox.uidvalidity == 5 and list(inbox.messages) == ["1"]
    assert inbox.messages["1"].date == NOW
    assert set(ledger.folders("m")) == {"INBOX", "Sent"}
    assert ledger.folders("m")["Sent"].messages["3"].archives == ("alice", "bob")
    ledger.forget("m", "Sent", ["3"])
    ledger.reset("m", "INBOX", 6)
    assert ledger.folder("m", "Sent").messages == {}  # type: ignore[union-attr]
    assert ledger.folder("m", "INBOX") == type(inbox)(6, {})
    ProfileDirectory(runtime.sessions, runtime.master_key).delete("p")
    assert DatabaseLedger(runtime.sessions, profile.id).folders("m") == {}


def test_special_uses() -> None:
    from mailkeep.sources.imap import special_uses

    assert special_uses((b"\\HasNoChildren", b"\\Junk", "\\Trash")) == {"junk", "trash"}
    rules = FolderRules(skip_special=("junk",))
    assert not rules.wants("Spam", frozenset({"junk"})) and rules.wants("Spam")
