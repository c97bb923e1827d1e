"""Server-wide commands: GetServerInfo, GetMethodList, GetTimeZones, GetActiveSessions."""

from __future__ import annotations

import socket
import zoneinfo
from datetime import UTC, datetime
from typing import Any

import mailkeep
from mailkeep.access.api.registry import COMMANDS, Call
from mailkeep.access.api.timezones import LOCAL, local_zone_name


@COMMANDS.command("GetServerInfo", "Version and machine name of the server.")
def get_server_info(_call: Call) -> dict[str, Any]:
    return {"version": mailkeep.__version__, "machineName": socket.gethostname()}


@COMMANDS.command("GetMethodList", "Names and arguments of every API command.")
def get_method_list(_call: Call) -> list[dict[str, Any]]:
    return [
        {"name": c.name, "summary": c.summary, "args": [a.describe() for a in c.args]}
        for c in COMMANDS
    ]


@COMMANDS.command("GetTimeZones", "Time zone identifiers accepted by timeZoneID arguments.")
def get_time_zones(_call: Call) -> list[dict[str, str]]:
    now = datetime.now(UTC)
    zones = [{"id": LOCAL, "displayName": f"Server time zone ({local_zone_name()})"}]
    for name in sorted(zoneinfo.available_timezones()):
        offset = now.astimezone(zoneinfo.ZoneInfo(name)).strftime("%z")
        zones.append({"id": name, "displayName": f"(UTC{offset[:3]}:{offset[3:]}) {name}"})
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
