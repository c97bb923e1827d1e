"""``check_mailkeep`` against a running ``mailkeep serve``: every status it can produce."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mailkeep.monitoring.nagios import CRITICAL, OK, UNKNOWN, WARNING, run
from tests.integration.api.conftest import PASSWORD, ApiServer
from tests.ports import free_port

ARCHIVED = 6  # messages the profile's three succeeded jobs archived within the last hour


@pytest.fixture(scope="module")
def nightly(api_server: ApiServer) -> str:
    """A profile "Nightly" with three succeeded jobs (2 messages each) and one failed job
    in the last hour, recorded as the job runner records them."""
    from datetime import UTC, datetime

    from mailkeep.jobs.profiles import ProfileDirectory, ProfileSpec
    from mailkeep.jobs.results import JobResults
    from mailkeep.runtime import Runtime

    settings = {"host": "127.0.0.1", "port": free_port(), "security": "none",
                "insecure": False, "username": "x"}  # fmt: skip
    with Runtime(api_server.data_dir) as runtime:
        spec = ProfileSpec("Nightly", "imap", settings, {"password": "pw"}, "alice")
        profile = ProfileDirectory(runtime.sessions, runtime.master_key).create(
            spec, datetime.now(UTC)
        )
        results = JobResults(runtime.sessions)
        for status, archived in (("succeeded", 2),) * 3 + (("failed", 0),):
            outcome = results.start(profile.id, profile.name, "schedule")
            outcome.status, outcome.archived = status, archived
            results.finish(outcome)
    return str(profile.id)


def check(server: ApiServer, *args: str, password: str = PASSWORD) -> tuple[int, str]:
    base = ["--host", "127.0.0.1", "--port", str(server.http_port), "--http"]
    return run([*base, "--password", password, *args])


@pytest.mark.parametrize(
    ("thresholds", "expected", "word"),
    [
        (["-w", str(ARCHIVED - 2), "-c", str(ARCHIVED - 4)], OK, "OK"),
        (["-w", str(ARCHIVED + 10), "-c", str(ARCHIVED - 4)], WARNING, "WARNING"),
        (["-w", str(ARCHIVED + 10), "-c", str(ARCHIVED)], CRITICAL, "CRITICAL"),
        (["-w", "1", "-c", str(ARCHIVED - 1), "--compare", "gt"], CRITICAL, "CRITICAL"),
        (["-w", str(ARCHIVED), "-c", "100", "--compare", "eq"], WARNING, "WARNING"),
    ],
)
def test_emails_archived_in_the_last_day(
    api_server: ApiServer, nightly: str, thresholds: list[str], expected: int, word: str
) -> None:
    code, line = check(
        api_server, "-s", "since:1d", "--search", "emails", "-p", "Nightly", *thresholds
    )
    assert (code, line.split(" - ")[0]) == (expected, f"MAILKEEP {word}"), line
    assert line.endswith(f"| emails={ARCHIVED};{thresholds[1]};{thresholds[3]};0;")


def test_jobs_by_status_and_profile(api_server: ApiServer, nightly: str) -> None:
    code, line = check(api_server, "-s", "since:1H", "--search", "jobs", "-p", nightly,
                       "-w", "3", "-c", "1")  # fmt: skip
    assert code == WARNING and "3 succeeded jobs" in line and line.endswith("| jobs=3;3;1;0;")
    code, line = check(api_server, "-s", "since:1H", "--search", "jobs", "-p", "Nightly",
                       "--status", "failed", "-c", "1", "--compare", "ge")  # fmt: skip
    assert code == CRITICAL and "1 failed jobs" in line
    code, line = check(api_server, "-s", "since:1H", "--search", "jobs", "-p", "Nightly",
                       "--status", "#succeeded", "-c", "2", "--compare", "ge")  # fmt: skip
    assert code == OK and "1 #succeeded jobs" in line
    code, line = check(api_server, "-s", "since:1H", "--search", "jobs", "-p", "Nightly",
                       "-m", "no-such-machine", "-c", "0", "--compare", "eq")  # fmt: skip
    assert code == CRITICAL and "0 succeeded jobs" in line


def test_an_absolute_period_in_a_time_zone(api_server: ApiServer) -> None:
    code, line = check(
        api_server, "-s", "2000-01-01T00:00:00", "-e", "2001-01-01T00:00:00",
        "--timezone", "Europe/Berlin", "--search", "emails", "-c", "0",
    )  # fmt: skip
    assert code == CRITICAL and "0 emails" in line


@pytest.mark.parametrize(
    ("args", "password", "says"),
    [
        (["-s", "since:1H", "--search", "emails"], "wrong", "wrong user name or password"),
        (["-s", "2024-01-01T00:00:00", "--search", "emails"], PASSWORD, "--end is needed"),
        (["-s", "since:1H", "--status", "finished"], PASSWORD, "--status must be one of"),
    ],
)
def test_unknown_answers_say_why(
    api_server: ApiServer, args: list[str], password: str, says: str
) -> None:
    code, line = check(api_server, *args, password=password)
    assert code == UNKNOWN and line.startswith("MAILKEEP UNKNOWN - ") and says in line, line


def test_unreachable_server_is_unknown() -> None:
    code, line = run(
        ["--host", "127.0.0.1", "--port", str(free_port()), "--http", "-s", "since:1H"]
    )
    assert code == UNKNOWN and "cannot reach" in line


def test_console_script_over_https_exits_with_the_nagios_code(api_server: ApiServer) -> None:
    script = Path(sys.executable).parent / "check_mailkeep"
    https_port = api_server.https_url.rsplit(":", 1)[1]
    cafile = api_server.data_dir / "tls" / "self-signed.crt"
    common = ["--host", "127.0.0.1", "--port", https_port, "--password", PASSWORD]
    done = subprocess.run(
        [str(script), *common, "--insecure", "-s", "since:1d", "--search", "emails", "-c", "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == OK, done.stdout + done.stderr
    assert done.stdout.startswith("MAILKEEP OK - ") and done.stdout.count("\n") == 1
    # Certificates are verified unless told otherwise: the self-signed one is not trusted.
    refused = subprocess.run(
        [str(script), *common, "-s", "since:1d", "--search", "emails"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == UNKNOWN and "CERTIFICATE_VERIFY_FAILED" in refused.stdout
    assert cafile.exists()
