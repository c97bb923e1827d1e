"""One IMAP mailbox as a message source: folders, filters, incremental by UIDVALIDITY and UID.

Each run lists the mailbox's folders (minus excluded ones), and per folder asks the server for
the UIDs matching the filters; UIDs already in the sync ledger under the same UIDVALIDITY are
skipped, so a rerun fetches only new mail. When UIDVALIDITY changes the folder is read again
from scratch: the archive deduplicates by content, so nothing is archived twice. UIDs that
left a folder are remembered, so a message that reappears in another folder (moved at the
source) can be moved in the archive too. Folders are opened read-only and fetched with
BODY.PEEK, so archiving never marks mail as read.
"""

from __future__ import annotations

import contextlib
import imaplib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from mailkeep.sources.base import SourceMessage, SourceProblem, join_folder
from mailkeep.sources.connection import NETWORK_ERRORS, Credentials, Endpoint, open_imap, reason
from mailkeep.sources.mailbox import LedgerConfirmations, Origin
from mailkeep.sources.sync import RunProtocol, SyncLedger

FETCH_CHUNK = 25  # messages per FETCH: few round trips, bounded memory
_FETCH_ITEMS = [b"BODY.PEEK[]", b"INTERNALDATE", b"FLAGS"]


@dataclass(frozen=True)
class FolderRules:
    """Which folders and messages to archive."""

    include: tuple[str, ...] = ()  # empty: every folder
    exclude: tuple[str, ...] = ()
    # RFC 6154 special uses to skip whatever the folder is called ("junk", "trash", ...):
    # language-independent, and how Gmail's spam and bin are recognised.
    skip_special: tuple[str, ...] = ()
    skip_unread: bool = False
    older_than_days: int | None = None  # only mail at least this old
    newer_than_days: int | None = None  # only mail at most this old

    def wants(self, folder: str, uses: frozenset[str] = frozenset()) -> bool:
        """Whether a folder (``/`` separators; ``uses``: its special-use flags) is archived."""
        if uses & set(self.skip_special):
            return False
        if self.include and not any(_under(folder, f) for f in self.include):
            return False
        return not any(_under(folder, f) for f in self.exclude)

    def criteria(self, today: date) -> list[Any]:
        """IMAP SEARCH criteria for the message filters."""
        found: list[Any] = []
        if self.skip_unread:
            found.append("SEEN")
        if self.older_than_days is not None:
            found += ["BEFORE", today - timedelta(days=self.older_than_days - 1)]
        if self.newer_than_days is not None:
            found += ["SINCE", today - timedelta(days=self.newer_than_days)]
        return found or ["ALL"]


SPECIAL_USES = ("all", "archive", "drafts", "flagged", "junk", "sent", "trash")


def special_uses(flags: tuple[bytes | str, ...]) -> frozenset[str]:
    """The RFC 6154 special uses among a LIST response's flags (``{"junk"}`` for ``\\Junk``)."""
    names = (f.decode() if isinstance(f, bytes) else f for f in flags)
    return frozenset(n[1:].lower() for n in names if n[1:].lower() in SPECIAL_USES)


def _under(folder: str, rule: str) -> bool:
    folder, rule = folder.strip("/"), rule.strip("/")
    if folder.upper().startswith("INBOX") and rule.upper().startswith("INBOX"):
        folder, rule = "INBOX" + folder[5:], "INBOX" + rule[5:]  # INBOX is case-insensitive
    return folder == rule or folder.startswith(rule + "/")


@dataclass(frozen=True)
class PendingMove:
    """A message that left one source folder and was found again in another."""

    archives: tuple[str, ...]
    sha256: str
    from_folder: str
    to_folder: str


