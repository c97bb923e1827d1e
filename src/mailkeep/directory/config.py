"""The one configured directory, kept as ``directory.*`` settings in the master database.

The bind password is a secret setting (sealed with the master key); no user's directory
password is ever stored. ``load`` reads and checks every value; ``save`` validates a whole
configuration before it writes any setting, so a bad option leaves the old one intact.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from mailkeep.directory.filters import check_filter
from mailkeep.errors import InvalidInputError
from mailkeep.master.users import parse_privileges

if TYPE_CHECKING:
    from mailkeep.runtime import Runtime

KINDS = ("ldap", "ad", "mdaemon", "csv")
SECURITY = ("none", "starttls", "tls")
# Presets: what a generic LDAP directory and Active Directory call the mapped attributes.
DEFAULT_ATTRIBUTES = {
    "ldap": ("uid", "cn", ("mail",)),
    "ad": ("sAMAccountName", "displayName", ("mail", "proxyAddresses")),
}


@dataclass(frozen=True)
class DirectoryConfig:
    """Every directory option (field names are the setting names after ``directory.``)."""

    type: str = ""
    host: str = ""
    port: int = 0
    security: str = "none"
    insecure: bool = False
    ca_file: str = ""
    bind_dn: str = ""
    bind_password: str = field(default="", repr=False)
    base_dn: str = ""
    filter: str = ""
    user_attribute: str = ""
    name_attribute: str = ""
    email_attributes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    nested_groups: str = "walk"
    ad_enabled_only: bool = True
    ad_mail_enabled_only: bool = True
    ad_skip_hidden: bool = True
    file: str = ""
    file_encoding: str = "utf-8"
    delete_missing: bool = False
    default_privileges: tuple[str, ...] = ("login",)
    timeout_seconds: float = 10.0
    login: str = "directory"
    imap_host: str = ""
    imap_port: int = 0
    imap_security: str = "none"
    imap_insecure: bool = False

    @property
    def configured(self) -> bool:
        return bool(self.type)

    @property
    def effective_port(self) -> int:
        return self.port or (636 if self.security == "tls" else 389)

    @property
    def attributes(self) -> tuple[str, str, tuple[str, ...]]:
        """User-name, full-name and email attributes, with the preset's defaults filled in."""
        user, name, emails = DEFAULT_ATTRIBUTES.get(self.type, ("", "", ()))
        return (
            self.user_attribute or user,
            self.name_attribute or name,
            self.email_attributes or emails,
        )

    def validate(self) -> DirectoryConfig:
        """The configuration itself, or InvalidInputError naming the first bad option."""
        if self.type and self.type not in KINDS:
            raise InvalidInputError(f"Directory type must be one of {', '.join(KINDS)}.")
        for name in ("security", "imap_security"):
            if getattr(self, name) not in SECURITY:
                raise InvalidInputError(f"{name} must be one of {', '.join(SECURITY)}.")
        if self.nested_groups not in ("walk", "chain"):
            raise InvalidInputError("nested_groups must be walk or chain.")
        if self.login not in ("directory", "imap"):
            raise InvalidInputError("login must be directory or imap.")
        if self.type in ("ldap", "ad"):
            if not self.host:
                raise InvalidInputError("The directory server (--host) is required.")
            if not self.base_dn:
                raise InvalidInputError("The base DN (--base-dn) is required.")
            if self.filter:
                check_filter(self.filter)
        if self.type in ("mdaemon", "csv") and not self.file:
            raise InvalidInputError("The user file (--file) is required.")
        if self.login == "imap" and self.type and not self.imap_host:
            raise InvalidInputError("IMAP logon needs the IMAP server (imap_host).")
        parse_privileges(",".join(self.default_privileges))
        return self

    def public(self) -> dict[str, Any]:
        """Every option for display: the bind password only as set or not."""
        values = asdict(self)
        values["bind_password"] = "********" if self.bind_password else ""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def _from_setting(name: str, value: Any) -> Any:
    if name == "groups":
        return tuple(g.strip() for g in str(value).split(";") if g.strip())
    return tuple(value) if isinstance(value, list) else value


def load(runtime: Runtime) -> DirectoryConfig:
    """The stored configuration (defaults where nothing is set)."""
    values = {
        f.name: _from_setting(f.name, runtime.setting(f"directory.{f.name}"))
        for f in fields(DirectoryConfig)
    }
    return DirectoryConfig(**values)


def _render(value: Any, name: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return (";" if name == "groups" else ",").join(value)
    return str(value)


def save(runtime: Runtime, config: DirectoryConfig) -> DirectoryConfig:
    """Validate, then store every option (a bind password of None keeps the stored one)."""
    config.validate()
    for item in fields(DirectoryConfig):
        runtime.set_setting(
            f"directory.{item.name}", _render(getattr(config, item.name), item.name)
        )
    return config


def updated(current: DirectoryConfig, **changes: Any) -> DirectoryConfig:
    """``current`` with the given options replaced (None values are left unchanged)."""
    return replace(current, **{k: v for k, v in changes.items() if v is not None})
