"""Group membership for the "only members of these groups" option, nested groups included.

Two ways, because not every server can do the first: Active Directory evaluates nested
membership itself with the LDAP_MATCHING_RULE_IN_CHAIN rule (``chain``); any LDAP server can be
walked: read the groups, follow members that are groups themselves, collect the rest (``walk``).
"""

from __future__ import annotations

from typing import Any

from ldap.filter import escape_filter_chars

from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.connection import normal_dn, search, texts

IN_CHAIN = "1.2.840.113556.1.4.1941"  # LDAP_MATCHING_RULE_IN_CHAIN (AD only)
GROUP_CLASSES = "(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))"
BASE = 0  # ldap.SCOPE_BASE


def chain_filter(group_dns: tuple[str, ...]) -> str:
    """An AD filter matching members of any group, directly or through nested groups."""
    terms = [f"(memberOf:{IN_CHAIN}:={escape_filter_chars(dn)})" for dn in group_dns]
    return terms[0] if len(terms) == 1 else f"(|{''.join(terms)})"


def _members(values: dict[str, list[bytes]]) -> list[str]:
    return texts(values, "member") + texts(values, "uniqueMember")


def _read_group(conn: Any, config: DirectoryConfig, dn: str) -> list[str] | None:
    """The members of one group outside the base DN (None when it is not a group)."""
    for _dn, values in search(
        conn, config, dn, GROUP_CLASSES, ["member", "uniqueMember"], scope=BASE
    ):
        return _members(values)
    return None


def walk_members(conn: Any, config: DirectoryConfig) -> set[str]:
    """Normalised DNs of every non-group member of the chosen groups, at any depth.

    All groups under the base DN are read in one search; a cycle of groups ends the walk.
    """
    known = {
        normal_dn(dn): _members(values)
        for dn, values in search(
            conn, config, config.base_dn, GROUP_CLASSES, ["member", "uniqueMember"]
        )
    }
    members: set[str] = set()
    seen: set[str] = set()
    pending = list(config.groups)
    while pending:
        dn = pending.pop()
        key = normal_dn(dn)
        if key in seen:
            continue
        seen.add(key)
        inside = known.get(key)
        if inside is None:
            inside = _read_group(conn, config, dn) if dn in config.groups else None
        if inside is None:
            members.add(key)  # not a group: a member
            continue
        pending.extend(inside)
    return members
