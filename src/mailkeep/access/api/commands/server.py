"""Server-wide commands: GetServerInfo, GetMethodList, GetTimeZones, GetActiveSessions,
GetLicenseInformation, GetServiceConfiguration."""

from __future__ import annotations

import socket
import zoneinfo
from datetime import UTC, datetime
from typing import Any

import mailkeep
from mailkeep.access.api.registry import COMMANDS, Call
from mailkeep.access.api.timezones import LOCAL, local_zone_name, windows_zones
from mailkeep.settings import SETTINGS


@COMMANDS.command("GetServerInfo", "Version and machine name of the server.")
def get_server_info(_call: Call) -> dict[str, Any]:
    return {"version": mailkeep.__version__, "machineName": socket.gethostname()}


@COMMANDS.command("GetMethodList", "Names and arguments of every API command.")
def get_method_list(_call: Call) -> list[dict[str, Any]]:
    return [
        {"name": c.name, "summary": c.summary, "args": [a.describe() for a in c.args]}
        for c in COMMANDS
    ]


def _offset_name(name: str, now: datetime) -> str:
    offset = now.astimezone(zoneinfo.ZoneInfo(name)).strftime("%z")
    return f"(UTC{offset[:3]}:{offset[3:]})"


@COMMANDS.command(
    "GetTimeZones",
    "Time zone identifiers accepted by timeZoneID arguments: $Local, Windows IDs, IANA names.",
)
def get_time_zones(_call: Call) -> list[dict[str, str]]:
    now = datetime.now(UTC)
    zones = [{"id": LOCAL, "displayName": f"Server time zone ({local_zone_name()})"}]
    available = zoneinfo.available_timezones()
    for windows, iana in windows_zones():
        if iana in available:  # CLDR may name a zone newer than this system's tzdata
            shown = f"{_offset_name(iana, now)} {windows} ({iana})"
            zones.append({"id": windows, "displayName": shown})
    for name in sorted(available):
        zones.append({"id": name, "displayName": f"{_offset_name(name, now)} {name}"})
    return zones


@COMMANDS.command("GetActiveSessions", "Logon sessions of web access and API clients.")
def get_active_sessions(call: Call) -> list[dict[str, Any]]:
    from datetime import timedelta

    from mailkeep.access.web.sessions import SessionStore

    runtime = call.runtime
    idle = timedelta(minutes=runtime.setting("web.session_idle_minutes"))
    names = {u.id: u.name for u in runtime.users.list()}
    sessions = SessionStore(runtime.sessions, idle).active()
    return [
        {
            "userName": names.get(s.user_id, ""),
            "clientType": s.kind,
            "clientAddress": s.address,
            "userAgent": s.user_agent,
            "startTime": s.created_at.isoformat(),
            "lastAccessTime": s.last_seen_at.isoformat(),
        }
        for s in sessions
    ]


@COMMANDS.command(
    "GetLicenseInformation",
    "The licence: AGPL-3.0-or-later, named users counted, no limit on them.",
)
def get_license_information(call: Call) -> dict[str, Any]:
    named = len(call.runtime.users.list())
    return {
        "licenseeName": None,
        "productName": "mailkeep",
        "productVersion": mailkeep.__version__,
        "licenseType": "AGPL-3.0-or-later",
        "namedUsers": named,
        "maxNamedUsers": None,  # free software: no limit, and no key to expire
        "unlimited": True,
        "expirationDate": None,
    }


@COMMANDS.command(
    "GetServiceConfiguration",
    "How the service is set up: data directory, listeners and every non-secret setting.",
)
def get_service_configuration(call: Call) -> dict[str, Any]:
    runtime = call.runtime
    values = {name: runtime.setting(name) for name, spec in SETTINGS.items() if not spec.secret}
    api_bind = values["api.bind"] or values["web.bind"]
    return {
        "machineName": socket.gethostname(),
        "version": mailkeep.__version__,
        "dataDirectory": str(runtime.data_dir),
        "listeners": {
            "webBind": values["web.bind"],
            "webHttpPort": values["web.http_port"],
            "webHttpsPort": values["web.https_port"],
            "apiBind": api_bind,
            "apiHttpsPort": values["api.https_port"],
            "apiHttpPort": values["api.http_port"],
        },
        "settings": values,
    }
