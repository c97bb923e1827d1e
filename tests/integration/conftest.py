"""Integration fixtures: a real Dovecot started unprivileged, and helpers to fill mailboxes."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.dovecot import Dovecot, available

PASSWORD = "secret"
DOVECOT_USERS = (
    "alice@example.com",
    "bob@example.org",
    "carol@example.com",
    "drop@example.com",
    "journal@example.com",
)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A running Dovecot with the users above (carol's mailbox is mbox, the rest Maildir)."""
    if not available():
        pytest.skip("dovecot-imapd/dovecot-pop3d not installed (scripts/setup.sh --test)")
    # Not under tmp_path: pytest's base directory is private to root, and Dovecot runs as nobody.
    directory = Path(tempfile.mkdtemp(prefix="mailkeep-dovecot-"))
    server = Dovecot(directory)
    try:
        server.start(dict.fromkeys(DOVECOT_USERS, PASSWORD), mbox_users=("carol@example.com",))
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def imap(server: Dovecot, user: str) -> IMAPClient:
    """A plain-text IMAP session as ``user``."""
    client = IMAPClient("127.0.0.1", port=server.imap, ssl=False, timeout=10)
    client.login(user, PASSWORD)
    return client


def fill(
    server: Dovecot,
    user: str,
    folder: str,
    messages: list[bytes],
    seen: bool = True,
    when: datetime | None = None,
) -> None:
    """Append messages to a folder (created if needed)."""
    client = imap(server, user)
    try:
        folder = server_name(client, folder)
        if folder.upper() != "INBOX" and not client.folder_exists(folder):
            client.create_folder(folder)
        flags = [b"\\Seen"] if seen else []
        for raw in messages:
            client.append(folder, raw, flags, when or datetime.now(UTC))
    finally:
        client.logout()


def server_name(client: IMAPClient, folder: str) -> str:
    """A ``/``-separated folder path in the server's own hierarchy separator."""
    separator = client.list_folders(pattern="INBOX")[0][1].decode()
    return folder.replace("/", separator)


def count(server: Dovecot, user: str, folder: str = "INBOX") -> int:
    """Messages in a folder now."""
    client = imap(server, user)
    try:
        return int(client.select_folder(server_name(client, folder), readonly=True)[b"EXISTS"])
    finally:
        client.logout()
