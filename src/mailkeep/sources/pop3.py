"""One POP3 mailbox as a message source, incremental by UIDL.

POP3 has one folder and no UIDVALIDITY; the ledger keeps the UIDL of every archived message
(under UIDVALIDITY 0) so a rerun retrieves only messages with new UIDLs. Messages are
retrieved with RETR and never deleted here (see ``cleanup`` for the optional deletion rule).
"""

from __future__ import annotations

import contextlib
import poplib
from collections.abc import Callable, Iterator
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime

from mailkeep.sources.base import SourceMessage, SourceProblem
from mailkeep.sources.connection import NETWORK_ERRORS, Endpoint, open_pop3, reason
from mailkeep.sources.mailbox import LedgerConfirmations, Origin
from mailkeep.sources.sync import RunProtocol, SyncLedger

POP3_FOLDER = "INBOX"


def uidl_map(client: poplib.POP3) -> dict[str, int]:
    """UIDL → message number for the current session."""
    _response, lines, _octets = client.uidl()
    found = {}
    for line in lines:
        number, _, uid = line.decode("ascii", "replace").partition(" ")
        found[uid.strip()] = int(number)
    return found


class Pop3Source:
    """Messages of one POP3 mailbox not archived by earlier runs."""

    estimate_unit = "messages"

    def __init__(
        self,
        endpoint: Endpoint,
        username: str,
        password: str,
        archive: str | None,
        ledger: SyncLedger,
        protocol: RunProtocol,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.endpoint = endpoint
        self.username = username
        self._password = password
        self.mailbox = username
        self.archive = archive
        self.protocol = protocol
        self.problems: list[SourceProblem] = []
        self.confirmations = LedgerConfirmations(ledger, protocol)
        self._should_stop = should_stop

    def estimate(self) -> int | None:
        """Not known before connecting."""
        return None

    def confirm(self, message: SourceMessage, sha256: bytes, duplicate: bool) -> None:
        """Record a durably archived message in the ledger."""
        self.confirmations.confirm(message.source_id, sha256, duplicate)

    def connect(self) -> poplib.POP3:
        """A logged-in session (SourceError if that fails)."""
        return open_pop3(self.endpoint, self.username, self._password)

    def messages(self) -> Iterator[SourceMessage]:
        """Connect, list UIDLs and retrieve the new messages."""
        client = self.connect()
        try:
            state = self.confirmations.ledger.folder(self.mailbox, POP3_FOLDER)
            known = state.messages if state else {}
            if state is None:
                self.confirmations.ledger.reset(self.mailbox, POP3_FOLDER, 0)
            listing = uidl_map(client)
            new = [(uid, n) for uid, n in listing.items() if uid not in known]
            self.protocol.count(self.mailbox, POP3_FOLDER, "found", len(listing))
            self.protocol.count(self.mailbox, POP3_FOLDER, "new", len(new))
            for uid, number in sorted(new, key=lambda pair: pair[1]):
                if self._should_stop():
                    return
                yield self._retrieve(client, uid, number)
        except NETWORK_ERRORS as exc:
            self.protocol.note(
                self.mailbox, POP3_FOLDER, "error", f"connection lost: {reason(exc)}"
            )
        finally:
            # QUIT without DELE changes nothing on the server; the connection may be gone.
            with contextlib.suppress(Exception):
                client.quit()

    def _retrieve(self, client: poplib.POP3, uid: str, number: int) -> SourceMessage:
        _response, lines, _octets = client.retr(number)
        raw = b"\r\n".join(lines) + b"\r\n"
        date = None
        try:
            header = BytesHeaderParser().parsebytes(raw).get("Date")
            date = parsedate_to_datetime(str(header)) if header else None
        except (TypeError, ValueError, IndexError):
            date = None  # an unparseable Date only affects the age rule for deletion
        source_id = f"pop3:{self.mailbox}:{uid}"
        archives = (self.archive,) if self.archive else ()
        origin = Origin(self.mailbox, POP3_FOLDER, 0, uid, date, archives)
        self.confirmations.expect(source_id, origin)
        return SourceMessage(raw, POP3_FOLDER, source_id, archive=self.archive)
