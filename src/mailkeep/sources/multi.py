"""Many IMAP mailboxes in one run (master login or a list of accounts), one after another.

A mailbox that cannot be opened (login refused, server gone) is noted in the protocol and the
run goes on with the next one; each mailbox keeps its own ledger entries and counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mailkeep.sources.base import SourceError, SourceMessage, SourceProblem
from mailkeep.sources.connection import Credentials, Endpoint
from mailkeep.sources.imap import FolderRules, ImapMailboxSource, PendingMove
from mailkeep.sources.sync import RunProtocol, SyncLedger


@dataclass(frozen=True)
class MailboxAccount:
    """One mailbox to read: its name in protocols, how to log in, and its user archive."""

    mailbox: str
    credentials: Credentials
    archive: str


class MultiMailboxSource:
    """The new messages of several IMAP mailboxes on one server."""

    estimate_unit = "messages"

    def __init__(
        self,
        endpoint: Endpoint,
        accounts: list[MailboxAccount],
        rules: FolderRules,
        ledger: SyncLedger,
        protocol: RunProtocol,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.protocol = protocol
        self.problems: list[SourceProblem] = []
        self._should_stop = should_stop
        self.mailboxes = [
            ImapMailboxSource(
                endpoint, a.credentials, a.mailbox, a.archive, rules, ledger, protocol, should_stop
            )
            for a in accounts
        ]
        self._by_id: dict[str, ImapMailboxSource] = {}
        self.started = 0  # mailboxes this run has begun reading (job progress)

    def estimate(self) -> int | None:
        """Not known before the mailboxes are read."""
        return None

    def messages(self) -> Iterator[SourceMessage]:
        """Each mailbox's new messages; a mailbox that fails is noted and skipped."""
        for source in self.mailboxes:
            if self._should_stop():
                return
            self.started += 1
            try:
                for message in source.messages():
                    self._by_id[message.source_id] = source
                    yield message
            except SourceError as exc:
                self.protocol.note(source.mailbox, "", "error", str(exc))

    def confirm(self, message: SourceMessage, sha256: bytes, duplicate: bool) -> None:
        """Hand the confirmation to the mailbox the message came from."""
        source = self._by_id.pop(message.source_id, None)
        if source is not None:
            source.confirm(message, sha256, duplicate)

    def pending_moves(self) -> list[PendingMove]:
        """Moves found in every mailbox."""
        return [move for source in self.mailboxes for move in source.pending_moves()]

    def forget_vanished(self) -> int:
        """Forget vanished messages in every mailbox."""
        return sum(source.forget_vanished() for source in self.mailboxes)
