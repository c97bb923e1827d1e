"""check_mailkeep's logic without a server: periods, job filters, thresholds, and the job
counting it does once a server offers GetWorkerResults."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from mailkeep.monitoring.nagios import (
    CRITICAL,
    OK,
    WARNING,
    CheckError,
    Finding,
    evaluate,
    measure,
    parser,
    select_jobs,
)
from mailkeep.monitoring.period import PeriodError, months_before, period

NOW = datetime(2024, 3, 31, 12, 0, 0)


@pytest.mark.parametrize(
    ("start", "begins"),
    [
        ("since:90M", datetime(2024, 3, 31, 10, 30)),
        ("since:1H", datetime(2024, 3, 31, 11, 0)),
        ("since:2d", datetime(2024, 3, 29, 12, 0)),
        ("since:30S", datetime(2024, 3, 31, 11, 59, 30)),
        ("since:1m", datetime(2024, 2, 29, 12, 0)),  # clamped to February's last day
        ("since:1Y", datetime(2023, 3, 31, 12, 0)),
    ],
)
def test_since_periods_end_now(start: str, begins: datetime) -> None:
    # The end is the next whole second: the wire carries seconds, the current one counts.
    assert period(start, None, NOW) == (begins, NOW + timedelta(seconds=1))
    later = NOW.replace(microsecond=500_000)
    assert period(start, None, later)[1] == NOW + timedelta(seconds=1)


def test_absolute_periods_need_both_ends() -> None:
    assert period("2013-01-01T00:00:00", "2013-02-28T23:59:59", NOW)[1].month == 2
    with pytest.raises(PeriodError, match="--end"):
        period("2013-01-01T00:00:00", None, NOW)
    with pytest.raises(PeriodError, match="must look like"):
        period("yesterday", "today", NOW)
    assert months_before(datetime(2024, 1, 15), 13) == datetime(2022, 12, 15)


JOBS = [
    {"result": "succeeded", "profileID": 1, "profileName": "Nightly", "machineName": "srv",
     "itemsArchived": 10},
    {"result": "failed", "profileID": 2, "profileName": "Proxy", "machineName": "srv",
     "itemsArchived": 1},
    {"result": "succeeded", "profileID": 2, "profileName": "Proxy", "machineName": "pc7",
     "itemsArchived": 5},
]  # fmt: skip


def _options(*args: str) -> Any:
    return parser().parse_args(["-s", "since:1d", *args])


def test_job_filters() -> None:
    assert len(select_jobs(JOBS, _options())) == 2
    assert len(select_jobs(JOBS, _options("--status", "#succeeded"))) == 1
    assert len(select_jobs(JOBS, _options("-p", "Proxy"))) == 1
    assert len(select_jobs(JOBS, _options("-p", "1"))) == 1
    assert len(select_jobs(JOBS, _options("-m", "PC7"))) == 1


def test_thresholds_compare_as_told() -> None:
    found = Finding(5, "jobs", "")
    assert evaluate(found, _options("-w", "10", "-c", "2")) == WARNING
    assert evaluate(found, _options("-w", "10", "-c", "5")) == CRITICAL
    assert evaluate(found, _options("-w", "3", "-c", "2", "--compare", "le")) == OK
    assert evaluate(found, _options("-w", "4", "-c", "9", "--compare", "gt")) == WARNING
    assert evaluate(found, _options()) == OK


class JobsServer:
    """A stand-in API client of a server that has archiving jobs."""

    def __init__(self) -> None:
        self.asked: dict[str, str] = {}

    def commands(self) -> set[str]:
        return {"GetWorkerResults"}

    def invoke(self, command: str, **args: str) -> Any:
        assert command == "GetWorkerResults"
        self.asked = args
        return JOBS


def test_counting_jobs_and_their_emails_when_jobs_exist() -> None:
    server = JobsServer()
    jobs = measure(server, _options("--search", "jobs"), NOW)  # type: ignore[arg-type]
    assert jobs.count == 2 and jobs.label == "jobs"
    assert server.asked["timeZoneID"] == "UTC"
    assert server.asked["fromIncluding"] == "2024-03-30T12:00:00"
    emails = measure(server, _options("--search", "emails", "-p", "Proxy"), NOW)  # type: ignore[arg-type]
    assert emails.count == 5


def test_jobs_without_job_support_is_unknown() -> None:
    class NoJobs(JobsServer):
        def commands(self) -> set[str]:
            return {"GetArchivedMessageCount"}

    with pytest.raises(CheckError, match="no archiving jobs"):
        measure(NoJobs(), _options(), NOW)  # type: ignore[arg-type]
