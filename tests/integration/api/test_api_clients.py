"""What MailStore's published clients send, sent exactly so to a running ``mailkeep serve``:
the 2014 wrapper's double slash, the wrappers' GetStoreIndexes, checks with a hard-coded
Windows time zone, PowerShell's CRLF after every value, the PRTG sensor's raw profiles and
jobs, the licence check, and the commands the clients call beside them (issue 12, items
13-20). The cross-site refusal (issue 11, item 3) is in ``test_api_browser.py``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from mailkeep.jobs.results import JobResults
from mailkeep.master.models import JobResult
from mailkeep.runtime import Runtime
from tests.integration.api.conftest import PASSWORD, ApiServer
from tests.integration.api.wire import BOM, CALLED, WireClient
from tests.ports import free_port

BERLIN = "W. Europe Standard Time"  # what real checks hard-code; Europe/Berlin in CLDR


@pytest.fixture
def admin(api_server: ApiServer) -> WireClient:
    client = api_server.client()
    client.called = CALLED
    return client


def test_double_slash_status_poll_and_cancel(admin: WireClient) -> None:
    """The 2014 wrapper builds ``/api/{mode}/{method}`` with an empty mode for status calls."""
    started = admin.invoke("VerifyStores")
    assert started["statusCode"] == "running"
    fields = {"token": started["token"], "lastKnownStatusVersion": 0, "millisecondsTimeout": 100}
    polled = admin.post("/api//get-status", fields)
    assert polled.status == 200 and polled.raw.startswith(BOM), polled.raw[:200]
    assert polled.body["token"] == started["token"]
    cancelled = admin.post("/api//cancel-async", {"token": started["token"]})
    assert cancelled.status == 200 and cancelled.body["token"] == started["token"]
    assert admin.post("/api///invoke//GetServerInfo").body["result"]["version"]


def test_get_store_indexes_as_the_wrappers_call_it(admin: WireClient) -> None:
    names = {entry["name"] for entry in admin.metadata()}
    assert {"GetStoreIndexes", "GetStoreIndexList"} <= names
    indexes = admin.result("GetStoreIndexes", id=1)
    assert indexes == admin.result("GetStoreIndexList", id=1)
    assert {"folder": "alice", "messages": 1} in indexes


def _record_runs(api_server: ApiServer) -> tuple[int, int]:
    """An ended run (12:00-12:05 UTC on 1 July 2020) and a run still going, of one profile."""
    with Runtime(api_server.data_dir) as runtime, runtime.sessions.begin() as session:
        ended = JobResult(
            profile_id=900, profile_name="zoned", trigger="schedule", status="failed",
            started_at=datetime(2020, 7, 1, 12, 0, tzinfo=UTC),
            ended_at=datetime(2020, 7, 1, 12, 5, tzinfo=UTC), protocol="[]",
        )  # fmt: skip
        running = JobResult(
            profile_id=900, profile_name="zoned", trigger="schedule", status="running",
            started_at=datetime(2020, 7, 1, 12, 30, tzinfo=UTC), protocol="[]",
        )  # fmt: skip
        session.add_all([ended, running])
        session.flush()
        return ended.id, running.id


def test_worker_results_in_a_windows_time_zone_ended_only(
    admin: WireClient, api_server: ApiServer
) -> None:
    ended, running = _record_runs(api_server)
    zones = {z["id"] for z in admin.result("GetTimeZones")}
    assert {BERLIN, "Pacific Standard Time", "Europe/Berlin", "$Local"} <= zones
    # Noon to 15:00 Berlin summer time (UTC+2) is 10:00-13:00 UTC: both runs started in it.
    period = {"fromIncluding": "2020-07-01T12:00:00", "toExcluding": "2020-07-01T15:00:00"}
    listed = admin.result("GetWorkerResults", **period, timeZoneID=BERLIN)
    assert [r["id"] for r in listed if r["id"] in (ended, running)] == [ended]
    assert all(r["result"] != "running" and r["completeTime"] for r in listed)
    mine = next(r for r in listed if r["id"] == ended)
    assert mine["result"] == "failed"
    assert mine["startTime"] == "2020-07-01T14:00:00+02:00"
    assert mine["completeTime"] == "2020-07-01T14:05:00+02:00"
    # The same period read in UTC misses the run (it started at 12:00 UTC, 14:00 in Berlin).
    early = {"fromIncluding": "2020-07-01T13:00:00", "toExcluding": "2020-07-01T15:00:00"}
    assert admin.result("GetWorkerResults", **early, timeZoneID="UTC") == []
    assert "Unknown time zone 'Mars Standard Time'" in admin.error(
        "GetWorkerResults", **period, timeZoneID="Mars Standard Time"
    )
    assert running not in [r["id"] for r in admin.result("GetWorkerResults", **period)]


def test_arguments_with_the_crlf_of_out_string(admin: WireClient, api_server: ApiServer) -> None:
    """PowerShell's ``Out-String`` appends CRLF to every value it formats."""
    ended, _running = _record_runs(api_server)
    listed = admin.result(
        "GetWorkerResults",
        fromIncluding="2020-07-01T10:00:00\r\n",
        toExcluding="2020-07-01T13:00:00\r\n",
        timeZoneID="UTC\r\n",
        profileID="900\r\n",
    )
    assert ended in [r["id"] for r in listed]
    assert admin.result("GetUserInfo", userName="alice\r\n")["userName"] == "alice"


