"""The administration API over the wire, as MailStore scripts use it: every command, the 401
challenge, argument errors, refusals, long-running commands with long-polling, TLS, audit."""

from __future__ import annotations

import json
import shutil
import ssl
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from mailkeep.runtime import Runtime
from tests.conftest import build_message
from tests.dovecot import Dovecot
from tests.integration.api.conftest import PASSWORD, ApiServer
from tests.integration.api.wire import BOM, CALLED, WireClient

WIRE_TYPES = {"string", "number", "bool", "json", "datetime"}
WIRE_MODULES = {"test_api_clients", "test_api_wire"}  # together they call every command


@pytest.fixture
def admin(api_server: ApiServer) -> WireClient:
    client = api_server.client()
    client.called = CALLED
    return client


def test_unauthenticated_requests_get_the_basic_challenge(api_server: ApiServer) -> None:
    anonymous = api_server.client()
    answer = anonymous.post("/api/invoke/GetServerInfo", auth=False)
    assert answer.status == 401
    assert answer.headers["www-authenticate"] == 'Basic realm="mailkeep administration API"'
    # A client that sends credentials only after the challenge (older MailStore wrappers).
    lazy = WireClient(api_server.http_url, "admin", PASSWORD, preemptive=False)
    assert lazy.result("GetServerInfo")["version"]
    wrong = api_server.client(password="not the password")
    assert wrong.post("/api/invoke/GetServerInfo").status == 401


def test_a_user_who_is_not_an_administrator_is_refused(api_server: ApiServer) -> None:
    answer = api_server.client("alice").post("/api/invoke/GetUsers")
    assert answer.status == 403
    assert answer.raw.startswith(BOM)
    assert answer.body["statusCode"] == "failed"
    assert "Administrator" in answer.body["error"]["message"]


