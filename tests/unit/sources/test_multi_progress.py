"""A run over many mailboxes says which one it reads (the dashboard's job progress)."""

from __future__ import annotations

from tests.ports import free_port

from mailkeep.sources.connection import Credentials, Endpoint
from mailkeep.sources.imap import FolderRules
from mailkeep.sources.multi import MailboxAccount, MultiMailboxSource
from mailkeep.sources.sync import MemoryLedger, RunProtocol


def test_started_counts_mailboxes_begun_even_when_they_fail() -> None:
    endpoint = Endpoint("127.0.0.1", free_port(), "none", False, 5)  # nobody listens
    accounts = [MailboxAccount(f"u{n}", Credentials(f"u{n}", "pw"), "alice") for n in range(3)]
    protocol = RunProtocol()
    source = MultiMailboxSource(endpoint, accounts, FolderRules(), MemoryLedger(), protocol)
    assert source.started == 0
    assert list(source.messages()) == []
    assert source.started == 3
    assert [e["mailbox"] for e in protocol.as_list() if e["level"] == "error"] == ["u0", "u1", "u2"]
