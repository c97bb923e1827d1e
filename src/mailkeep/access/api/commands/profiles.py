"""Archiving profiles and their job results: GetProfiles, RunProfile, GetWorkerResults."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime
from typing import Any

from mailkeep.access.api.operations import Operation
from mailkeep.access.api.registry import COMMANDS, Arg, Call, Work
from mailkeep.access.api.timezones import LOCAL, in_zone, zone
from mailkeep.errors import InvalidInputError, NotFoundError
from mailkeep.jobs.profiles import ProfileInfo
from mailkeep.jobs.results import JobOutcome

PROFILE_ID = Arg("id", "number", help="Profile id (GetProfiles lists them).")
_POLL_SECONDS = 0.5
_START_GRACE_SECONDS = 15.0


def _profile(call: Call, profile_id: int) -> ProfileInfo:
    for profile in call.runtime.jobs.profiles.list():
        if profile.id == profile_id:
            return profile
    raise NotFoundError(f"No archiving profile with id {profile_id}.")


def _describe(profile: ProfileInfo) -> dict[str, Any]:
    return {
        "id": profile.id,
        "name": profile.name,
        "type": profile.kind,
        "ownerName": profile.owner,
        "userName": profile.archive,
        "serverName": profile.settings.get("host", ""),
        "schedule": profile.schedule or None,
        "lastRun": profile.last_run_at.isoformat() if profile.last_run_at else None,
        "nextRun": profile.next_run_at.isoformat() if profile.next_run_at else None,
    }


@COMMANDS.command(
    "GetProfiles",
    "Archiving profiles (never their credentials).",
    Arg("raw", "bool", nullable=True, help="Accepted for compatibility; ignored."),
)
def get_profiles(call: Call) -> list[dict[str, Any]]:
    return [_describe(p) for p in call.runtime.jobs.profiles.list()]


def worker_result(outcome: JobOutcome, machine: str) -> dict[str, Any]:
    """A job result in the shape MailStore clients and check_mailstore read."""
    return {
        "id": outcome.id,
        "result": outcome.status,
        "profileID": outcome.profile_id,
        "profileName": outcome.profile,
        "startTime": outcome.started_at.isoformat() if outcome.started_at else None,
        "completeTime": outcome.ended_at.isoformat() if outcome.ended_at else None,
        "itemsArchived": outcome.archived,
        "itemsDuplicates": outcome.duplicates,
        "itemsFailed": outcome.failed,
        "itemsDeleted": outcome.deleted,
        "machineName": machine,
        "userName": None,
        "trigger": outcome.trigger,
    }


@COMMANDS.command(
    "RunProfile",
    "Run an archiving profile now (in the background); the result is the job result.",
    PROFILE_ID,
    long_running=True,
)
def run_profile(call: Call) -> Work:
    profile = _profile(call, call.get("id"))
    jobs = call.runtime.jobs
    if profile.name.lower() in {n.lower() for n in jobs.running()}:
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
        running = profile.name.lower() in {n.lower() for n in jobs.running()}
        no_new_run = latest is None or latest.id <= after_id
        if not running and no_new_run and time.monotonic() - started > _START_GRACE_SECONDS:
            raise NotFoundError(f"Profile {profile.name!r} did not start; see the log.")
        try:
            operation.check_cancelled()
        except Exception:
            jobs.cancel(profile.name)
            raise
        time.sleep(_POLL_SECONDS)


@COMMANDS.command(
    "GetWorkerResults",
    "Job results of archiving runs started in a period.",
    Arg("fromIncluding", "datetime", help="Start of the period (in timeZoneID)."),
    Arg("toExcluding", "datetime", help="End of the period (in timeZoneID)."),
    Arg("timeZoneID", nullable=True, help=f"Time zone of the period (default {LOCAL})."),
    Arg("profileID", "number", nullable=True, help="Only this profile's runs."),
    Arg("userName", nullable=True, help="Only runs of profiles owned by this user."),
)
def get_worker_results(call: Call) -> list[dict[str, Any]]:
    zone_id = call.get("timeZoneID", LOCAL)
    zone(zone_id)  # an unknown zone fails with a clear message
    start = in_zone(call.get("fromIncluding"), zone_id).astimezone(UTC)
    end = in_zone(call.get("toExcluding"), zone_id).astimezone(UTC)
    jobs = call.runtime.jobs
    outcomes = jobs.results.between(start, end, call.get("profileID"))
    owner = call.get("userName")
    if owner:
        owned = {p.id for p in jobs.profiles.list() if p.owner.lower() == owner.lower()}
        outcomes = [o for o in outcomes if o.profile_id in owned]
    machine = socket.gethostname()
    return [worker_result(o, machine) for o in outcomes if _in_period(o, start, end)]


def _in_period(outcome: JobOutcome, start: datetime, end: datetime) -> bool:
    started = outcome.started_at
    if started is None:
        return False
    started = started if started.tzinfo else started.replace(tzinfo=UTC)
    return start <= started < end
