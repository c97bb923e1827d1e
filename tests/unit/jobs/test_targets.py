"""Regression (issue 11.1): the one check of the archives a profile can file into, per kind."""

from __future__ import annotations

from typing import Any

import pytest

from mailkeep.errors import AccessDeniedError, NotFoundError
from mailkeep.jobs.profiles import ProfileSpec
from mailkeep.jobs.targets import check_profile_targets, profile_owner
from mailkeep.master.users import UserInfo


def _user(name: str, *privileges: str, archive: str | None = None) -> UserInfo:
    return UserInfo(0, name, "", (f"{name}@example.com",), privileges, "integrated",
                    archive or name)  # fmt: skip


ADMIN = _user("admin", "admin")
ALICE = _user("alice", "login", "archive", "modifyArchiveProfiles")
BOB = _user("bob", "login")
USERS = [ADMIN, ALICE, BOB]


def _spec(kind: str, archive: str | None = None, **settings: Any) -> ProfileSpec:
    return ProfileSpec("p", kind, settings, {}, archive)


OWN = [_spec("imap", "alice"), _spec("pop3", "ALICE"),
       _spec("imap-csv", accounts=[{"login": "a", "email": "", "user": "alice"}])]  # fmt: skip
FOREIGN = [
    _spec("imap", "bob"),
    _spec("pop3", "bob"),
    _spec("imap-csv", accounts=[{"login": "a", "email": "", "user": "alice"},
                                {"login": "b", "email": "", "user": "bob"}]),
    _spec("multidrop", unknown="skip"),
    _spec("multidrop", unknown="archive:alice/Unknown"),
    _spec("journal", unknown="skip"),
    _spec("imap-multi", users="only:alice"),
]  # fmt: skip


@pytest.mark.parametrize("spec", OWN, ids=lambda s: s.kind)
def test_a_user_may_file_into_their_own_archive(spec: ProfileSpec) -> None:
    assert check_profile_targets(ALICE, spec, USERS).archives


@pytest.mark.parametrize("spec", FOREIGN, ids=lambda s: f"{s.kind}-{s.settings}")
def test_only_administrators_file_into_other_archives(spec: ProfileSpec) -> None:
    with pytest.raises(AccessDeniedError):
        check_profile_targets(ALICE, spec, USERS)
    check_profile_targets(ADMIN, spec, USERS)
    check_profile_targets(None, spec, USERS)  # the operator at the command line


def test_the_unknown_rule_resolves_to_the_users_archive() -> None:
    moved = _user("frank", "login", archive="frank (2)")
    spec = _spec("multidrop", unknown="archive:FRANK/Lost")
    assert check_profile_targets(ADMIN, spec, [ADMIN, moved]).archives == ("frank (2)",)
    with pytest.raises(NotFoundError, match="nobody"):
        check_profile_targets(ADMIN, _spec("journal", unknown="archive:nobody/x"), USERS)


def test_a_profile_acts_for_its_current_owner() -> None:
    assert profile_owner("", USERS) is None
    assert profile_owner("ALICE", USERS) == ALICE
    with pytest.raises(AccessDeniedError, match="no longer exists"):
        profile_owner("carla", USERS)