def test_repeated_failures_are_throttled(api_server: ApiServer) -> None:
    guesser = api_server.client("johndoe", "guess")
    statuses = [guesser.post("/api/invoke/GetUsers").status for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_metadata_is_a_bare_array_describing_every_command(admin: WireClient) -> None:
    metadata = admin.metadata()
    names = {entry["name"] for entry in metadata}
    assert {"GetUsers", "GetUserList", "GetStores", "GetStoreList", "VerifyStore"} <= names
    assert {"GetProfiles", "RunProfile", "GetWorkerResults"} <= names
    assert "SyncUsersWithDirectoryServices" in names
    for entry in metadata:
        for arg in entry["args"]:
            assert set(arg) == {"name", "type", "nullable"}
            assert arg["type"] in WIRE_TYPES
    create_user = next(e for e in metadata if e["name"] == "CreateUser")
    assert {"name": "userName", "type": "string", "nullable": False} in create_user["args"]
    listed = {m["name"] for m in admin.result("GetMethodList")}
    assert listed == names


def test_server_information_time_zones_and_sessions(admin: WireClient) -> None:
    info = admin.result("GetServerInfo")
    assert set(info) == {"version", "machineName"}
    zones = admin.result("GetTimeZones")
    assert zones[0]["id"] == "$Local" and any(z["id"] == "Europe/Berlin" for z in zones)
    sessions = admin.result("GetActiveSessions")
    assert any(s["userName"] == "admin" and s["clientType"] == "api" for s in sessions)


def test_argument_errors_name_the_argument(admin: WireClient) -> None:
    assert admin.error("GetUserInfo") == "Missing API argument userName."
    assert admin.error("GetUserInfo", userName="") == "Missing API argument userName."
    assert "Unknown API argument colour" in admin.error("GetUsers", colour="blue")
    assert "must be a number" in admin.error("VerifyStore", id="one")
    assert "must be the only value" in admin.error(
        "CreateUser", userName="x", privileges="none,login"
    )
    assert "Unknown user" in admin.error("GetUserInfo", userName="nobody")
    unknown = admin.invoke("NoSuchCommand")
    assert unknown["statusCode"] == "failed"
    assert unknown["error"]["message"] == "Unknown API command NoSuchCommand."


def test_user_lifecycle(admin: WireClient, api_server: ApiServer) -> None:
    admin.result(
        "CreateUser",
        userName="carol",
        privileges="login,changePassword",
        fullName="Carol C",
        distinguishedName="cn=carol,dc=example",
        password="first pass",
    )
    assert {"userName": "carol", "fullName": "Carol C", "distinguishedName":
            "cn=carol,dc=example"} in admin.result("GetUsers")  # fmt: skip
    assert any(u["userName"] == "carol" for u in admin.result("GetUserList"))
    admin.result("SetUserFullName", userName="carol", fullName="Carol Cook")
    admin.result("SetUserDistinguishedName", userName="carol")  # removes it
    admin.result("SetUserEmailAddresses", userName="carol", emailAddresses="c@x.org, cc@x.org")
    admin.result("SetUserPop3UserNames", userName="carol", pop3UserNames="carol1,carol2")
    admin.result("SetUserAuthentication", userName="carol", authentication="directoryServices")
    admin.result("SetUserAuthentication", userName="carol", authentication="integrated")
    admin.result("SetUserPrivileges", userName="carol", privileges="admin")
    admin.result("SetUserPrivilegesOnFolder", userName="carol", folder="alice", privileges="read")
    info = admin.result("GetUserInfo", userName="carol")
    assert info["fullName"] == "Carol Cook" and info["distinguishedName"] == ""
    assert info["emailAddresses"] == ["c@x.org", "cc@x.org"]
    assert info["pop3UserNames"] == ["carol1", "carol2"]
    assert info["authentication"] == "integrated" and info["privileges"] == ["admin"]
    assert info["privilegesOnFolders"] == [{"folder": "alice", "privileges": ["read"]}]
    assert "top-level" in admin.error(
        "SetUserPrivilegesOnFolder", userName="carol", folder="alice/Inbox", privileges="read"
    )
    admin.result("ClearUserPrivilegesOnFolders", userName="carol")
    assert admin.result("GetUserInfo", userName="carol")["privilegesOnFolders"] == []
    admin.result("SetUserPassword", userName="carol", password="second pass")
    assert api_server.client("carol", "second pass").result("GetServerInfo")
    assert api_server.client("carol", "first pass").post("/api/get-metadata").status == 401
    admin.result("RenameUser", oldUserName="carol", newUserName="caroline")
    assert admin.result("GetUserInfo", userName="caroline")["archive"] == "carol"
    admin.result("DeleteUser", userName="caroline")
    assert "Unknown user" in admin.error("GetUserInfo", userName="caroline")


def test_long_running_verification_with_long_polling(admin: WireClient) -> None:
    started = admin.invoke("VerifyStore", id=1, includeIndexes=True)
    assert started["statusCode"] == "running" and started["token"]
    final = admin.finish(started)
    assert final["statusCode"] == "succeeded" and final["percentProgress"] == 100
    assert final["result"]["ok"] is True and final["result"]["checked"] == 6
    assert final["result"]["index"]["ok"] is True
    # Nothing changes any more: get-status holds the request for the whole timeout.
    began = time.monotonic()
    again = admin.status(final["token"], final["statusVersion"], 400)
    assert time.monotonic() - began >= 0.35
    assert again.body["statusVersion"] == final["statusVersion"]
    assert admin.status("no-such-token", 0, 0).status == 404
    assert admin.post("/api/cancel-async", {"token": "no-such-token"}).status == 404
    report = admin.result("VerifyStores", includeIndexes=True)
    assert report["ok"] is True and len(report["stores"]) >= 1


def test_store_commands(admin: WireClient, api_server: ApiServer, tmp_path: Path) -> None:
    stores = admin.result("GetStores")
    assert stores[0]["id"] == 1 and stores[0]["requestedState"] == "current"
    sized = admin.result("GetStoreList", includeSize=True)
    assert sized[0]["messages"] == 6 and sized[0]["size"] > 0
    created = admin.result(
        "CreateStore", name="Spare", databasePath=str(tmp_path / "spare"), requestedState="normal"
    )
    spare = created["id"]
    admin.result("RenameStore", id=spare, name="Spare 2")
    admin.result("SetStoreRequestedState", id=spare, requestedState="writeProtected")
    listed = {s["id"]: s for s in admin.result("GetStores")}
    assert listed[spare]["name"] == "Spare 2"
    assert listed[spare]["requestedState"] == "writeProtected"
    assert "one store must be current" in admin.error(
        "SetStoreRequestedState", id=1, requestedState="normal"
    )
    indexes = admin.result("GetStoreIndexList", id=1)
    assert {"folder": "alice", "messages": 1} in indexes
    # Detach, move the files, attach again; then move again and tell the server where.
    admin.result("DetachStore", id=spare)
    assert all(s["id"] != spare for s in admin.result("GetStores"))
    shutil.move(tmp_path / "spare", tmp_path / "moved")
    attached = admin.result("AttachStore", name="Spare 3", databasePath=str(tmp_path / "moved"))
    shutil.move(tmp_path / "moved", tmp_path / "again")
    opened = {o["id"]: o for o in admin.result("RetryOpenStores")}
    assert opened[attached["id"]]["open"] is False
    relocated = admin.result(
        "SetStoreProperties", id=attached["id"], databasePath=str(tmp_path / "again")
    )
    assert relocated["path"] == str(tmp_path / "again")
    opened = {o["id"]: o for o in admin.result("RetryOpenStores")}
    assert opened[attached["id"]]["open"] is True
    assert "SQLServer" in admin.error("CreateStore", name="x", type="SQLServer")
    statistics = admin.result("RefreshAllStoreStatistics")
    assert any(s["id"] == 1 and s["messages"] == 6 for s in statistics)
    compacted = admin.result("CompactStore", id=attached["id"])
    assert "bytesBefore" in json.dumps(compacted) or compacted
    assert admin.result("UpgradeStore", id=1)["upgraded"] is False
    assert admin.result("CompactMasterDatabase")["database"] == "sqlite"
    maintained = admin.result("MaintainFileSystemDatabases")
    assert all(m["integrity"] == "ok" for m in maintained)
    admin.result("DetachStore", id=attached["id"])


def test_index_rebuild(admin: WireClient) -> None:
    assert admin.result("RebuildStoreIndex", id=1, folder="alice") == {"indexed": 1}
    assert admin.result("RebuildStoreIndex", id=1, folder="*")["indexed"] == 6
    assert "holds no user archive" in admin.error("RebuildStoreIndex", id=1, folder="nobody")


def _folders(entries: list[dict[str, Any]]) -> list[str]:
    return [e["folder"] for e in entries]


def test_folders_listed_moved_and_empty_ones(admin: WireClient) -> None:
    top = admin.result("GetChildFolders", maxLevels=1)
    assert {"admin", "alice", "johndoe"} <= set(_folders(top))
    assert _folders(admin.result("GetChildFolders", folder="johndoe")) == [
        "johndoe/Outlook",
        "johndoe/Outlook/Inbox",
        "johndoe/Outlook/Project A",
    ]
    # The reference guide's example 3, as written.
    moved = admin.result(
        "MoveFolder",
        fromFolder="johndoe/Outlook/Project A",
        toFolder="johndoe/Outlook/Projects/Project A",
    )
    assert moved == {"messagesMoved": 2}
    children = admin.result("GetChildFolders", folder="johndoe/Outlook", maxLevels=1)
    assert _folders(children) == ["johndoe/Outlook/Inbox", "johndoe/Outlook/Projects"]
    nested = admin.result("GetChildFolders", folder="johndoe/Outlook/Projects")
    assert nested == [
        {"folder": "johndoe/Outlook/Projects/Project A", "displayName": "Project A",
         "level": 1, "messages": 2}
    ]  # fmt: skip
    assert "another user archive" in admin.error(
        "MoveFolder", fromFolder="johndoe", toFolder="john.doe"
    )
    assert "already exists" in admin.error(
        "MoveFolder", fromFolder="johndoe/Outlook/Inbox", toFolder="johndoe/Outlook/Projects"
    )
    assert admin.result("DeleteEmptyFolders") == {"deletedFolders": []}
    assert admin.result("DeleteEmptyFolders", folder="johndoe/Outlook") == {"deletedFolders": []}
    assert "Unknown folder" in admin.error("DeleteEmptyFolders", folder="johndoe/Nope")


def test_archived_message_count(admin: WireClient) -> None:
    counted = admin.result(
        "GetArchivedMessageCount",
        fromIncluding="2000-01-01T00:00:00",
        toExcluding="2100-01-01T00:00:00",
        timeZoneID="UTC",
    )
    assert counted["messages"] == 6


def test_https_listener_with_the_self_signed_certificate(api_server: ApiServer) -> None:
    context = ssl.create_default_context(cafile=str(api_server.data_dir / "tls/self-signed.crt"))
    context.check_hostname = False
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    client = WireClient(api_server.https_url, "admin", PASSWORD, tls=context)
    assert client.result("GetServerInfo")["version"]


def test_metrics_and_openapi(api_server: ApiServer, admin: WireClient) -> None:
    admin.result("GetServerInfo")
    request = urllib.request.Request(f"{api_server.http_url}/metrics")  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert refused.value.code == 401
    request.add_header("Authorization", admin._authorization())
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    assert 'mailkeep_api_calls_total{command="GetServerInfo",status="succeeded"}' in text
    assert "mailkeep_archived_messages{name=" in text and "mailkeep_search_seconds" in text
    assert "mailkeep_store_size_bytes" in text
    assert "# TYPE mailkeep_job_results gauge" in text
    assert "# TYPE mailkeep_job_archived_messages gauge" in text
    with urllib.request.urlopen(f"{api_server.http_url}/api/openapi.json") as response:  # noqa: S310
        document = json.loads(response.read())
    assert {f"/api/invoke/{e['name']}" for e in admin.metadata()} <= set(document["paths"])


def test_every_call_is_audited_without_secrets(api_server: ApiServer, admin: WireClient) -> None:
    admin.result("SetUserPassword", userName="alice", password="audit-me-not")
    with Runtime(api_server.data_dir) as runtime:
        events = runtime.audit.recent(500, "api.called")
        dumped = json.dumps([e.as_dict() for e in events], default=str)
    assert "audit-me-not" not in dumped
    latest = events[0].as_dict()
    assert latest["target"] == "SetUserPassword" and latest["actor"] == "admin"
    assert latest["detail"]["arguments"] == ["password", "userName"]


def test_profiles_run_and_worker_results(
    admin: WireClient, api_server: ApiServer, dovecot: Dovecot
) -> None:
    from datetime import UTC, datetime, timedelta

    from mailkeep.jobs.profiles import ProfileDirectory, ProfileSpec
    from tests.integration.conftest import PASSWORD as MAIL_PASSWORD
    from tests.integration.conftest import fill
    from tests.integration.profiles import server_settings

    fill(dovecot, "alice@example.com", "INBOX", [build_message(801), build_message(802)])
    with Runtime(api_server.data_dir) as runtime:
        spec = ProfileSpec(
            "alice-imap", "imap", server_settings(dovecot, username="alice@example.com"),
            {"password": MAIL_PASSWORD}, "alice", owner="admin",
        )  # fmt: skip
        created = ProfileDirectory(runtime.sessions, runtime.master_key).create(
            spec, datetime.now(UTC)
        )
    profiles = admin.result("GetProfiles")
    listed = next(p for p in profiles if p["name"] == "alice-imap")
    assert listed["id"] == created.id and listed["userName"] == "alice"
    assert MAIL_PASSWORD not in json.dumps(profiles)
    assert "Missing API argument id." in admin.error("RunProfile")
    assert "No archiving profile with id 999" in admin.error("RunProfile", id=999)
    started = admin.invoke("RunProfile", id=created.id)
    assert started["statusCode"] == "running"
    final = admin.finish(started)
    assert final["statusCode"] == "succeeded", final
    assert (final["result"]["result"], final["result"]["itemsArchived"]) == ("succeeded", 2)
    now = datetime.now(UTC)
    span = {
        "fromIncluding": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "toExcluding": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "timeZoneID": "UTC",
    }
    results = admin.result("GetWorkerResults", **span)
    mine = [r for r in results if r["profileID"] == created.id]
    assert len(mine) == 1 and mine[0]["result"] == "succeeded"
    assert mine[0]["itemsArchived"] == 2 and mine[0]["machineName"]
    assert admin.result("GetWorkerResults", **span, profileID=created.id + 1) == []
    assert admin.result("GetWorkerResults", **span, userName="alice") == []
    earlier = {**span, "toExcluding": (now - timedelta(minutes=59)).strftime("%Y-%m-%dT%H:%M:%S")}
    assert admin.result("GetWorkerResults", **earlier) == []


def test_directory_sync_over_the_api(admin: WireClient, api_server: ApiServer) -> None:
    assert "directory" in admin.error("SyncUsersWithDirectoryServices").lower()
    users_csv = api_server.data_dir.parent / "directory.csv"
    users_csv.write_text("name,full_name,email\nzoe,Zoe Z,zoe@example.com\n")
    with Runtime(api_server.data_dir) as runtime:
        runtime.set_setting("directory.type", "csv")
        runtime.set_setting("directory.file", str(users_csv))
    try:
        dry = admin.finish(admin.invoke("SyncUsersWithDirectoryServices", dryRun=True))
        assert dry["result"]["created"] == ["zoe"]
        assert "zoe" not in [u["userName"] for u in admin.result("GetUsers")]
        done = admin.finish(admin.invoke("SyncUsersWithDirectoryServices"))
        assert done["result"]["created"] == ["zoe"]
        assert "zoe" in [u["userName"] for u in admin.result("GetUsers")]
    finally:
        with Runtime(api_server.data_dir) as runtime:
            runtime.set_setting("directory.type", "")


def test_every_command_was_exercised(admin: WireClient, request: pytest.FixtureRequest) -> None:
    offered = {entry["name"] for entry in admin.metadata()}
    ran = {item.module.__name__.rsplit(".", 1)[-1] for item in request.session.items}
    if not ran >= WIRE_MODULES or request.session.testsfailed:
        pytest.skip("run every wire test module (and all passing) to check coverage")
    assert offered - CALLED == set()