def test_licence_answer_for_the_licence_check(admin: WireClient) -> None:
    licence = admin.result("GetLicenseInformation")
    assert licence["namedUsers"] == len(admin.result("GetUsers"))
    assert licence["maxNamedUsers"] is None and licence["unlimited"] is True
    assert licence["licenseType"] == "AGPL-3.0-or-later"


def test_service_configuration_shows_no_secret(admin: WireClient, api_server: ApiServer) -> None:
    configuration = admin.result("GetServiceConfiguration")
    assert configuration["dataDirectory"] == str(api_server.data_dir.resolve())
    assert configuration["listeners"]["apiHttpsPort"] == 8463
    assert "web.session_idle_minutes" in configuration["settings"]
    assert "directory.bind_password" not in configuration["settings"]
    assert "web.tls_pkcs12_password" not in configuration["settings"]


def test_folder_statistics_and_messages_of_a_folder(admin: WireClient) -> None:
    # One row per user archive, as scripts read it: row["folder"] == user, row["size"] bytes.
    statistics = {row["folder"]: row for row in admin.result("GetFolderStatistics")}
    assert statistics["johndoe"]["count"] == 5 and statistics["alice"]["count"] == 1
    sizes = admin.result("GetStores", includeSize=True)
    assert sum(row["size"] for row in statistics.values()) == sum(s["rawBytes"] for s in sizes)
    assert sum(row["count"] for row in statistics.values()) == 6  # every message once
    inbox = admin.result("GetMessages", folder="johndoe/Outlook/Inbox")
    assert sorted(m["subject"] for m in inbox) == [f"Quarterly report {i}" for i in range(3)]
    assert {m["folder"] for m in inbox} == {"johndoe/Outlook/Inbox"}
    assert admin.result("GetMessages", folder="johndoe/Outlook") == []  # not its subfolders
    assert "at least a user archive" in admin.error("GetMessages", folder="/")


def _raw_pop3(name: str, port: int, **changes: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "name": name,
        "connector": "pop3",
        "serverSideExecution": {"automatic": True, "automaticSchedule": "daily:03:00"},
        "details": {
            "host": "127.0.0.1", "port": port, "security": "none", "username": "alice",
            "password": "pop secret", "targetUserFolder": "alice",
        },
    }  # fmt: skip
    properties.update(changes)
    return properties


