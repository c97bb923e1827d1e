"""Multidrop routing and journal reports, without a server."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from mailkeep.errors import InvalidInputError
from mailkeep.sources.base import SourceMessage, SourceProblem
from mailkeep.sources.journal import mime_parts, parse_envelope, read_report
from mailkeep.sources.mailbox import LedgerConfirmations, Origin
from mailkeep.sources.routing import (
    AddressBook,
    RoutedSource,
    UnknownRule,
    header_addresses,
    multidrop_router,
)
from mailkeep.sources.sync import MemoryLedger, RunProtocol

BOOK = AddressBook({"alice@example.com": "alice", "Bob@Example.org": "bob"})


def test_header_addresses_include_envelope_headers_and_received_for() -> None:
    raw = (
        b"Received: from mx by host\r\n\tfor <bob@example.org>; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
        b"From: Alice <alice@example.com>\r\nTo: list@example.com\r\n"
        b"X-Original-To: carol@example.com\r\n\r\nbody\r\n"
    )
    senders, recipients = header_addresses(raw)
    assert senders == ["alice@example.com"]
    assert set(recipients) == {"list@example.com", "carol@example.com", "bob@example.org"}
    copies = BOOK.file(raw, senders, recipients)
    assert [(c.archive, c.folder) for c in copies] == [("alice", "Sent"), ("bob", "Inbox")]


def test_unknown_rule() -> None:
    assert UnknownRule.parse("skip") == UnknownRule()
    assert UnknownRule.parse("archive:alice/Lost/Found") == UnknownRule("alice", "Lost/Found")
    assert UnknownRule.parse("archive:alice").render() == "archive:alice/"
    for bad in ("", "archive:", "archive:/x", "drop"):
        with pytest.raises(InvalidInputError):
            UnknownRule.parse(bad)


ORIGINAL = b"From: alice@example.com\r\nTo: team@example.com\r\nSubject: s\r\n\r\nHello\r\n"


def _report(part_headers: str, body: bytes, closing: bool = True) -> bytes:
    return (
        b"X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
        b"preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
        b"Sender: alice@example.com\r\nTo: team@example.com, Expanded: bob@example.org\r\n"
        b"Bcc: carol@example.com\r\n--b1\r\n"
        + part_headers.encode()
        + b"\r\n\r\n"
        + body
        + (b"\r\n--b1--\r\nepilogue\r\n" if closing else b"")
    )


def test_journal_original_is_byte_exact_in_each_encoding() -> None:
    plain = read_report(_report("Content-Type: message/rfc822", ORIGINAL))
    assert plain is not None and plain.original == ORIGINAL
    assert plain.senders == ["alice@example.com"]
    assert plain.recipients == ["team@example.com", "bob@example.org", "carol@example.com"]
    encoded = base64.encodebytes(ORIGINAL)
    b64 = read_report(
        _report("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64", encoded)
    )
    assert b64 is not None and b64.original == ORIGINAL
    unclosed = read_report(_report("Content-Type: message/rfc822", ORIGINAL, closing=False))
    assert unclosed is not None and unclosed.original == ORIGINAL


def test_not_a_journal_report() -> None:
    assert read_report(ORIGINAL) is None
    no_original = _report("Content-Type: text/plain", b"nothing attached")
    assert read_report(no_original) is None
    assert mime_parts(ORIGINAL) is None
    assert parse_envelope("Subject: To: x@example.com\r\nRecipient: y@example.com") == (
        [],
        ["y@example.com"],
    )


class _Inner:
    """A ledgered source over fixed messages."""

    mailbox = "drop"
    estimate_unit = "messages"

    def __init__(self, raws: list[bytes]) -> None:
        self.protocol = RunProtocol()
        self.problems: list[SourceProblem] = []
        self.ledger = MemoryLedger()
        self.confirmations = LedgerConfirmations(self.ledger, self.protocol)
        self._raws = raws

    def messages(self) -> Iterator[SourceMessage]:
        for uid, raw in enumerate(self._raws, start=1):
            sid = f"m:{uid}"
            self.confirmations.expect(sid, Origin("drop", "INBOX", 7, str(uid), None, ()))
            yield SourceMessage(raw, "INBOX", sid)

    def estimate(self) -> int | None:
        return len(self._raws)


def test_routed_source_confirms_the_original_after_every_copy() -> None:
    both = b"From: x@example.net\r\nTo: alice@example.com, bob@example.org\r\n\r\nb\r\n"
    nobody = b"From: x@example.net\r\nTo: z@example.net\r\n\r\nb\r\n"
    inner = _Inner([both, nobody])
    routed = RoutedSource(inner, multidrop_router(BOOK), UnknownRule())
    copies = list(routed.messages())
    assert [(c.archive, c.folder) for c in copies] == [("alice", "Inbox"), ("bob", "Inbox")]
    assert routed.skipped == 1 and routed.protocol.has("warning")
    routed.confirm(copies[0], b"\x01" * 32, False)
    assert inner.ledger.folder("drop", "INBOX") is None  # bob's copy is not durable yet
    routed.confirm(copies[1], b"\x01" * 32, True)
    state = inner.ledger.folder("drop", "INBOX")
    assert state is not None and state.messages["1"].archives == ("alice", "bob")
    assert [o.uid for o in inner.confirmations.unconfirmed()] == ["2"]  # skipped: read again
