"""Archiving profiles in MailStore's raw shape, as ``GetProfiles raw=true`` answers and
``CreateProfile`` takes them::

    {"id": 3, "name": "alice-imap", "owner": "admin", "connector": "imap",
     "serverSideExecution": {"automatic": true, "automaticSchedule": "every:15",
                             "timeoutSeconds": null},
     "details": {"host": "mail.example.com", "port": 993, "security": "tls",
                 "username": "alice", "userName": "alice", "include": [], ...},
     "lastRun": "2026-12-04T18:00:00+00:00", "nextRun": null}

``connector`` is mailkeep's profile kind; ``details`` holds the connector's fields as the web
wizard names them (``userName``: the target user archive of single-mailbox kinds) and, for
``CreateProfile`` only, ``password``. A raw profile becomes a profile through the same
building and validation code the web and CLI use (``jobs/specs.py``, then
``ProfileDirectory.create``); nothing is checked here twice.
"""

from __future__ import annotations

from typing import Any

from mailkeep.access.api.timezones import shown_in
from mailkeep.errors import InvalidInputError
from mailkeep.jobs.profiles import KINDS, SINGLE_ARCHIVE_KINDS, ProfileInfo, ProfileSpec
from mailkeep.jobs.specs import spec_from_values
from mailkeep.runtime import Runtime
from mailkeep.sources.imap import SPECIAL_USES

DETAIL_FIELDS = frozenset(
    {
        "host", "port", "security", "insecure", "protocol", "username", "password",
        "include", "exclude", "skip_special", "skip_unread", "older_than_days",
        "newer_than_days", "delete_after_days", "master_username", "master_separator",
        "users", "sync_directory", "unknown", "userName",
    }
)  # fmt: skip
_TOP_FIELDS = frozenset(
    {"id", "name", "owner", "connector", "serverSideExecution", "details", "lastRun", "nextRun"}
)


def raw_profile(profile: ProfileInfo) -> dict[str, Any]:
    """A profile in the raw shape (its credentials are never part of it)."""
    return {
        "id": profile.id,
        "name": profile.name,
        "owner": profile.owner,
        "connector": profile.kind,
        "serverSideExecution": {
            "automatic": bool(profile.schedule),
            "automaticSchedule": profile.schedule or None,
            "timeoutSeconds": profile.timeout_seconds or None,
        },
        "details": {**profile.settings, "userName": profile.archive},
        "lastRun": shown_in(profile.last_run_at, "UTC"),
        "nextRun": shown_in(profile.next_run_at, "UTC"),
    }


def _text(value: Any) -> str:
    """A detail's value as the text a form field would carry."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _object(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInputError(f"{what} must be a JSON object.")
    return value


def _values(properties: dict[str, Any]) -> dict[str, str]:
    """The named text values ``spec_from_values`` reads, from a raw profile."""
    details = _object(properties.get("details"), "properties.details")
    unknown = sorted(set(details) - DETAIL_FIELDS)
    if unknown:
        raise InvalidInputError(f"Unknown profile detail {unknown[0]!r}.")
    values = {name: _text(value) for name, value in details.items()}
    special = details.get("skip_special") or []
    for use in special if isinstance(special, list) else [special]:
        if str(use).lower() not in SPECIAL_USES:
            raise InvalidInputError(f"Unknown special use {use!r}: use {', '.join(SPECIAL_USES)}.")
        values[f"skip_special_{str(use).lower()}"] = "1"
    execution = _object(properties.get("serverSideExecution"), "serverSideExecution")
    if execution.get("automatic"):
        values["schedule"] = _text(execution.get("automaticSchedule"))
        if not values["schedule"]:
            raise InvalidInputError("An automatic profile needs automaticSchedule.")
    values["timeout"] = _text(execution.get("timeoutSeconds"))
    values["name"] = _text(properties.get("name"))
    return values


def spec_from_raw(runtime: Runtime, properties: Any, actor: str) -> ProfileSpec:
    """The profile to create from raw ``properties`` (owner: the caller unless named)."""
    properties = _object(properties, "properties")
    unknown = sorted(set(properties) - _TOP_FIELDS)
    if unknown:
        raise InvalidInputError(f"Unknown profile property {unknown[0]!r}.")
    kind = _text(properties.get("connector"))
    if kind not in KINDS or kind == "imap-csv":
        choices = ", ".join(k for k in KINDS if k != "imap-csv")
        raise InvalidInputError(
            f"Unknown connector {kind!r}: use {choices} (imap-csv: the web or CLI)."
        )
    values = _values(properties)
    owner = runtime.users.get(_text(properties.get("owner")) or actor).name
    archive = None
    if kind in SINGLE_ARCHIVE_KINDS:
        target = values.get("userName", "")
        if not target:
            raise InvalidInputError(f"A {kind} profile needs details.userName (the user).")
        archive = runtime.users.get(target).archive
    return spec_from_values(kind, lambda name: values.get(name, ""), archive, owner)
