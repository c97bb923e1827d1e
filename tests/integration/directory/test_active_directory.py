"""The Active Directory preset against slapd with AD-like attributes (tests/data/directory)."""

from __future__ import annotations

from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.connection import normal_dn
from mailkeep.directory.ldap_source import LdapSource
from mailkeep.directory.sync import sync_directory
from mailkeep.runtime import Runtime
from tests.integration.directory.conftest import STAFF, configure


def _names(config: DirectoryConfig, **changes: object) -> list[str]:
    source = LdapSource(DirectoryConfig(**{**config.__dict__, **changes}))
    return sorted(u.name for u in source.users())


def test_only_enabled_mail_enabled_visible_people(ad_config: DirectoryConfig) -> None:
    # Left out: ddan (disabled), nomail (no address), hhank (hidden), PC01$ (a computer).
    assert _names(ad_config) == ["jdoe", "nnora", "oolga"]


def test_each_rule_can_be_turned_off(ad_config: DirectoryConfig) -> None:
    assert "ddan" in _names(ad_config, ad_enabled_only=False)
    assert "nomail" in _names(ad_config, ad_mail_enabled_only=False)
    assert "hhank" in _names(ad_config, ad_skip_hidden=False)


def test_proxy_addresses_primary_first_and_only_smtp(ad_config: DirectoryConfig) -> None:
    users = {u.name: u for u in LdapSource(ad_config).users()}
    assert users["jdoe"].emails == (
        "john.doe@corp.example",  # SMTP: marks the primary address
        "jdoe@corp.example",
        "jd@corp.example",
    )
    assert users["jdoe"].full_name == "John Doe"


def test_user_principal_name_as_user_name(ad_config: DirectoryConfig) -> None:
    assert _names(ad_config, user_attribute="userPrincipalName") == [
        "jdoe@corp.example",
        "nnora@corp.example",
        "oolga@corp.example",
    ]


def test_group_members_including_nested_groups_and_cycles(ad_config: DirectoryConfig) -> None:
    # Staff holds jdoe, hhank (hidden) and Inner; Inner holds nnora and Staff again.
    assert _names(ad_config, groups=(STAFF,)) == ["jdoe", "nnora"]
    assert _names(ad_config, groups=("cn=Inner,ou=ad,dc=example,dc=com",)) == ["jdoe", "nnora"]


def test_dn_comparison_ignores_spacing_and_case() -> None:
    assert normal_dn("CN=Nested Nora, OU=ad, DC=example, DC=com") == normal_dn(
        "cn=Nested Nora,ou=ad,dc=example,dc=com"
    )


def test_sync_from_active_directory(rt: Runtime, ad_config: DirectoryConfig) -> None:
    configure(rt, ad_config, groups=(STAFF,))
    result = sync_directory(rt)
    assert sorted(result.created) == ["jdoe", "nnora"]
    jdoe = rt.users.get("jdoe")
    assert jdoe.distinguished_name == "cn=John Doe,ou=ad,dc=example,dc=com"
    assert jdoe.emails[0] == "john.doe@corp.example"
