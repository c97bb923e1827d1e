"""Logon through an IMAP server (directory.login = imap), as for MDaemon or Kerio users.

A minimal IMAP responder in a thread stands in for the mail server: it answers CAPABILITY,
LOGIN and LOGOUT, which is all a logon check uses.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailkeep.access.authenticate import authenticate
from mailkeep.directory import config as directory_config
from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.sync import sync_directory
from mailkeep.runtime import Runtime
from tests.ports import free_port

ACCOUNTS = {"frank": "frank pw"}


class _Imap(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(b"* OK test IMAP ready\r\n")
        for raw in self.rfile:
            tag, _, rest = raw.decode().rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                self.wfile.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
                self.wfile.write(f"{tag} OK done\r\n".encode())
            elif command == "LOGIN":
                name, _, password = args.partition(" ")
                good = ACCOUNTS.get(name.strip('"')) == password.strip('"').replace('\\"', '"')
                self.wfile.write(f"{tag} {'OK' if good else 'NO'} login\r\n".encode())
            elif command == "LOGOUT":
                self.wfile.write(f"* BYE\r\n{tag} OK bye\r\n".encode())
                return
            else:
                self.wfile.write(f"{tag} BAD unknown\r\n".encode())


@pytest.fixture
def imap_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Imap)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_mdaemon_users_log_on_through_imap(rt: Runtime, imap_port: int, tmp_path: Path) -> None:
    users = tmp_path / "USERLIST.DAT"
    users.write_text(f"{'example.com':<45}{'frank':<30}{'Frank F':<30}\n", encoding="utf-8")
    config = DirectoryConfig(
        type="mdaemon", file=str(users), login="imap", imap_host="127.0.0.1", imap_port=imap_port
    )
    directory_config.save(rt, config)
    assert sync_directory(rt).created == ["frank"]
    assert authenticate(rt, "frank", "frank pw") is not None
    assert authenticate(rt, "frank", "other") is None
    # The mail server being down refuses the logon rather than failing the caller.
    directory_config.save(rt, directory_config.updated(config, imap_port=free_port()))
    assert authenticate(rt, "frank", "frank pw") is None