def test_create_profile_raw_run_it_and_delete_it(admin: WireClient) -> None:
    closed = free_port()  # nothing listens there: the run fails at once
    created = admin.result("CreateProfile", properties=_raw_pop3("prtg-pop3", closed), raw=True)
    assert created["connector"] == "pop3" and created["owner"] == "admin"
    assert created["serverSideExecution"]["automatic"] is True
    assert created["lastRun"] is None
    raw = {p["name"]: p for p in admin.result("GetProfiles", raw=True)}["prtg-pop3"]
    assert raw["details"]["host"] == "127.0.0.1" and raw["details"]["targetUserFolder"] == "alice"
    assert raw["type"] == "I" and raw["details"]["username"] == "alice"
    assert raw["details"]["port"] == closed
    assert "pop secret" not in json.dumps(admin.result("GetProfiles", raw=True))
    final = admin.finish(admin.invoke("RunProfile", id=created["id"]))
    assert final["statusCode"] == "succeeded" and final["result"]["result"] == "failed"
    # lastRun is filled by a run started from the API, not only by the scheduler.
    after = {p["name"]: p for p in admin.result("GetProfiles", raw=True)}["prtg-pop3"]
    assert after["lastRun"] is not None
    plain = {p["name"]: p for p in admin.result("GetProfiles")}["prtg-pop3"]
    assert plain["lastRun"] == after["lastRun"]
    report = admin.result("GetWorkerResultReport", id=final["result"]["id"], timeZoneID=BERLIN)
    assert "Result: failed" in report and "[error]" in report and "prtg-pop3" in report
    admin.result("DeleteProfile", id=created["id"])
    assert "prtg-pop3" not in {p["name"] for p in admin.result("GetProfiles")}
    assert f"No archiving profile with id {created['id']}" in admin.error(
        "DeleteProfile", id=created["id"]
    )


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"connector": "exchange"}, "Unknown connector 'exchange'"),
        ({"details": {"host": "h", "colour": "blue"}}, "Unknown profile detail 'colour'"),
        ({"colour": "blue"}, "Unknown profile property 'colour'"),
        ({"details": {"host": "h", "username": "a", "targetUserFolder": "alice"}}, "password is"),
        ({"details": {"host": "h", "password": "p", "username": "a"}}, "needs details.target"),
        ({"type": "E"}, "Only archiving profiles"),
        ({"serverSideExecution": {"automatic": True}}, "needs automaticSchedule"),
        ({"serverSideExecution": {"automatic": True, "automaticSchedule": "often"}}, "schedule"),
        ({"owner": "nobody-here"}, "Unknown user 'nobody-here'"),
        (
            {
                "details": {
                    "host": "h",
                    "password": "p",
                    "username": "a",
                    "targetUserFolder": "ghost",
                }
            },
            "ghost",
        ),
    ],
)
def test_create_profile_refuses_what_the_wizard_refuses(
    admin: WireClient, changes: dict[str, Any], says: str
) -> None:
    properties = _raw_pop3("refused", free_port(), **changes)
    assert says in admin.error("CreateProfile", properties=properties)
    assert "refused" not in {p["name"] for p in admin.result("GetProfiles")}


def test_create_profile_as_mailstore_clients_write_it(admin: WireClient) -> None:
    """Booleans as text, an interval in seconds, the login as ``userName`` (MailStore's names)."""
    properties = {
        "name": "mailstore-style", "owner": "admin", "type": "I", "connector": "imap",
        "details": {"host": "127.0.0.1", "port": str(free_port()), "security": "none",
                    "userName": "alice@example.com", "password": "pw",
                    "ignoreSSLPolicyErrors": "1", "targetUserFolder": "alice"},
        "serverSideExecution": {"automatic": "true", "automaticPauseBetweenExecutions": "300"},
    }  # fmt: skip
    created = admin.result("CreateProfile", properties=properties, raw=True)
    assert created["serverSideExecution"]["automaticSchedule"] == "every:5"
    assert created["serverSideExecution"]["automaticPauseBetweenExecutions"] == 300
    assert created["details"]["username"] == "alice@example.com"
    assert created["details"]["insecure"] is True
    admin.result("DeleteProfile", id=created["id"])
    manual = {**properties, "name": "never-automatic"}
    manual["serverSideExecution"] = {"automatic": "false", "automaticPauseBetweenExecutions": "300"}
    created = admin.result("CreateProfile", properties=manual)
    assert created["serverSideExecution"]["automatic"] is False
    admin.result("DeleteProfile", id=created["id"])


