"""``check_mailkeep``: a Nagios/Icinga plugin with the options and meaning of MailStore's
``check_mailstore``: count the archiving jobs, or the messages archived, in a period, and
compare the count with warning and critical thresholds.

Exit codes follow the Nagios plugin conventions: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, with
one status line and performance data. Jobs are counted from ``GetWorkerResults``; a server
without archiving jobs answers ``--search jobs`` with UNKNOWN and says so, and ``--search
emails`` then counts every message archived in the period (``GetArchivedMessageCount``).
"""

from __future__ import annotations

import argparse
import operator
import ssl
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from mailkeep.monitoring.client import ApiClient, ApiError
from mailkeep.monitoring.period import FORMAT, PeriodError, period

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAMES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")
STATUSES = (
    "succeeded",
    "failed",
    "cancelled",
    "disconnected",
    "threadAbort",
    "completedWithErrors",
)
COMPARE: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "eq": operator.eq,
    "ge": operator.ge,
    "gt": operator.gt,
}


class CheckError(Exception):
    """The check cannot give an answer (UNKNOWN), with the reason."""


class _Parser(argparse.ArgumentParser):
    """Usage errors are UNKNOWN (3) for Nagios, not argparse's 2 (which means CRITICAL)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"MAILKEEP UNKNOWN - {message}")
        sys.exit(UNKNOWN)


def parser() -> argparse.ArgumentParser:
    """The command line of check_mailstore (plus TLS choices of its own)."""
    p = _Parser(prog="check_mailkeep", description="Nagios/Icinga check of mailkeep archiving.")
    p.add_argument("--host", default="localhost")
    p.add_argument("--port", type=int, default=8463)
    p.add_argument("--username", default="admin")
    p.add_argument("--password", default="")
    p.add_argument("--start", "-s", required=True, help="YYYY-mm-ddTHH:MM:SS or since:NX")
    p.add_argument("--end", "-e", help="YYYY-mm-ddTHH:MM:SS (not needed with since:)")
    p.add_argument("--timezone", default="$Local", help="Zone of --start/--end times.")
    p.add_argument("--machinename", "-m", help="Only jobs run on this machine.")
    p.add_argument("--profile", "-p", help="Only jobs of this profile (id or name).")
    p.add_argument("--status", default="succeeded", help="Job status; a leading # negates.")
    p.add_argument("--search", choices=("jobs", "emails"), default="jobs")
    p.add_argument("--warning", "-w", type=float)
    p.add_argument("--critical", "-c", type=float)
    p.add_argument("--compare", choices=tuple(COMPARE), default="le")
    p.add_argument("--DEBUG", action="store_true", help="Print the matching results.")
    p.add_argument("--http", action="store_true", help="Plain HTTP (api.http_port).")
    p.add_argument("--cafile", help="Trust this CA / self-signed certificate file.")
    p.add_argument("--insecure", action="store_true", help="Do not verify the certificate.")
    p.add_argument("--timeout", type=float, default=30.0)
    return p


@dataclass(frozen=True)
class Finding:
    """What was counted, for the status line."""

    count: float
    label: str  # "jobs" or "emails"
    description: str


def tls_context(options: argparse.Namespace) -> ssl.SSLContext | None:
    """TLS 1.2 or newer; verification as chosen."""
    if options.http:
        return None
    context = ssl.create_default_context(cafile=options.cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if options.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def status_matches(result: str, wanted: str) -> bool:
    """``wanted`` is a job status, or ``#status`` for every other status."""
    if wanted.startswith("#"):
        return result != wanted[1:]
    return result == wanted


def select_jobs(
    jobs: Sequence[dict[str, Any]], options: argparse.Namespace
) -> list[dict[str, Any]]:
    """The worker results matching --status, --profile and --machinename."""
    chosen = []
    for job in jobs:
        if not status_matches(str(job.get("result", "")), options.status):
            continue
        if options.profile and options.profile not in (
            str(job.get("profileID")),
            str(job.get("profileName")),
        ):
            continue
        if options.machinename and str(job.get("machineName", "")).lower() != (
            options.machinename.lower()
        ):
            continue
        chosen.append(job)
    return chosen


