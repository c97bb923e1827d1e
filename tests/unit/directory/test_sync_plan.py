"""The sync plan on its own: matching, invalid names and addresses, the empty-directory guard."""

from __future__ import annotations

import pytest

from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.groups import chain_filter
from mailkeep.directory.ldap_source import LdapSource
from mailkeep.directory.model import DirectoryError, DirectoryUser
from mailkeep.directory.sync import plan
from mailkeep.master.users import UserInfo


def user(name: str, auth: str = "directoryServices", emails: tuple[str, ...] = ()) -> UserInfo:
    return UserInfo(1, name, "", emails, ("login",), auth, name)


def test_invalid_names_duplicates_and_bad_addresses_are_skipped() -> None:
    found = [
        DirectoryUser("ok", emails=("ok@example.com", "not an address")),
        DirectoryUser("OK"),
        DirectoryUser("bad/name"),
    ]
    todo = plan([], found, ("login",), delete_missing=False)
    assert todo.result.created == ["ok"]
    assert todo.create[0].emails == ("ok@example.com",)
    assert todo.result.skipped == ["OK", "bad/name"]


def test_empty_directory_with_deletions_is_refused() -> None:
    with pytest.raises(DirectoryError, match="refusing to delete 2 users"):
        plan([user("a"), user("b"), user("local", "integrated")], [], ("login",), True)
    # Without deletions to make, an empty directory is simply nothing to do.
    assert plan([user("local", "integrated")], [], ("login",), True).result.deleted == []


def test_chain_filter_for_nested_groups_on_active_directory() -> None:
    assert chain_filter(("cn=A,dc=x",)) == "(memberOf:1.2.840.113556.1.4.1941:=cn=A,dc=x)"
    assert chain_filter(("cn=A(1),dc=x", "cn=B,dc=x")) == (
        "(|(memberOf:1.2.840.113556.1.4.1941:=cn=A\\281\\29,dc=x)"
        "(memberOf:1.2.840.113556.1.4.1941:=cn=B,dc=x))"
    )


def test_search_filters_of_the_presets() -> None:
    assert LdapSource(DirectoryConfig(type="ldap")).search_filter() == "(objectClass=*)"
    generic = LdapSource(DirectoryConfig(type="ldap", filter="(mail=*)"))
    assert generic.search_filter("(uid=a)") == "(&(mail=*)(uid=a))"
    ad = DirectoryConfig(type="ad", filter="(department=IT)", groups=("cn=G,dc=x",))
    assert LdapSource(ad).search_filter() == (
        "(&(&(objectClass=user)(!(objectClass=computer)))(department=IT))"
    )
    chained = DirectoryConfig(**{**ad.__dict__, "nested_groups": "chain"})
    assert (
        LdapSource(chained)
        .search_filter()
        .endswith("(memberOf:1.2.840.113556.1.4.1941:=cn=G,dc=x))")
    )


def test_a_user_renamed_in_the_directory_is_renamed_not_recreated() -> None:
    old = UserInfo(1, "jsmith", "Jane Smith", (), ("login",), "directoryServices", "jsmith", "cn=J")
    todo = plan([old], [DirectoryUser("jdoe", "Jane Doe", (), "CN=J")], ("login",), True)
    assert todo.result.as_dict() == {
        "created": [], "updated": ["jdoe"], "deleted": [], "unchanged": 0
    }  # fmt: skip
    assert todo.rename == [("jsmith", "jdoe")]
    assert todo.result.changes["jdoe"] == {
        "renamedFrom": "jsmith", "fullName": "Jane Doe", "distinguishedName": "CN=J"
    }  # fmt: skip
    # Both names listed: two people, no rename.
    both = [DirectoryUser("jdoe", "", (), "cn=J"), DirectoryUser("jsmith", "", (), "cn=other")]
    assert plan([old], both, ("login",), True).rename == []
