"""Users from a generic LDAP directory or from Active Directory (a preset over the same code).

Generic LDAP maps three configured attributes (user name, full name, email addresses: several
attributes, each possibly multi-valued). The Active Directory preset adds what AD needs:
``proxyAddresses`` ``smtp:`` entries, enabled accounts only (``userAccountControl``),
mail-enabled users only, no users hidden from address lists, and members of chosen groups
including nested groups.
"""

from __future__ import annotations

from typing import Any

from ldap.filter import escape_filter_chars

from mailkeep.directory import groups
from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.connection import connected, normal_dn, search, texts
from mailkeep.directory.model import BindRefusedError, DirectoryUser

ACCOUNT_DISABLED = 0x2  # userAccountControl flag ACCOUNTDISABLE
# Computers are AD "user" objects too; persons are what an archive has users for.
AD_USERS = "(&(objectClass=user)(!(objectClass=computer)))"


def _emails(values: dict[str, list[bytes]], attributes: tuple[str, ...]) -> tuple[str, ...]:
    found: list[str] = []
    for attribute in attributes:
        for value in texts(values, attribute):
            if attribute.lower() == "proxyaddresses":
                prefix, _, address = value.partition(":")
                if prefix.lower() != "smtp":
                    continue  # X500:, SIP:, x400: ... are not mail addresses
                # "SMTP:" (upper case) marks the primary address: it goes first.
                found.insert(0, address) if prefix == "SMTP" else found.append(address)
            else:
                found.append(value)
    return tuple(dict.fromkeys(e.strip() for e in found if "@" in e))


class LdapSource:
    """A generic LDAP directory, or Active Directory when ``config.type`` is ``ad``."""

    def __init__(self, config: DirectoryConfig) -> None:
        self.config = config
        self.kind = config.type

    @property
    def is_ad(self) -> bool:
        return self.config.type == "ad"

    def search_filter(self, extra: str = "") -> str:
        """The configured filter, AND-ed with the AD preset's and any ``extra`` condition."""
        parts = [self.config.filter] if self.config.filter else []
        if self.is_ad:
            parts.insert(0, AD_USERS)
            if self.config.groups and self.config.nested_groups == "chain":
                parts.append(groups.chain_filter(self.config.groups))
        if extra:
            parts.append(extra)
        if not parts:
            return "(objectClass=*)"
        return parts[0] if len(parts) == 1 else f"(&{''.join(parts)})"

    def _wanted(self) -> list[str]:
        user, name, emails = self.config.attributes
        names = [user, name, *emails]
        if self.is_ad:
            names += ["userAccountControl", "msExchHideFromAddressLists"]
        return [n for n in dict.fromkeys(names) if n]

    def _keeps(self, values: dict[str, list[bytes]], emails: tuple[str, ...]) -> bool:
        """The AD preset's account rules (generic LDAP keeps every entry the filter finds)."""
        if not self.is_ad:
            return True
        control = texts(values, "userAccountControl")
        if self.config.ad_enabled_only and control and int(control[0]) & ACCOUNT_DISABLED:
            return False
        if self.config.ad_mail_enabled_only and not emails:
            return False
        hidden = [v.upper() for v in texts(values, "msExchHideFromAddressLists")]
        return not (self.config.ad_skip_hidden and "TRUE" in hidden)

    def _user(self, dn: str, values: dict[str, list[bytes]]) -> DirectoryUser | None:
        user_attr, name_attr, email_attrs = self.config.attributes
        names = texts(values, user_attr)
        if not names:
            return None  # an entry without a user name cannot become a mailkeep user
        emails = _emails(values, email_attrs)
        if not self._keeps(values, emails):
            return None
        full = texts(values, name_attr) if name_attr else []
        return DirectoryUser(names[0], full[0] if full else "", emails, dn)

    def _read(self, conn: Any) -> list[DirectoryUser]:
        members = None
        if self.config.groups and self.config.nested_groups == "walk":
            members = groups.walk_members(conn, self.config)
        found: list[DirectoryUser] = []
        for dn, values in search(
            conn, self.config, self.config.base_dn, self.search_filter(), self._wanted()
        ):
            if members is not None and normal_dn(dn) not in members:
                continue
            user = self._user(dn, values)
            if user is not None:
                found.append(user)
        return found

    def users(self) -> list[DirectoryUser]:
        """Every user in scope; DirectoryError on any failure (never a partial list)."""
        with connected(self.config, self.config.bind_dn, self.config.bind_password) as conn:
            return self._read(conn)

    def find_dn(self, name: str) -> str | None:
        """The DN of the user called ``name`` (looked up with the configured bind DN)."""
        user_attr = self.config.attributes[0]
        extra = f"({user_attr}={escape_filter_chars(name)})"
        with connected(self.config, self.config.bind_dn, self.config.bind_password) as conn:
            for dn, _values in search(
                conn, self.config, self.config.base_dn, self.search_filter(extra), ["1.1"]
            ):
                return dn
        return None

    def check_password(self, dn: str, password: str) -> bool:
        """True when the server accepts a bind as ``dn`` with ``password``.

        An empty password is refused here: LDAP servers treat it as an anonymous bind that
        succeeds (RFC 4513 "unauthenticated" bind), which must never log anyone on.
        """
        if not dn or not password:
            return False
        try:
            with connected(self.config, dn, password):
                return True
        except BindRefusedError:
            return False
