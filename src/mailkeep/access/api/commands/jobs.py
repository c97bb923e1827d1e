"""Scheduled server jobs (beside archiving profiles): GetJobs and GetJobResults.

mailkeep's one scheduled server job is the directory sync (``directory.sync_schedule``, run
by ``mailkeep serve``); its runs are the ``directory.synced`` and ``directory.sync_failed``
audit events, so their results come from the audit log (the newest ``_SCANNED`` events).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mailkeep.access.api.commands.results import TIME_ZONE, period
from mailkeep.access.api.registry import COMMANDS, Arg, Call
from mailkeep.access.api.timezones import shown_in
from mailkeep.audit.log import AuditRecord

DIRECTORY_SYNC_JOB = 1
_SCANNED = 10_000


def _directory_job(call: Call) -> dict[str, Any]:
    schedule = call.runtime.setting("directory.sync_schedule")
    return {
        "id": DIRECTORY_SYNC_JOB,
        "name": "Directory sync",
        "action": "SyncUsersWithDirectoryServices",
        "owner": "$system",
        "enabled": bool(schedule and call.runtime.setting("directory.type")),
        "schedule": schedule or None,
    }


@COMMANDS.command("GetJobs", "Scheduled server jobs (the directory sync) and whether enabled.")
def get_jobs(call: Call) -> list[dict[str, Any]]:
    return [_directory_job(call)]


def _job_result(event: AuditRecord, zone_id: str) -> dict[str, Any]:
    succeeded = event.name == "directory.synced"
    detail = event.detail
    return {
        "id": event.id,
        "jobId": DIRECTORY_SYNC_JOB,
        "jobName": "Directory sync",
        "startTime": shown_in(event.at, zone_id),
        "endTime": shown_in(event.at, zone_id),
        "result": "succeeded" if succeeded else "failed",
        "startedBy": event.actor,
        "error": None if succeeded else detail.get("reason"),
        "created": len(detail.get("created", [])) if succeeded else 0,
        "updated": len(detail.get("updated", [])) if succeeded else 0,
        "deleted": len(detail.get("deleted", [])) if succeeded else 0,
    }


@COMMANDS.command(
    "GetJobResults",
    "Results of scheduled server jobs that ended in a period, oldest first.",
    Arg("fromIncluding", "datetime", help="Start of the period (in timeZoneID)."),
    Arg("toExcluding", "datetime", help="End of the period (in timeZoneID)."),
    TIME_ZONE,
    Arg("jobId", "number", nullable=True, help="Only this job's results."),
)
def get_job_results(call: Call) -> list[dict[str, Any]]:
    start, end, zone_id = period(call)
    if call.get("jobId") not in (None, DIRECTORY_SYNC_JOB):
        return []
    events = [
        e
        for e in call.runtime.audit.recent(_SCANNED, "directory.sync")
        if e.name in ("directory.synced", "directory.sync_failed")
    ]
    ended = [e for e in events if start <= _aware(e) < end]
    return [_job_result(e, zone_id) for e in reversed(ended)]


def _aware(event: AuditRecord) -> datetime:
    # SQLite returns stored UTC times without their zone.
    return event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