def _archived(job: dict[str, Any]) -> int:
    for key in ("itemsArchived", "messagesArchived", "archivedMessages"):
        if isinstance(job.get(key), int):
            return int(job[key])
    return 0


def measure(client: ApiClient, options: argparse.Namespace, now: datetime) -> Finding:
    """Count jobs or emails in the period as the options say."""
    try:
        start, end = period(options.start, options.end, now)
    except PeriodError as exc:
        raise CheckError(str(exc)) from exc
    zone = "UTC" if options.start.strip().startswith("since:") else options.timezone
    span = {"fromIncluding": start.strftime(FORMAT), "toExcluding": end.strftime(FORMAT)}
    since = f"since {span['fromIncluding']} ({zone})"
    if options.status.lstrip("#") not in STATUSES:
        raise CheckError(f"--status must be one of {', '.join(STATUSES)} (# negates).")
    if "GetWorkerResults" in client.commands():
        jobs = client.invoke("GetWorkerResults", **span, timeZoneID=zone)
        chosen = select_jobs(jobs, options)
        if options.DEBUG:
            for job in chosen:
                print(job)
        if options.search == "jobs":
            return Finding(len(chosen), "jobs", f"{len(chosen)} {options.status} jobs {since}")
        total = sum(_archived(j) for j in chosen)
        return Finding(total, "emails", f"{total} emails archived by matching jobs {since}")
    if options.search == "jobs":
        raise CheckError(
            "this mailkeep server has no archiving jobs yet (GetWorkerResults is not offered); "
            "use --search emails to check archived messages"
        )
    if options.profile or options.machinename or options.status != "succeeded":
        raise CheckError(
            "--profile, --machinename and --status filter archiving jobs, which this server "
            "does not have; --search emails counts every archived message"
        )
    counted = client.invoke("GetArchivedMessageCount", **span, timeZoneID=zone)
    if options.DEBUG:
        print(counted)
    messages = int(counted["messages"])
    return Finding(messages, "emails", f"{messages} emails archived {since}")


def evaluate(finding: Finding, options: argparse.Namespace) -> int:
    """CRITICAL when the count compares true with --critical, else WARNING likewise, else OK."""
    compare = COMPARE[options.compare]
    if options.critical is not None and compare(finding.count, options.critical):
        return CRITICAL
    if options.warning is not None and compare(finding.count, options.warning):
        return WARNING
    return OK


def _threshold(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def run(argv: Sequence[str] | None = None, now: datetime | None = None) -> tuple[int, str]:
    """The exit code and status line for a command line."""
    options = parser().parse_args(argv)
    scheme = "http" if options.http else "https"
    client = ApiClient(
        f"{scheme}://{options.host}:{options.port}",
        options.username,
        options.password,
        tls_context(options),
        options.timeout,
    )
    try:
        finding = measure(client, options, now or datetime.now(UTC).replace(tzinfo=None))
    except (ApiError, CheckError) as exc:
        return UNKNOWN, f"MAILKEEP UNKNOWN - {exc}"
    code = evaluate(finding, options)
    perf = (
        f"{finding.label}={finding.count:g};{_threshold(options.warning)};"
        f"{_threshold(options.critical)};0;"
    )
    return code, f"MAILKEEP {NAMES[code]} - {finding.description} | {perf}"


def main() -> None:
    """Console entry point: print the status line, exit with the Nagios code."""
    try:
        code, line = run()
    except Exception as exc:  # a plugin must always answer with a Nagios status
        code, line = UNKNOWN, f"MAILKEEP UNKNOWN - {type(exc).__name__}: {exc}"
    print(line)
    sys.exit(code)
