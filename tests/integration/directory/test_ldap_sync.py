"""Generic LDAP against a real slapd: attribute mapping, filter, security modes, sync rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.ldap_source import LdapSource
from mailkeep.directory.sync import sync_directory
from mailkeep.runtime import Runtime
from tests import slapdserver
from tests.integration.directory.conftest import configure, names
from tests.ports import free_port


def test_reads_users_with_several_multi_valued_email_attributes(
    ldap_config: DirectoryConfig,
) -> None:
    config = DirectoryConfig(
        **{**ldap_config.__dict__, "email_attributes": ("mail", "mailAlternateAddress")}
    )
    users = {u.name: u for u in LdapSource(config).users()}
    assert set(users) == {"alice", "bob", "carol"}
    assert users["alice"].emails == (
        "alice@example.com",
        "a.liddell@example.com",
        "alice@old.example.com",
    )
    assert users["alice"].full_name == "Alice Liddell"
    assert users["alice"].distinguished_name == "uid=alice,ou=people,dc=example,dc=com"
    assert users["carol"].emails == ()


def test_attribute_mapping_and_filter(ldap_config: DirectoryConfig) -> None:
    config = DirectoryConfig(
        **{**ldap_config.__dict__, "filter": "(&(objectClass=inetOrgPerson)(mail=*))",
           "user_attribute": "mail", "name_attribute": "sn"}
    )  # fmt: skip
    users = sorted(LdapSource(config).users(), key=lambda u: u.name)
    assert [(u.name, u.full_name) for u in users] == [
        ("alice@example.com", "Liddell"),
        ("bob@example.com", "Builder"),
    ]


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_encrypted_connections_with_a_trusted_ca(
    slapd: slapdserver.Slapd, ldap_config: DirectoryConfig, security: str
) -> None:
    port = slapd.tls_port if security == "tls" else slapd.port
    config = DirectoryConfig(
        **{
            **ldap_config.__dict__,
            "security": security,
            "port": port,
            "ca_file": str(slapd.ca_file),
        }
    )
    assert len(LdapSource(config).users()) == 3


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_untrusted_certificate_accepted_only_when_insecure(
    slapd: slapdserver.Slapd, rt: Runtime, ldap_config: DirectoryConfig, security: str
) -> None:
    port = slapd.tls_port if security == "tls" else slapd.port
    configure(rt, ldap_config, security=security, port=port)
    before = names(rt)
    with pytest.raises(Exception, match=r"TLS with the directory server .* failed"):
        sync_directory(rt)
    assert names(rt) == before
    configure(rt, ldap_config, security=security, port=port, insecure=True)
    assert sorted(sync_directory(rt).created) == ["alice", "bob", "carol"]


def test_sync_creates_updates_and_reports_unchanged(
    rt: Runtime, ldap_config: DirectoryConfig
) -> None:
    configure(rt, ldap_config)
    first = sync_directory(rt, actor="test")
    assert first.as_dict() == {
        "created": ["alice", "bob", "carol"], "updated": [], "deleted": [], "unchanged": 0
    }  # fmt: skip
    alice = rt.users.get("alice")
    assert alice.auth_mode == "directoryServices"
    assert alice.privileges == ("login",)
    assert alice.emails == ("alice@example.com", "a.liddell@example.com")
    assert alice.distinguished_name == "uid=alice,ou=people,dc=example,dc=com"
    assert not alice.has_password
    rt.users.update("bob", full_name="Old Name", emails=("old@example.com",))
    second = sync_directory(rt)
    assert second.as_dict() == {"created": [], "updated": ["bob"], "deleted": [], "unchanged": 2}
    assert rt.users.get("bob").full_name == "Bob Builder"
    assert rt.users.get("bob").emails == ("bob@example.com",)
    events = rt.audit.recent(5, "directory.")
    assert events[0].name == "directory.synced" and events[0].detail["updated"] == ["bob"]


def test_default_privileges_are_configurable(rt: Runtime, ldap_config: DirectoryConfig) -> None:
    configure(rt, ldap_config, default_privileges=("login", "archive", "export"))
    sync_directory(rt)
    assert rt.users.get("carol").privileges == ("login", "archive", "export")


def test_dry_run_lists_every_change_and_makes_none(
    rt: Runtime, ldap_config: DirectoryConfig
) -> None:
    rt.users.create("gone", auth_mode="directoryServices")
    configure(rt, ldap_config, delete_missing=True)
    before = rt.users.list()
    result = sync_directory(rt, dry_run=True)
    assert result.as_dict() == {
        "created": ["alice", "bob", "carol"], "updated": [], "deleted": ["gone"], "unchanged": 0
    }  # fmt: skip
    assert rt.users.list() == before
    assert rt.audit.recent(5, "directory.") == []


def test_delete_missing_only_directory_users_and_keeps_archives(
    rt: Runtime, ldap_config: DirectoryConfig
) -> None:
    rt.users.create("gone", auth_mode="directoryServices")
    rt.users.create("local", password="local pw")
    configure(rt, ldap_config)
    assert sync_directory(rt).deleted == []  # off by default
    configure(rt, ldap_config, delete_missing=True)
    assert sync_directory(rt).deleted == ["gone"]
    assert names(rt) == {"admin", "local", "alice", "bob", "carol"}
    assert rt.audit.recent(1)[0].detail["deleted"] == ["gone"]


def test_local_users_of_the_same_name_are_not_taken_over(
    rt: Runtime, ldap_config: DirectoryConfig
) -> None:
    rt.users.create("alice", ("mine@example.com",), password="local pw")
    configure(rt, ldap_config)
    result = sync_directory(rt)
    assert "alice" not in result.created + result.updated
    assert result.skipped == ["alice"]
    assert rt.users.get("alice").auth_mode == "integrated"
    assert rt.users.get("alice").emails == ("mine@example.com",)


def test_empty_directory_deletes_nobody(rt: Runtime, ldap_config: DirectoryConfig) -> None:
    configure(rt, ldap_config, delete_missing=True)
    sync_directory(rt)
    configure(rt, ldap_config, delete_missing=True, filter="(uid=nobody-at-all)")
    with pytest.raises(Exception, match="returned no users; refusing to delete 3 users"):
        sync_directory(rt)
    assert {"alice", "bob", "carol"} <= names(rt)
    assert rt.audit.recent(1)[0].name == "directory.sync_failed"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bind_password": "wrong"}, "refused the bind DN or password"),
        ({"port": free_port()}, "Cannot reach the directory server"),
        ({"filter": "(uid=a"}, "rejected the search filter"),
        ({"base_dn": "ou=missing,dc=example,dc=com"}, "does not exist"),
    ],
)
def test_faults_are_clear_errors_and_change_no_user(
    rt: Runtime, ldap_config: DirectoryConfig, change: dict[str, object], message: str
) -> None:
    rt.users.create("gone", auth_mode="directoryServices")
    # Stored without validation, as a filter typed before validation existed could be.
    config = DirectoryConfig(**{**ldap_config.__dict__, "delete_missing": True, **change})
    before = rt.users.list()
    with pytest.raises(Exception, match=message) as raised:
        from mailkeep.directory.sync import run_sync

        run_sync(rt, config, LdapSource(config), dry_run=False)
    assert "reader secret" not in str(raised.value) and "wrong" not in str(raised.value)
    assert rt.users.list() == before
    assert rt.audit.recent(1)[0].name == "directory.sync_failed"


def test_bad_filter_is_refused_when_configured(rt: Runtime, ldap_config: DirectoryConfig) -> None:
    with pytest.raises(Exception, match="Invalid LDAP filter"):
        configure(rt, ldap_config, filter="(uid=a")
    with pytest.raises(Exception, match="Invalid LDAP filter"):
        configure(rt, ldap_config, filter="uid=a")


def test_options_changed_one_by_one_are_checked_before_a_sync(
    rt: Runtime, ldap_config: DirectoryConfig
) -> None:
    configure(rt, ldap_config)
    # A value outside the setting's choices is refused when it is set, before any sync.
    with pytest.raises(Exception, match="does not allow 'ssl'"):
        rt.set_setting("directory.security", "ssl")
    assert rt.setting("directory.security") == ldap_config.security  # left as it was
    assert names(rt) == {"admin"}


def test_rename_in_the_directory_keeps_the_user(rt: Runtime, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("name,full_name,dn\njsmith,Jane Smith,cn=jane\n", encoding="utf-8")
    configure(rt, DirectoryConfig(), type="csv", file=str(users), delete_missing=True)
    sync_directory(rt)
    before = rt.users.get("jsmith")
    rt.users.set_privileges("jsmith", ("login", "export"))
    users.write_text("name,full_name,dn\njdoe,Jane Doe,cn=jane\n", encoding="utf-8")
    assert sync_directory(rt).as_dict() == {
        "created": [], "updated": ["jdoe"], "deleted": [], "unchanged": 0
    }  # fmt: skip
    after = rt.users.get("jdoe")
    assert (after.id, after.archive, after.privileges) == (before.id, "jsmith", ("login", "export"))
    assert after.full_name == "Jane Doe"
