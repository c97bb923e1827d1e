"""Archiving statistics: GetFolderStatistics, and GetArchivedMessageCount (a mailkeep
addition, used by ``check_mailkeep --search emails``)."""

from __future__ import annotations

from typing import Any

from mailkeep.access.api.registry import COMMANDS, Arg, Call
from mailkeep.access.api.timezones import in_zone
from mailkeep.errors import InvalidInputError


@COMMANDS.command(
    "GetArchivedMessageCount",
    "Messages archived (by any means) in a period, over every open archive store.",
    Arg("fromIncluding", "datetime"),
    Arg("toExcluding", "datetime"),
    Arg("timeZoneID", nullable=True, help="Zone of the dates; default $Local."),
)
def get_archived_message_count(call: Call) -> dict[str, Any]:
    zone = call.get("timeZoneID")
    start, end = in_zone(call.get("fromIncluding"), zone), in_zone(call.get("toExcluding"), zone)
    if end < start:
        raise InvalidInputError("toExcluding must not be before fromIncluding.")
    messages = size = 0
    for store in call.runtime.stores.open_stores():
        count, raw = store.catalog.archived_between(start, end)
        messages, size = messages + count, size + raw
    return {"messages": messages, "rawBytes": size}


@COMMANDS.command(
    "GetFolderStatistics",
    "Messages and their original size per user archive, over every open archive store.",
)
def get_folder_statistics(call: Call) -> list[dict[str, Any]]:
    totals: dict[str, list[int]] = {}
    for store in call.runtime.stores.open_stores():
        for archive, (count, size) in store.catalog.archive_sizes().items():
            total = totals.setdefault(archive, [0, 0])
            total[0], total[1] = total[0] + count, total[1] + size
    return [
        {"folder": archive, "count": count, "size": size}
        for archive, (count, size) in sorted(totals.items())
    ]
