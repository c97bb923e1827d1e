"""After the import: moves in the archive and deletion at the source.

Deletion only ever considers messages in the sync ledger (confirmed durable by the archive), and
checks each once more against the archive catalogs right before deleting it: a message is
deleted at the source only when every user archive it was filed to holds its exact bytes.
"""

from __future__ import annotations

import contextlib
import imaplib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from imapclient.exceptions import IMAPClientError

from mailkeep.jobs.build import Mailbox
from mailkeep.sources.connection import NETWORK_ERRORS, open_imap, reason
from mailkeep.sources.imap import ImapMailboxSource, PendingMove
from mailkeep.sources.pop3 import POP3_FOLDER, uidl_map
from mailkeep.sources.sync import FolderState, SeenMessage
from mailkeep.store.registry import StoreRegistry

IsArchived = Callable[[SeenMessage], bool]


def archived_check(stores: StoreRegistry) -> IsArchived:
    """Whether every archive a ledger entry names holds its bytes, in any attached store."""

    def check(seen: SeenMessage) -> bool:
        if not seen.archives:
            return False
        sha = bytes.fromhex(seen.sha256)
        for archive in seen.archives:
            if not any(s.catalog.existing_entries(archive, {sha}) for s in stores.open_stores()):
                return False
        return True

    return check


def apply_moves(stores: StoreRegistry, moves: list[PendingMove]) -> int:
    """Move archive entries after their source message moved folders; returns how many."""
    moved = 0
    for move in moves:
        sha = bytes.fromhex(move.sha256)
        for archive in move.archives:
            for store in stores.open_stores():
                entry_id = store.catalog.existing_entries(archive, {sha}).get(sha)
                if entry_id is None or store.entry(entry_id).folder != move.from_folder:
                    continue
                if store.state in ("writeProtected", "disabled"):
                    continue  # left where it is: the store's messages cannot change
                store.move(entry_id, move.to_folder)
                moved += 1
    return moved


def _due(state: FolderState, days: int, is_archived: IsArchived) -> list[SeenMessage]:
    cutoff = datetime.now(UTC) - timedelta(days=days)
    return [
        seen
        for seen in state.messages.values()
        if (days == 0 or (seen.date is not None and seen.date <= cutoff)) and is_archived(seen)
    ]


def delete_at_source(mailbox: Mailbox, days: int, is_archived: IsArchived) -> int:
    """Delete archived messages at least ``days`` old from the source; returns how many."""
    if isinstance(mailbox, ImapMailboxSource):
        return _delete_imap(mailbox, days, is_archived)
    return _delete_pop3(mailbox, days, is_archived)


def _delete_imap(source: ImapMailboxSource, days: int, is_archived: IsArchived) -> int:
    ledger, protocol = source.confirmations.ledger, source.protocol
    deleted = 0
    client = open_imap(source.endpoint, source.credentials)
    try:
        for folder, state in ledger.folders(source.mailbox).items():
            due = _due(state, days, is_archived)
            if not due:
                continue
            try:
                status = client.select_folder(source.imap_name(folder))
                if int(status[b"UIDVALIDITY"]) != state.uidvalidity:
                    continue  # the ledger's UIDs mean other messages now
                uids = [int(s.uid) for s in due]
                client.delete_messages(uids)
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge(uids)
                else:
                    client.expunge()
            except (IMAPClientError, imaplib.IMAP4.error) as exc:
                protocol.note(source.mailbox, folder, "error", f"deleting failed: {reason(exc)}")
                continue
            ledger.forget(source.mailbox, folder, [s.uid for s in due])
            protocol.count(source.mailbox, folder, "deleted", len(due))
            deleted += len(due)
    finally:
        with contextlib.suppress(*NETWORK_ERRORS, IMAPClientError):
            client.logout()
    return deleted


def _delete_pop3(source: Mailbox, days: int, is_archived: IsArchived) -> int:
    assert not isinstance(source, ImapMailboxSource)
    ledger = source.confirmations.ledger
    state = ledger.folder(source.mailbox, POP3_FOLDER)
    due = _due(state, days, is_archived) if state else []
    if not due:
        return 0
    client = source.connect()
    numbers = uidl_map(client)
    gone = [s.uid for s in due if s.uid in numbers]
    for uid in gone:
        client.dele(numbers[uid])
    client.quit()  # deletions take effect only on a clean QUIT
    ledger.forget(source.mailbox, POP3_FOLDER, gone)
    source.protocol.count(source.mailbox, POP3_FOLDER, "deleted", len(gone))
    return len(gone)
