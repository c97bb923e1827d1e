"""Archiving statistics: GetFolderStatistics, and GetArchivedMessageCount (a mailkeep
addition, used by ``check_mailkeep --search emails``)."""

from __future__ import annotations

from typing import Any

from mailkeep.access.api.registry import COMMANDS, Arg, Call
from mailkeep.access.api.timezones import in_zone
from mailkeep.access.browse import archive_counts, folder_counts
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
    "Messages per folder over every open archive store (folder paths start with the user "
    "archive; the archive's own row counts messages filed at its root).",
)
def get_folder_statistics(call: Call) -> list[dict[str, Any]]:
    stores = call.runtime.stores
    rows = []
    for archive in archive_counts(stores):
        for folder, count in folder_counts(stores, archive).items():
            rows.append({"folder": f"{archive}/{folder}" if folder else archive, "count": count})
    return rows
