"""Folder commands: list child folders, move or rename a folder, delete empty folders."""

from __future__ import annotations

from typing import Any

from mailkeep.access.api.registry import COMMANDS, Arg, Call
from mailkeep.access.folders import child_folders, empty_folders, move_folder
from mailkeep.ingest.service import store_writes


@COMMANDS.command(
    "GetChildFolders",
    "The folders below a folder (without folder: the user archives).",
    Arg("folder", nullable=True),
    Arg("maxLevels", "number", nullable=True),
)
def get_child_folders(call: Call) -> list[dict[str, Any]]:
    return child_folders(call.runtime, call.get("folder"), call.get("maxLevels"))


@COMMANDS.command(
    "MoveFolder",
    "Move or rename a folder within its user archive.",
    Arg("fromFolder", help='e.g. "johndoe/Outlook/Inbox".'),
    Arg("toFolder", help='e.g. "johndoe/Outlook/Inbox-new".'),
)
def move_folder_command(call: Call) -> dict[str, Any]:
    source, target = call.get("fromFolder"), call.get("toFolder")
    with store_writes():
        moved = move_folder(call.runtime, source, target)
    call.audit("folder.moved", source, to=target, messages=moved)
    return {"messagesMoved": moved}


@COMMANDS.command(
    "DeleteEmptyFolders",
    "Delete folders without messages (folders exist only while they hold messages).",
    Arg("folder", nullable=True),
)
def delete_empty_folders(call: Call) -> dict[str, Any]:
    return {"deletedFolders": empty_folders(call.runtime, call.get("folder"))}
