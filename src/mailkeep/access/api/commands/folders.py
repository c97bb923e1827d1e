"""Folder commands: list child folders and a folder's messages, move or rename a folder,
delete empty folders."""

from __future__ import annotations

from typing import Any

from mailkeep.access.api.registry import COMMANDS, Arg, Call
from mailkeep.access.browse import folder_counts
from mailkeep.access.folders import child_folders, empty_folders, move_folder, split_path
from mailkeep.access.search import search
from mailkeep.access.web.folders import folder_query, folder_tree
from mailkeep.errors import InvalidInputError
from mailkeep.ingest.service import store_writes

MAX_LISTED = 100_000  # messages one GetMessages answer lists: bounded memory per call


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


@COMMANDS.command(
    "GetMessages",
    f"The messages filed directly in one folder, newest first (at most {MAX_LISTED:,}).",
    Arg("folder", help='e.g. "johndoe/Outlook/Inbox" (a user archive alone: its root).'),
)
def get_messages(call: Call) -> list[dict[str, Any]]:
    stores = call.runtime.stores
    archive, folder = split_path(call.get("folder"))
    query = folder_query(folder_tree(folder_counts(stores, archive)), folder)
    scope = frozenset({archive})
    _, total = search(stores, query, scope, 1, 0)
    if total > MAX_LISTED:
        raise InvalidInputError(
            f"Folder {call.get('folder')!r} holds {total:,} messages; GetMessages lists at "
            f"most {MAX_LISTED:,}: list its subfolders, or search."
        )
    found, _ = search(stores, query, scope, max(total, 1), 0)
    return [
        {
            "id": m.id,
            "date": m.date.isoformat() if m.date else None,
            "from": m.sender,
            "to": m.to,
            "subject": m.subject,
            "folder": f"{m.user}/{m.folder}" if m.folder else m.user,
        }
        for m in found
    ]
