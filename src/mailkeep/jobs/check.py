"""Checking a profile's connection without archiving: can each mailbox be opened, which
folders does it have and which of them would be archived (the wizard's "Test" button)."""

from __future__ import annotations

import contextlib
from typing import Any

from mailkeep.jobs.build import build_source
from mailkeep.jobs.profiles import ProfileInfo
from mailkeep.master.users import UserInfo
from mailkeep.sources.base import SourceError, join_folder
from mailkeep.sources.connection import NETWORK_ERRORS, open_imap, reason
from mailkeep.sources.imap import ImapMailboxSource, special_uses
from mailkeep.sources.pop3 import POP3_FOLDER, Pop3Source
from mailkeep.sources.sync import MemoryLedger, RunProtocol


def check_profile(
    profile: ProfileInfo, secrets: dict[str, Any], users: list[UserInfo], timeout: float
) -> list[dict[str, Any]]:
    """One entry per mailbox: ``ok``, and its folders or the reason it cannot be opened."""
    job = build_source(
        profile, secrets, users, MemoryLedger(), RunProtocol(), lambda: False, timeout
    )
    report = []
    for mailbox in job.mailboxes:
        entry: dict[str, Any] = {"mailbox": mailbox.mailbox}
        try:
            entry["folders"] = _folders(mailbox)
            entry["ok"] = True
        except SourceError as exc:
            entry.update(ok=False, error=str(exc))
        except NETWORK_ERRORS as exc:
            entry.update(ok=False, error=f"connection lost: {reason(exc)}")
        report.append(entry)
    return report


def _folders(mailbox: ImapMailboxSource | Pop3Source) -> list[dict[str, Any]]:
    if isinstance(mailbox, Pop3Source):
        client = mailbox.connect()
        try:
            messages, _size = client.stat()
        finally:
            with contextlib.suppress(Exception):
                client.quit()
        return [{"folder": POP3_FOLDER, "messages": messages, "archived": True}]
    client = open_imap(mailbox.endpoint, mailbox.credentials)
    try:
        found = []
        for flags, delimiter, name in client.list_folders():
            if b"\\Noselect" in flags:
                continue
            sep = delimiter.decode() if isinstance(delimiter, bytes) and delimiter else "/"
            folder = join_folder(*name.split(sep))
            uses = special_uses(flags)
            entry = {"folder": folder, "archived": mailbox.rules.wants(folder, uses)}
            found.append({**entry, "specialUse": sorted(uses)} if uses else entry)
        return sorted(found, key=lambda f: str(f["folder"]))
    finally:
        with contextlib.suppress(Exception):
            client.logout()
