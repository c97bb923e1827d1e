"""Archiving profiles: GetProfiles (also in MailStore's raw shape), CreateProfile,
DeleteProfile and RunProfile. Job results are in ``results.py``."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime
from typing import Any

from mailkeep.access.api.commands.results import worker_result
from mailkeep.access.api.operations import Operation
from mailkeep.access.api.raw_profiles import raw_profile, spec_from_raw
from mailkeep.access.api.registry import COMMANDS, Arg, Call, Work
from mailkeep.access.api.timezones import shown_in
from mailkeep.errors import InvalidInputError, NotFoundError
from mailkeep.jobs.profiles import ProfileInfo
from mailkeep.jobs.results import JobOutcome
from mailkeep.jobs.targets import check_profile_targets
from mailkeep.master.names import name_key

PROFILE_ID = Arg("id", "number", help="Profile id (GetProfiles lists them).")
_POLL_SECONDS = 0.5
_START_GRACE_SECONDS = 15.0


def _profile(call: Call, profile_id: int) -> ProfileInfo:
    for profile in call.runtime.jobs.profiles.list():
        if profile.id == profile_id:
            return profile
    raise NotFoundError(f"No archiving profile with id {profile_id}.")


def _running(call: Call, profile: ProfileInfo) -> bool:
    return profile.name.lower() in {n.lower() for n in call.runtime.jobs.running()}


def _describe(profile: ProfileInfo) -> dict[str, Any]:
    return {
        "id": profile.id,
        "name": profile.name,
        "type": profile.kind,
        "ownerName": profile.owner,
        "userName": profile.archive,
        "serverName": profile.settings.get("host", ""),
        "schedule": profile.schedule or None,
        "lastRun": shown_in(profile.last_run_at, "UTC"),
        "nextRun": shown_in(profile.next_run_at, "UTC"),
    }


@COMMANDS.command(
    "GetProfiles",
    "Archiving profiles (never their credentials); raw=true: MailStore's raw profile shape.",
    Arg("raw", "bool", nullable=True, help="Answer the raw shape (what CreateProfile takes)."),
)
def get_profiles(call: Call) -> list[dict[str, Any]]:
    profiles = call.runtime.jobs.profiles.list()
    if call.get("raw", False):
        return [raw_profile(p) for p in profiles]
    return [_describe(p) for p in profiles]


@COMMANDS.command(
    "CreateProfile",
    "Create an archiving profile from raw properties (GetProfiles raw=true shows the shape).",
    Arg("properties", "json", help="The raw profile: name, connector, details, ..."),
    Arg("raw", "bool", nullable=True, help="Must be true or left out: properties are raw."),
)
def create_profile(call: Call) -> dict[str, Any]:
    if call.args.get("raw") is False:
        raise InvalidInputError("CreateProfile takes raw properties only: pass raw=true.")
    spec = spec_from_raw(call.runtime, call.get("properties"), call.actor)
    users = call.runtime.users.list()
    # The management shell's operator (no user of that name) administers the server.
    actor = next((u for u in users if name_key(u.name) == name_key(call.actor)), None)
    check_profile_targets(actor, spec, users)
    created = call.runtime.jobs.profiles.create(spec, datetime.now(UTC))
    call.audit("profile.created", created.name, kind=created.kind)
    return raw_profile(created)


@COMMANDS.command(
    "DeleteProfile", "Delete an archiving profile (its archived mail stays).", PROFILE_ID
)
def delete_profile(call: Call) -> None:
    profile = _profile(call, call.get("id"))
    if _running(call, profile):
        raise InvalidInputError(f"Profile {profile.name!r} is running; cancel it first.")
    call.runtime.jobs.profiles.delete(profile.name)
    call.audit("profile.deleted", profile.name)


@COMMANDS.command(
    "RunProfile",
    "Run an archiving profile now (in the background); the result is the job result.",
    PROFILE_ID,
    long_running=True,
)
def run_profile(call: Call) -> Work:
    profile = _profile(call, call.get("id"))
    jobs = call.runtime.jobs
    if _running(call, profile):
        raise InvalidInputError(f"Profile {profile.name!r} is already running.")

    def work(operation: Operation) -> dict[str, Any]:
        call.audit("profile.run", profile.name, trigger="api")
        operation.progress(None, f"Running archiving profile {profile.name}")
        before = _latest(call, profile)
        jobs.start(profile.name, "api")
        outcome = _wait_for_result(call, profile, before.id if before else 0, operation)
        operation.log(f"{profile.name}: {outcome.status}")
        return worker_result(outcome, socket.gethostname())

    return work


def _latest(call: Call, profile: ProfileInfo) -> JobOutcome | None:
    found = call.runtime.jobs.results.list(profile.name, 1)
    return found[0] if found else None


def _wait_for_result(
    call: Call, profile: ProfileInfo, after_id: int, operation: Operation
) -> JobOutcome:
    """The result of the run started after result ``after_id``, once it has ended; a cancel
    from the client cancels the job (which then records itself as cancelled)."""
    jobs = call.runtime.jobs
    started = time.monotonic()
    while True:
        latest = _latest(call, profile)
        if latest is not None and latest.id > after_id and latest.ended_at is not None:
            return latest
        running = _running(call, profile)
        no_new_run = latest is None or latest.id <= after_id
        if not running and no_new_run and time.monotonic() - started > _START_GRACE_SECONDS:
            raise NotFoundError(f"Profile {profile.name!r} did not start; see the log.")
        try:
            operation.check_cancelled()
        except Exception:
            jobs.cancel(profile.name)
            raise
        time.sleep(_POLL_SECONDS)
