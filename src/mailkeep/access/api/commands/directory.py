"""Directory services: SyncUsersWithDirectoryServices."""

from __future__ import annotations

from typing import Any

from mailkeep.access.api.operations import Operation
from mailkeep.access.api.registry import COMMANDS, Arg, Call, Work


@COMMANDS.command(
    "SyncUsersWithDirectoryServices",
    "Sync users with the configured directory service (in the background).",
    Arg("dryRun", "bool", nullable=True, help="List the changes without making them."),
    long_running=True,
)
def sync_users(call: Call) -> Work:
    from mailkeep.directory import config as directory_config

    directory_config.load(call.runtime).validate()  # not configured: fails now, clearly
    dry_run = bool(call.get("dryRun", False))

    def work(operation: Operation) -> dict[str, Any]:
        from mailkeep.directory.sync import sync_directory

        operation.progress(None, "Reading the directory" + (" (dry run)" if dry_run else ""))
        result = sync_directory(call.runtime, dry_run, actor=call.actor).as_dict()
        operation.log(
            f"created {len(result['created'])}, updated {len(result['updated'])}, "
            f"deleted {len(result['deleted'])}, unchanged {result['unchanged']}"
        )
        return result

    return work
