"""Job results of archiving runs: GetWorkerResults and GetWorkerResultReport.

As MailStore does, only runs that have ended are listed (a monitoring check reading a running
job's ``result: running`` would raise a false alarm), and times are shown in the time zone the
caller asks for (``timeZoneID``: IANA, Windows or ``$Local``).
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any

from mailkeep.access.api.registry import COMMANDS, Arg, Call
from mailkeep.access.api.timezones import LOCAL, in_zone, shown_in, zone
from mailkeep.errors import InvalidInputError, NotFoundError
from mailkeep.jobs.results import JobOutcome

TIME_ZONE = Arg("timeZoneID", nullable=True, help=f"IANA or Windows time zone (default {LOCAL}).")


def worker_result(outcome: JobOutcome, machine: str, zone_id: str | None = None) -> dict[str, Any]:
    """A job result in the shape MailStore clients and check_mailstore read, its times in
    ``zone_id`` (UTC when none is asked for)."""
    shown = zone_id or "UTC"
    messages, duplicate_messages = outcome.message_counts()
    return {
        "id": outcome.id,
        "result": outcome.status,
        "profileID": outcome.profile_id,
        "profileName": outcome.profile,
        "startTime": shown_in(outcome.started_at, shown),
        "completeTime": shown_in(outcome.ended_at, shown),
        "itemsArchived": outcome.archived,
        "itemsDuplicates": outcome.duplicates,
        "itemsFailed": outcome.failed,
        "itemsDeleted": outcome.deleted,
        # items count filings (one per user archive a message went into); these count messages
        "messagesArchived": messages,
        "messagesDuplicates": duplicate_messages,
        "machineName": machine,
        "userName": None,
        "trigger": outcome.trigger,
    }


def period(call: Call) -> tuple[datetime, datetime, str]:
    """(start, end) of the asked period in UTC, and the asked zone's name."""
    zone_id = call.get("timeZoneID", LOCAL)
    zone(zone_id)  # an unknown zone fails with a clear message, naming GetTimeZones
    start = in_zone(call.get("fromIncluding"), zone_id).astimezone(UTC)
    end = in_zone(call.get("toExcluding"), zone_id).astimezone(UTC)
    if end < start:
        raise InvalidInputError("toExcluding must not be before fromIncluding.")
    return start, end, zone_id


@COMMANDS.command(
    "GetWorkerResults",
    "Results of archiving runs that started in a period and have ended.",
    Arg("fromIncluding", "datetime", help="Start of the period (in timeZoneID)."),
    Arg("toExcluding", "datetime", help="End of the period (in timeZoneID)."),
    TIME_ZONE,
    Arg("profileID", "number", nullable=True, help="Only this profile's runs."),
    Arg("userName", nullable=True, help="Only runs of profiles owned by this user."),
)
def get_worker_results(call: Call) -> list[dict[str, Any]]:
    start, end, zone_id = period(call)
    jobs = call.runtime.jobs
    outcomes = jobs.results.between(start, end, call.get("profileID"))
    owner = call.get("userName")
    if owner:
        owned = {p.id for p in jobs.profiles.list() if p.owner.lower() == owner.lower()}
        outcomes = [o for o in outcomes if o.profile_id in owned]
    machine = socket.gethostname()
    return [
        worker_result(o, machine, zone_id)
        for o in outcomes
        if o.ended_at is not None and _in_period(o, start, end)
    ]


def _in_period(outcome: JobOutcome, start: datetime, end: datetime) -> bool:
    started = outcome.started_at
    if started is None:
        return False
    started = started if started.tzinfo else started.replace(tzinfo=UTC)
    return start <= started < end


@COMMANDS.command(
    "GetWorkerResultReport",
    "The readable report of one archiving run: counts and every protocol line.",
    Arg("id", "number", help="The job result's id (GetWorkerResults lists them)."),
    TIME_ZONE,
)
def get_worker_result_report(call: Call) -> str:
    outcome = call.runtime.jobs.results.get(call.get("id"))
    if outcome is None:
        raise NotFoundError(f"No job result with id {call.get('id')}.")
    zone_id = call.get("timeZoneID", LOCAL)
    lines = [
        f"Profile: {outcome.profile} (id {outcome.profile_id}), started by {outcome.trigger}",
        f"Started: {shown_in(outcome.started_at, zone_id)}",
        f"Ended: {shown_in(outcome.ended_at, zone_id) or 'still running'}",
        f"Result: {outcome.status}",
        f"Archived {outcome.archived}, already archived {outcome.duplicates}, "
        f"failed {outcome.failed}, deleted at source {outcome.deleted}.",
        "",
    ]
    for entry in outcome.protocol or []:
        where = " / ".join(p for p in (entry.get("mailbox", ""), entry.get("folder", "")) if p)
        text = entry.get("message") or _counts(entry)
        lines.append(f"[{entry.get('level', 'info')}] {where + ': ' if where else ''}{text}")
    return "\n".join(lines) + "\n"


def _counts(entry: dict[str, Any]) -> str:
    skip = {"mailbox", "folder", "level", "message"}
    return ", ".join(f"{k} {v}" for k, v in sorted(entry.items()) if k not in skip)
