"""Privileges of users on user archives (MailStore's "privileges on folders")."""

from __future__ import annotations

from mailkeep.access.api.registry import COMMANDS, Arg, Call
from mailkeep.access.permissions import canonical_archive
from mailkeep.errors import InvalidInputError
from mailkeep.master.grants import parse_archive_privileges


@COMMANDS.command(
    "ClearUserPrivilegesOnFolders",
    "Remove every privilege a user has on user archives.",
    Arg("userName"),
)
def clear_user_privileges_on_folders(call: Call) -> None:
    user = call.runtime.users.get(call.get("userName"))
    call.runtime.grants.clear(user.name)
    call.audit("archive.access_changed", user.name, archive="*", privileges=[])


@COMMANDS.command(
    "SetUserPrivilegesOnFolder",
    "Set a user's privileges (none, or read, write, delete) on a user archive.",
    Arg("userName"),
    Arg("folder", help="A top-level folder, i.e. a user archive."),
    Arg("privileges"),
)
def set_user_privileges_on_folder(call: Call) -> None:
    folder = call.get("folder").strip("/")
    if "/" in folder:
        raise InvalidInputError(
            f"Privileges can only be set on top-level folders (user archives), not on {folder!r}."
        )
    privileges = parse_archive_privileges(call.get("privileges"))
    user = call.runtime.users.get(call.get("userName"))
    archive = canonical_archive(call.runtime, folder)
    call.runtime.grants.set(user.name, archive, privileges)
    call.audit("archive.access_changed", user.name, archive=archive, privileges=list(privileges))