class ImapMailboxSource:
    """Messages of one IMAP mailbox (one login), incremental through a sync ledger."""

    estimate_unit = "messages"

    def __init__(
        self,
        endpoint: Endpoint,
        credentials: Credentials,
        mailbox: str,
        archive: str | None,
        rules: FolderRules,
        ledger: SyncLedger,
        protocol: RunProtocol,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.endpoint = endpoint
        self.credentials = credentials
        self.mailbox = mailbox  # the name shown in protocols and kept in the ledger
        self.archive = archive
        self.rules = rules
        self.protocol = protocol
        self.problems: list[SourceProblem] = []
        self.confirmations = LedgerConfirmations(ledger, protocol)
        self._should_stop = should_stop
        self._vanished: dict[str, list[tuple[str, str]]] = {}  # sha → [(folder, uid)]
        self._separator = "/"

    def estimate(self) -> int | None:
        """Not known before the folders are listed."""
        return None

    def confirm(self, message: SourceMessage, sha256: bytes, duplicate: bool) -> None:
        """Record a durably archived message in the ledger."""
        self.confirmations.confirm(message.source_id, sha256, duplicate)

    def messages(self) -> Iterator[SourceMessage]:
        """Connect, then yield the new messages of every wanted folder."""
        client = open_imap(self.endpoint, self.credentials)
        client.normalise_times = False  # keep INTERNALDATE's own zone
        try:
            for name, folder in self._folders(client):
                if self._should_stop():
                    return
                yield from self._folder_messages(client, name, folder)
        except NETWORK_ERRORS as exc:
            self.protocol.note(self.mailbox, "", "error", f"connection lost: {reason(exc)}")
        finally:
            _logout(client)

    def _folders(self, client: IMAPClient) -> list[tuple[str, str]]:
        wanted = []
        for flags, delimiter, name in client.list_folders():
            if b"\\Noselect" in flags or b"\\NonExistent" in flags:
                continue
            sep = delimiter.decode() if isinstance(delimiter, bytes) and delimiter else "/"
            self._separator = sep
            folder = join_folder(*name.split(sep))
            if self.rules.wants(folder, special_uses(flags)):
                wanted.append((name, folder))
        return sorted(wanted, key=lambda pair: (pair[1].upper() != "INBOX", pair[1]))

    def _folder_messages(
        self, client: IMAPClient, name: str, folder: str
    ) -> Iterator[SourceMessage]:
        try:
            status = client.select_folder(name, readonly=True)
            uidvalidity = int(status[b"UIDVALIDITY"])
            wanted = set(client.search(self.rules.criteria(datetime.now(UTC).date())))
            present = set(client.search(["ALL"])) if self._known(folder) else wanted
        except NETWORK_ERRORS:
            raise  # the connection is gone: the mailbox stops (see messages)
        except (IMAPClientError, imaplib.IMAP4.error) as exc:
            self.protocol.note(self.mailbox, folder, "error", f"folder skipped: {reason(exc)}")
            return
        known = self._check_uidvalidity(folder, uidvalidity)
        self._note_vanished(folder, known, present)
        new = sorted(uid for uid in wanted if str(uid) not in known)
        self.protocol.count(self.mailbox, folder, "found", len(wanted))
        self.protocol.count(self.mailbox, folder, "new", len(new))
        for start in range(0, len(new), FETCH_CHUNK):
            if self._should_stop():
                return
            yield from self._fetch(client, folder, uidvalidity, new[start : start + FETCH_CHUNK])

    def _known(self, folder: str) -> bool:
        state = self.confirmations.ledger.folder(self.mailbox, folder)
        return state is not None and bool(state.messages)

    def _check_uidvalidity(self, folder: str, uidvalidity: int) -> dict[str, Any]:
        ledger = self.confirmations.ledger
        state = ledger.folder(self.mailbox, folder)
        if state is not None and state.uidvalidity != uidvalidity:
            self.protocol.note(
                self.mailbox,
                folder,
                "warning",
                "UIDVALIDITY changed: the folder is read again; messages already archived "
                "are recognised by content and not archived twice",
            )
            state = None
        if state is None:
            ledger.reset(self.mailbox, folder, uidvalidity)
            return {}
        return dict(state.messages)

    def _note_vanished(self, folder: str, known: dict[str, Any], present: set[int]) -> None:
        gone = [seen for uid, seen in known.items() if int(uid) not in present]
        for seen in gone:
            self._vanished.setdefault(seen.sha256, []).append((folder, seen.uid))

    def _fetch(
        self, client: IMAPClient, folder: str, uidvalidity: int, uids: list[int]
    ) -> Iterator[SourceMessage]:
        try:
            response = client.fetch(uids, _FETCH_ITEMS)
        except NETWORK_ERRORS:
            raise
        except (IMAPClientError, imaplib.IMAP4.error) as exc:
            self.protocol.note(self.mailbox, folder, "error", f"fetch failed: {reason(exc)}")
            self.protocol.count(self.mailbox, folder, "failed", len(uids))
            return
        for uid in uids:
            data = response.get(uid)
            raw = data.get(b"BODY[]") if data else None
            if not isinstance(raw, bytes):
                # Expunged by another client between SEARCH and FETCH: nothing to archive.
                self.protocol.note(self.mailbox, folder, "warning", f"UID {uid} vanished")
                continue
            yield self._message(folder, uidvalidity, uid, raw, data)

    def _message(
        self, folder: str, uidvalidity: int, uid: int, raw: bytes, data: dict[bytes, Any]
    ) -> SourceMessage:
        received = data.get(b"INTERNALDATE")
        received = received if isinstance(received, datetime) else None
        flags = frozenset(
            f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f)
            for f in data.get(b"FLAGS", ())
        )
        source_id = f"imap:{self.mailbox}:{folder}:{uidvalidity}:{uid}"
        archives = (self.archive,) if self.archive else ()
        self.confirmations.expect(
            source_id, Origin(self.mailbox, folder, uidvalidity, str(uid), received, archives)
        )
        return SourceMessage(raw, folder, source_id, flags, received, self.archive)

    # -- after the run -------------------------------------------------------------------

    def pending_moves(self) -> list[PendingMove]:
        """Messages that left a folder and arrived again (as duplicates) in another one."""
        moves = []
        for origin, sha, duplicate in self.confirmations.confirmed:
            for old_folder, _uid in self._vanished.get(sha, []) if duplicate else []:
                if old_folder != origin.folder:
                    moves.append(PendingMove(origin.archives, sha, old_folder, origin.folder))
                    break
        return moves

    def forget_vanished(self) -> int:
        """Drop messages that left their folders from the ledger; returns how many."""
        by_folder: dict[str, list[str]] = {}
        for places in self._vanished.values():
            for folder, uid in places:
                by_folder.setdefault(folder, []).append(uid)
        for folder, uids in by_folder.items():
            self.confirmations.ledger.forget(self.mailbox, folder, uids)
        return sum(len(u) for u in by_folder.values())

    def imap_name(self, folder: str) -> str:
        """The server's name of an archive folder path."""
        return folder.replace("/", self._separator)


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # the connection may already be gone; release the socket anyway
        with contextlib.suppress(Exception):
            client.shutdown()
