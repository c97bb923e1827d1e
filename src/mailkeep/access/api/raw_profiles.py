"""Archiving profiles in MailStore's raw shape, as ``GetProfiles raw=true`` answers and
``CreateProfile`` takes them::

    {"id": 3, "name": "alice-imap", "owner": "admin", "type": "I", "connector": "imap",
     "serverSideExecution": {"automatic": true, "automaticSchedule": "every:15",
                             "automaticPauseBetweenExecutions": 900, "timeoutSeconds": null},
     "details": {"host": "mail.example.com", "port": 993, "security": "tls",
                 "username": "alice", "targetUserFolder": "alice", "include": [], ...},
     "lastRun": "2026-12-04T18:00:00+00:00", "nextRun": null}

As in MailStore, ``type`` ``I`` is an archiving (import) profile, ``details.targetUserFolder``
the user archive single-mailbox kinds file into, and ``serverSideExecution.automatic`` whether
the server runs the profile by itself (booleans also as the text ``"true"``/``"false"``, as
MailStore's own clients send them); ``automaticPauseBetweenExecutions`` (seconds) is accepted
for an ``every:`` schedule. ``connector`` is mailkeep's profile kind, and the other details are
the connector's fields as the web wizard names them (MailStore's ``userName``, the login, and
``ignoreSSLPolicyErrors`` are accepted for ``username`` and ``insecure``); ``password`` only
for ``CreateProfile``. A raw profile becomes a profile through the same building and
validation code the web and CLI use (``jobs/specs.py``, then ``ProfileDirectory.create``).
"""

from __future__ import annotations

from typing import Any

from mailkeep.access.api.timezones import shown_in
from mailkeep.errors import InvalidInputError
from mailkeep.jobs.profiles import KINDS, SINGLE_ARCHIVE_KINDS, ProfileInfo, ProfileSpec
from mailkeep.jobs.specs import spec_from_values
from mailkeep.numbers import number_or_none
from mailkeep.runtime import Runtime
from mailkeep.sources.imap import SPECIAL_USES

TARGET = "targetUserFolder"
DETAIL_FIELDS = frozenset(
    {
        "host", "port", "security", "insecure", "protocol", "username", "password",
        "include", "exclude", "skip_special", "skip_unread", "older_than_days",
        "newer_than_days", "delete_after_days", "master_username", "master_separator",
        "users", "sync_directory", "unknown", TARGET,
    }
)  # fmt: skip
_MAILSTORE_NAMES = {"userName": "username", "ignoreSSLPolicyErrors": "insecure"}
_TOP_FIELDS = frozenset(
    {"id", "name", "owner", "type", "connector", "serverSideExecution", "details", "lastRun",
     "nextRun"}
)  # fmt: skip


def _pause_seconds(schedule: str) -> int | None:
    kind, _, minutes = schedule.partition(":")
    every = number_or_none(minutes) if kind == "every" else None
    return every * 60 if every is not None else None


def raw_profile(profile: ProfileInfo) -> dict[str, Any]:
    """A profile in the raw shape (its credentials are never part of it)."""
    return {
        "id": profile.id,
        "name": profile.name,
        "owner": profile.owner,
        "type": "I",
        "connector": profile.kind,
        "serverSideExecution": {
            "automatic": bool(profile.schedule),
            "automaticSchedule": profile.schedule or None,
            "automaticPauseBetweenExecutions": _pause_seconds(profile.schedule),
            "timeoutSeconds": profile.timeout_seconds or None,
        },
        "details": {**profile.settings, TARGET: profile.archive},
        "lastRun": shown_in(profile.last_run_at, "UTC"),
        "nextRun": shown_in(profile.next_run_at, "UTC"),
    }


def _flag(value: Any) -> bool:
    """A boolean as JSON or as MailStore's text (``"true"``, ``"1"``)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


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


def _details(properties: dict[str, Any]) -> dict[str, str]:
    """The connector's fields as named text values (MailStore's names mapped to ours)."""
    given = _object(properties.get("details"), "properties.details")
    details = {_MAILSTORE_NAMES.get(name, name): value for name, value in given.items()}
    unknown = sorted(set(details) - DETAIL_FIELDS)
    if unknown:
        raise InvalidInputError(f"Unknown profile detail {unknown[0]!r}.")
    values = {name: _text(value) for name, value in details.items()}
    for flag in ("insecure", "skip_unread", "sync_directory"):
        if flag in details:
            values[flag] = "1" if _flag(details[flag]) else ""
    special = details.get("skip_special") or []
    for use in special if isinstance(special, list) else [special]:
        if str(use).lower() not in SPECIAL_USES:
            raise InvalidInputError(f"Unknown special use {use!r}: use {', '.join(SPECIAL_USES)}.")
        values[f"skip_special_{str(use).lower()}"] = "1"
    return values


def _execution(properties: dict[str, Any]) -> dict[str, str]:
    """Schedule and timeout from ``serverSideExecution``."""
    execution = _object(properties.get("serverSideExecution"), "serverSideExecution")
    values = {"timeout": _text(execution.get("timeoutSeconds"))}
    if _flag(execution.get("automatic")):
        schedule = _text(execution.get("automaticSchedule"))
        pause = _text(execution.get("automaticPauseBetweenExecutions")).strip()
        seconds = number_or_none(pause)
        if not schedule and seconds is not None:
            schedule = f"every:{max(1, round(seconds / 60))}"
        if not schedule:
            raise InvalidInputError(
                "An automatic profile needs automaticSchedule "
                "(or automaticPauseBetweenExecutions in seconds)."
            )
        values["schedule"] = schedule
    return values


def spec_from_raw(runtime: Runtime, properties: Any, actor: str) -> ProfileSpec:
    """The profile to create from raw ``properties`` (owner: the caller unless named)."""
    properties = _object(properties, "properties")
    unknown = sorted(set(properties) - _TOP_FIELDS)
    if unknown:
        raise InvalidInputError(f"Unknown profile property {unknown[0]!r}.")
    if _text(properties.get("type")) not in ("", "I"):
        raise InvalidInputError("Only archiving profiles (type I) can be created.")
    kind = _text(properties.get("connector"))
    if kind not in KINDS or kind == "imap-csv":
        choices = ", ".join(k for k in KINDS if k != "imap-csv")
        raise InvalidInputError(
            f"Unknown connector {kind!r}: use {choices} (imap-csv: the web or CLI)."
        )
    values = {**_details(properties), **_execution(properties)}
    values["name"] = _text(properties.get("name"))
    owner = runtime.users.get(_text(properties.get("owner")) or actor).name
    archive = None
    if kind in SINGLE_ARCHIVE_KINDS:
        target = values.get(TARGET, "")
        if not target:
            raise InvalidInputError(f"A {kind} profile needs details.{TARGET} (the user).")
        archive = runtime.users.get(target).archive
    return spec_from_values(kind, lambda name: values.get(name, ""), archive, owner)
