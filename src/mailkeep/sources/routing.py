"""Filing one mailbox's messages into many user archives: multidrop and journal mailboxes.

A *router* decides, per message read from a catch-all (multidrop) or journal mailbox, which user
archives get which bytes under which folder. :class:`RoutedSource` wraps the mailbox source: it
yields one copy per target archive and confirms the original message to the mailbox's ledger
only when every copy is durably archived, so a partly archived message is read again next run.
Messages with no known recipient are skipped (and stay at the source) or go to a chosen
archive and folder.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from typing import Protocol

from mailkeep.errors import InvalidInputError
from mailkeep.sources.base import SourceMessage, SourceProblem
from mailkeep.sources.mailbox import LedgerConfirmations
from mailkeep.sources.sync import RunProtocol

INBOX, SENT = "Inbox", "Sent"
RECIPIENT_HEADERS = (
    "To",
    "Cc",
    "Bcc",
    "Delivered-To",
    "X-Original-To",
    "X-Gm-Original-To",
    "Envelope-To",
)
_RECEIVED_FOR = re.compile(rb"\bfor\s+<?([^\s<>;]+@[^\s<>;]+?)>?\s*;", re.IGNORECASE)
ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class UnknownRule:
    """What happens to mail for addresses no user has: skipped, or filed in one place."""

    archive: str | None = None  # None: skip
    folder: str = ""

    @classmethod
    def parse(cls, text: str) -> UnknownRule:
        """``skip`` or ``archive:USER/FOLDER`` (the folder may be empty or nested)."""
        if text == "skip":
            return cls()
        if text.startswith("archive:") and text[8:].split("/", 1)[0].strip():
            user, _, folder = text[8:].partition("/")
            return cls(user.strip(), folder.strip("/"))
        raise InvalidInputError(f"--unknown must be skip or archive:USER/FOLDER, not {text!r}.")

    def render(self) -> str:
        """The text form accepted by ``parse``."""
        return "skip" if self.archive is None else f"archive:{self.archive}/{self.folder}"


@dataclass(frozen=True)
class Copy:
    """One user archive's copy of a routed message."""

    archive: str
    folder: str
    raw: bytes


class AddressBook:
    """Email address (lower case) → user archive, from mailkeep users' addresses."""

    def __init__(self, addresses: dict[str, str]) -> None:
        self._archives = {a.lower(): archive for a, archive in addresses.items()}

    def archive_of(self, address: str) -> str | None:
        """The archive of the user owning ``address``."""
        return self._archives.get(address.strip().lower())

    def file(self, raw: bytes, senders: list[str], recipients: list[str]) -> list[Copy]:
        """Copies for every user among the senders (Sent) and recipients (Inbox)."""
        folders: dict[str, str] = {}
        for address in recipients:
            if archive := self.archive_of(address):
                folders.setdefault(archive, INBOX)
        for address in senders:
            if archive := self.archive_of(address):
                folders[archive] = SENT  # a user's own outgoing mail is filed as sent
        return [Copy(archive, folder, raw) for archive, folder in sorted(folders.items())]


def header_addresses(raw: bytes) -> tuple[list[str], list[str]]:
    """(senders, recipients) named in a message's headers, including Received "for"."""
    headers: Message = BytesHeaderParser(policy=compat32).parsebytes(raw)
    senders = [a for _, a in getaddresses([str(v) for v in headers.get_all("From", [])]) if a]
    values = [str(v) for name in RECIPIENT_HEADERS for v in headers.get_all(name, [])]
    recipients = [a for _, a in getaddresses(values) if a]
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", head)
    for line in unfolded.splitlines():
        if line[:9].lower() == b"received:":
            recipients += [m.decode("ascii", "replace") for m in _RECEIVED_FOR.findall(line)]
    return senders, recipients


class LedgeredSource(Protocol):
    """What :class:`RoutedSource` needs of the mailbox source it wraps (IMAP or POP3)."""

    mailbox: str
    protocol: RunProtocol
    problems: list[SourceProblem]
    confirmations: LedgerConfirmations

    def messages(self) -> Iterator[SourceMessage]:
        """The mailbox's new messages."""
        ...

    def estimate(self) -> int | None:
        """As for any source."""
        ...


@dataclass(frozen=True)
class Routing:
    """A router's decision: the copies, the bytes to file if nobody is known, a note."""

    copies: list[Copy]
    raw: bytes
    note: str = ""


Router = Callable[[SourceMessage], Routing]


def multidrop_router(book: AddressBook) -> Router:
    """File a catch-all mailbox's message by the addresses in its headers."""

    def route(message: SourceMessage) -> Routing:
        senders, recipients = header_addresses(message.raw)
        return Routing(book.file(message.raw, senders, recipients), message.raw)

    return route


class RoutedSource:
    """Wraps a ledgered mailbox source, yielding one copy per target user archive."""

    estimate_unit = "messages"

    def __init__(
        self,
        inner: LedgeredSource,
        router: Router,
        unknown: UnknownRule,
    ) -> None:
        self.inner = inner
        self.protocol: RunProtocol = inner.protocol
        self.problems: list[SourceProblem] = inner.problems
        self._router = router
        self._unknown = unknown
        self._lock = threading.Lock()
        self._waiting: dict[str, str] = {}  # copy id → original id
        self._left: dict[str, int] = {}
        self._all_duplicates: dict[str, bool] = {}
        self.skipped = 0

    def estimate(self) -> int | None:
        """As the wrapped source."""
        return self.inner.estimate()

    def messages(self) -> Iterator[SourceMessage]:
        """Each original message's copies, one per target archive."""
        for message in self.inner.messages():
            routing = self._router(message)
            if routing.note:
                self.protocol.note(self.inner.mailbox, message.folder, "warning", routing.note)
            copies = routing.copies
            if not copies and self._unknown.archive is not None:
                copies = [Copy(self._unknown.archive, self._unknown.folder, routing.raw)]
            if not copies:
                self.skipped += 1
                continue
            with self._lock:
                self._left[message.source_id] = len(copies)
                self._all_duplicates[message.source_id] = True
            archives = tuple(c.archive for c in copies)
            self.inner.confirmations.retarget(message.source_id, archives)
            for copy in copies:
                copy_id = f"{message.source_id}#{copy.archive}"
                with self._lock:
                    self._waiting[copy_id] = message.source_id
                yield SourceMessage(
                    copy.raw, copy.folder, copy_id, message.flags, message.received, copy.archive
                )
        if self.skipped:
            self.protocol.note(
                self.inner.mailbox,
                "",
                "warning",
                f"{self.skipped} messages name no known user and were skipped "
                "(they stay in the mailbox and are read again on the next run)",
            )

    def confirm(self, message: SourceMessage, sha256: bytes, duplicate: bool) -> None:
        """Confirm the original once every copy of it is durably archived."""
        with self._lock:
            original = self._waiting.pop(message.source_id, None)
            if original is None:
                return
            self._left[original] -= 1
            self._all_duplicates[original] &= duplicate
            if self._left[original]:
                return
            del self._left[original]
            all_duplicates = self._all_duplicates.pop(original)
        self.inner.confirmations.confirm(original, sha256, all_duplicates)
