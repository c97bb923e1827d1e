"""Profile settings built from plain values: the one place that turns what a person typed
(command-line options or a web form) into a :class:`ProfileSpec`'s settings and secrets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mailkeep.errors import InvalidInputError
from mailkeep.jobs.accounts import UserSelection
from mailkeep.jobs.profiles import ProfileSpec
from mailkeep.numbers import number_or_none
from mailkeep.sources.connection import SECURITY_CHOICES
from mailkeep.sources.imap import SPECIAL_USES
from mailkeep.sources.routing import UnknownRule

DEFAULT_PORTS = {
    ("imap", False): 143,
    ("imap", True): 993,
    ("pop3", False): 110,
    ("pop3", True): 995,
}

Value = Callable[[str], str]  # a named field's text ("" when absent)


def server_settings(
    protocol: str, host: str, port: int | None, security: str, insecure: bool
) -> dict[str, Any]:
    """Host, port (default by protocol and security), security and certificate trust."""
    if not host:
        raise InvalidInputError("The mail server host name is missing.")
    if security not in SECURITY_CHOICES:
        raise InvalidInputError(f"Security must be none, starttls or tls, not {security!r}.")
    if protocol not in ("imap", "pop3"):
        raise InvalidInputError(f"The protocol must be imap or pop3, not {protocol!r}.")
    if port is not None and not 0 < port < 65536:
        raise InvalidInputError(f"Invalid port {port}.")
    chosen = port or DEFAULT_PORTS[(protocol, security == "tls")]
    return {"host": host, "port": chosen, "security": security, "insecure": insecure}


def folder_settings(
    include: list[str],
    exclude: list[str],
    skip_unread: bool,
    older: int | None,
    newer: int | None,
    skip_special: str = "",
) -> dict[str, Any]:
    """Which folders and messages an IMAP run archives; ``skip_special`` is a comma-separated
    list of RFC 6154 special uses (junk, trash, ...) whose folders are left out."""
    special = [u.strip().lower().lstrip("\\") for u in skip_special.split(",") if u.strip()]
    unknown = [u for u in special if u not in SPECIAL_USES]
    if unknown:
        raise InvalidInputError(
            f"Unknown special use {unknown[0]!r}: use {', '.join(SPECIAL_USES)}."
        )
    return {
        "include": include,
        "exclude": exclude,
        "skip_special": special,
        "skip_unread": skip_unread,
        "older_than_days": older,
        "newer_than_days": newer,
    }


def _number(text: str, label: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    value = number_or_none(text)
    if value is None:
        raise InvalidInputError(f"{label} must be a whole number, not {text!r}.")
    return value


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _server_and_folders(kind: str, value: Value) -> tuple[dict[str, Any], dict[str, Any]]:
    protocol = "imap" if kind in ("imap", "imap-multi", "imap-csv") else kind
    if kind in ("multidrop", "journal"):
        protocol = value("protocol") or "imap"
    server = server_settings(
        protocol,
        value("host").strip(),
        _number(value("port"), "The port"),
        value("security") or "tls",
        value("insecure") == "1",
    )
    folders = folder_settings(
        _lines(value("include")),
        _lines(value("exclude")),
        value("skip_unread") == "1",
        _number(value("older_than_days"), "Older than (days)"),
        _number(value("newer_than_days"), "Newer than (days)"),
        ",".join(use for use in SPECIAL_USES if value("skip_special_" + use)),
    )
    server["delete_after_days"] = _number(value("delete_after_days"), "Delete after (days)")
    return server, folders


def _spec(
    kind: str, value: Value, settings: dict[str, Any], secrets: dict[str, Any], **extra: Any
) -> ProfileSpec:
    return ProfileSpec(
        name=value("name").strip(),
        kind=kind,
        settings=settings,
        secrets=secrets,
        schedule=value("schedule").strip(),
        timeout_seconds=_number(value("timeout"), "The timeout") or 0,
        **extra,
    )


def spec_from_values(kind: str, value: Value, archive: str | None, owner: str) -> ProfileSpec:
    """A profile of ``kind`` (not ``imap-csv``) from named text values (the web wizard)."""
    settings, folders = _server_and_folders(kind, value)
    password = value("password")
    if not password:
        raise InvalidInputError("The password is missing.")
    if kind in ("imap", "pop3", "multidrop", "journal"):
        if not value("username"):
            raise InvalidInputError("The login name is missing.")
        settings["username"] = value("username")
    if kind in ("imap", "imap-multi"):
        settings.update(folders)
    if kind == "imap-multi":
        if not value("master_username"):
            raise InvalidInputError("The master login name is missing.")
        settings["master_username"] = value("master_username")
        settings["master_separator"] = value("master_separator")
        settings["users"] = UserSelection.parse(value("users") or "all").render()
        settings["sync_directory"] = value("sync_directory") == "1"
    if kind in ("multidrop", "journal"):
        settings["protocol"] = settings.get("protocol") or value("protocol") or "imap"
        settings["unknown"] = UnknownRule.parse(value("unknown") or "skip").render()
    if kind == "multidrop":
        settings["include"] = folders["include"]
        settings["exclude"] = folders["exclude"]
        settings["skip_special"] = folders["skip_special"]
    single = archive if kind in ("imap", "pop3") else None
    return _spec(kind, value, settings, {"password": password}, archive=single, owner=owner)


def csv_spec_from_values(
    value: Value, rows: list[dict[str, str]], passwords: dict[str, str], owner: str
) -> ProfileSpec:
    """An ``imap-csv`` profile: server and folder rules from ``value``, one row per account
    (login, email, target user archive) and their passwords (sealed with the profile)."""
    settings, folders = _server_and_folders("imap-csv", value)
    settings.update(folders)
    settings["accounts"] = rows
    settings["sync_directory"] = value("sync_directory") == "1"
    return _spec("imap-csv", value, settings, {"passwords": passwords}, owner=owner)
