"""A real Dovecot (IMAP + POP3, plain/STARTTLS/TLS, master user) started unprivileged for tests.

Every path lives under one temporary directory owned by ``nobody``; ports are chosen free on
loopback. Users are passwd-file users with email-address names; one master user may log in as
any of them (``user*master`` or SASL PLAIN with an authorization identity).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.ports import free_port

DOVECOT = "/usr/sbin/dovecot"
MASTER_USER = "archiver"
MASTER_PASSWORD = "master-secret"


def available() -> bool:
    """Dovecot is installed and we can drop privileges to nobody."""
    return Path(DOVECOT).exists() and shutil.which("runuser") is not None and os.getuid() == 0


def _self_signed(directory: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


_CONFIG = """\
protocols = imap pop3
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_master_user_separator = *
default_internal_user = nobody
default_internal_group = nogroup
default_login_user = nobody
mail_location = maildir:~/Maildir
first_valid_uid = 1
pop3_uidl_format = %08Xu%08Xv
namespace inbox {{
  inbox = yes
  mailbox Junk {{
    special_use = \\Junk
  }}
  mailbox Trash {{
    special_use = \\Trash
  }}
}}
passdb {{
  driver = passwd-file
  master = yes
  args = scheme=PLAIN {d}/master-users
  result_success = continue
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/passwd
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = {pop3s}
    ssl = yes
  }}
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot; ``users`` maps login name → password."""

    directory: Path
    imap: int = field(default_factory=free_port)
    imaps: int = field(default_factory=free_port)
    pop3: int = field(default_factory=free_port)
    pop3s: int = field(default_factory=free_port)
    users: dict[str, str] = field(default_factory=dict)

    def start(self, users: dict[str, str], mbox_users: tuple[str, ...] = ()) -> None:
        self.users = dict(users)
        d = self.directory
        for sub in ("run", "state", "mail"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        _self_signed(d)
        lines = []
        for name, password in users.items():
            home = d / "mail" / name
            extra = "userdb_mail=mbox:~/mail:INBOX=~/mbox" if name in mbox_users else ""
            lines.append(f"{name}:{{PLAIN}}{password}:65534:65534::{home}::{extra}")
        (d / "passwd").write_text("\n".join(lines) + "\n")
        (d / "master-users").write_text(f"{MASTER_USER}:{{PLAIN}}{MASTER_PASSWORD}\n")
        for _ in range(3):
            if self._launch():
                self._wait_ready()
                return
            # Most likely a port was taken meanwhile: try again on other ports.
            self.imap, self.imaps, self.pop3, self.pop3s = (free_port() for _ in range(4))
        raise RuntimeError("dovecot did not start: " + self.log())

    def _launch(self) -> bool:
        """Write the configuration and start the master; False when it exits with an error."""
        d = self.directory
        (d / "dovecot.conf").write_text(
            _CONFIG.format(d=d, imap=self.imap, imaps=self.imaps, pop3=self.pop3, pop3s=self.pop3s)
        )
        subprocess.run(["chown", "-R", "nobody:nogroup", str(d)], check=True)
        started = subprocess.run(
            ["runuser", "-u", "nobody", "--", DOVECOT, "-c", str(d / "dovecot.conf")],
            check=False,
            # The daemon keeps inherited pipes open: never capture its output.
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return started.returncode == 0

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.imap), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dovecot did not start: " + self.log())

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def drop_sessions(self) -> None:
        """Kill this server's IMAP and POP3 session processes: clients see a dropped connection."""
        master = int((self.directory / "run" / "master.pid").read_text().split()[0])
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                name = stat.read_text().split("(", 1)[1].rsplit(")", 1)[0]
            except (OSError, IndexError):
                continue  # the process ended meanwhile
            if int(fields[1]) == master and name in ("imap", "pop3"):
                os.kill(int(stat.parent.name), signal.SIGKILL)

    def stop(self) -> None:
        """Ask the master to stop (it ends its children within a few seconds, on its own;
        waiting for that would add seconds to every test)."""
        try:
            master = int((self.directory / "run" / "master.pid").read_text().split()[0])
            os.kill(master, signal.SIGTERM)
        except (OSError, ValueError, IndexError):
            return  # not running