def test_create_profile_refuses_raw_false(admin: WireClient) -> None:
    properties = _raw_pop3("not-raw", free_port())
    assert "pass raw=true" in admin.error("CreateProfile", properties=properties, raw=False)


def test_jobs_and_their_results_as_the_prtg_sensor_reads_them(
    admin: WireClient, api_server: ApiServer
) -> None:
    users_csv = api_server.data_dir.parent / "jobs-directory.csv"
    users_csv.write_text("name,full_name,email\nyannick,Yannick Y,yannick@example.com\n")
    with Runtime(api_server.data_dir) as runtime:
        for name, value in (("type", "csv"), ("file", str(users_csv)),
                            ("sync_schedule", "daily:04:00")):  # fmt: skip
            runtime.set_setting(f"directory.{name}", value)
    try:
        (job,) = admin.result("GetJobs")
        assert (job["id"], job["action"]) == (1, "SyncUsersWithDirectoryServices")
        assert (job["enabled"], job["schedule"]) == (True, "daily:04:00")
        before = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        assert admin.finish(admin.invoke("SyncUsersWithDirectoryServices"))["result"]
        # The sensor asks with timeZoneId (small d) and a Windows zone.
        results = admin.result(
            "GetJobResults", fromIncluding=before, toExcluding="2100-01-01T00:00:00",
            timeZoneId="UTC",
        )  # fmt: skip
        assert [(r["jobId"], r["result"], r["created"]) for r in results] == [(1, "succeeded", 1)]
        assert results[0]["startTime"].endswith("+00:00")
        assert admin.result("GetJobResults", fromIncluding=before,
                            toExcluding="2100-01-01T00:00:00", jobId=2) == []  # fmt: skip
    finally:
        with Runtime(api_server.data_dir) as runtime:
            runtime.set_setting("directory.type", "")
            runtime.set_setting("directory.sync_schedule", "")
        admin.result("DeleteUser", userName="yannick")
    assert admin.result("GetJobs")[0]["enabled"] is False


def test_login_privileges_decide_who_uses_the_api(admin: WireClient, api_server: ApiServer) -> None:
    admin.result(
        "CreateUser", userName="ops", privileges="admin", password=PASSWORD,
        loginPrivileges="windows,web",
    )  # fmt: skip
    ops = api_server.client("ops")
    refused = ops.post("/api/invoke/GetServerInfo")
    assert refused.status == 403 and "login privileges" in refused.body["error"]["message"]
    assert admin.result("GetUserInfo", userName="ops")["loginPrivileges"] == "windows,web"
    admin.result("SetUserLoginPrivileges", userName="ops", loginPrivileges="api,web\r\n")
    assert ops.result("GetServerInfo")["version"]
    assert admin.result("GetUserInfo", userName="ops")["loginPrivileges"] == "web,api"
    assert "Unknown login privilege 'teleport'" in admin.error(
        "SetUserLoginPrivileges", userName="ops", loginPrivileges="web,teleport"
    )
    assert "only value" in admin.error(
        "CreateUser", userName="ops2", privileges="login", loginPrivileges="none,web"
    )
    assert "ops2" not in {u["userName"] for u in admin.result("GetUsers")}
    admin.result("SetUserLoginPrivileges", userName="ops", loginPrivileges="none")
    assert ops.post("/api/invoke/GetServerInfo").status == 403
    # Users never restricted (every one before this feature) keep every interface.
    assert admin.result("GetUserInfo", userName="alice")["loginPrivileges"] == (
        "windows,windowsCmd,outlook,web,mobile,imap,api"
    )
    admin.result("DeleteUser", userName="ops")


def test_report_of_an_unknown_job_result(admin: WireClient, api_server: ApiServer) -> None:
    with Runtime(api_server.data_dir) as runtime:
        assert JobResults(runtime.sessions).get(999999) is None
    assert "No job result with id 999999" in admin.error("GetWorkerResultReport", id=999999)
