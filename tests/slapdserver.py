"""A throw-away OpenLDAP ``slapd`` for the directory tests: own config, schema, TLS
certificates and entries in a temporary directory, on free loopback ports; stopped by pid.

Started as the current user (or, when that is root, dropped to ``nobody``), never on a
privileged port. Its certificate comes from a private CA the tests may or may not trust.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.ports import free_port

SLAPD = "/usr/sbin/slapd"
SUFFIX = "dc=example,dc=com"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root secret"
DATA = Path(__file__).resolve().parent / "data" / "directory"


@dataclass
class Slapd:
    """A running server: ports, its CA file and the pid to stop."""

    directory: Path
    port: int
    tls_port: int
    ca_file: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        shutil.rmtree(self.directory, ignore_errors=True)


def available() -> bool:
    """True when slapd and ldapadd are installed (scripts/setup.sh --test installs them)."""
    return Path(SLAPD).exists() and shutil.which("ldapadd") is not None


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_certificates(directory: Path) -> Path:
    """A CA and a server certificate for localhost / 127.0.0.1 signed by it; returns the CA."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("mailkeep test CA"))
        .issuer_name(_name("mailkeep test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (directory / "server.key").write_bytes(_pem(key))
    return directory / "ca.pem"


def _config(directory: Path) -> str:
    return f"""
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {directory}/ad-like.schema
pidfile {directory}/slapd.pid
argsfile {directory}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
sizelimit 2000
TLSCertificateFile {directory}/server.pem
TLSCertificateKeyFile {directory}/server.key
database mdb
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw "{ROOT_PASSWORD}"
directory {directory}/db
maxsize 268435456
index objectClass eq
access to attrs=userPassword by self read by anonymous auth by * none
access to * by users read by anonymous auth
"""


def _wait(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("slapd did not start listening within 15 s")


def start() -> Slapd:
    """Start slapd in a new temporary directory and load tests/data/directory/entries.ldif.

    The directory is made under the system temp dir (not pytest's, which only its owner may
    enter) so that slapd can run as ``nobody``; ``stop`` removes it.
    """
    directory = Path(tempfile.mkdtemp(prefix="mailkeep-slapd-"))
    (directory / "db").mkdir()
    shutil.copy(DATA / "ad-like.schema", directory / "ad-like.schema")
    ca_file = make_certificates(directory)
    (directory / "slapd.conf").write_text(_config(directory), encoding="utf-8")
    port, tls_port = free_port(), free_port()
    command = [SLAPD, "-f", str(directory / "slapd.conf"), "-d", "0"]
    command += ["-h", f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/"]
    if os.geteuid() == 0:  # never run a network server as root, even in tests
        directory.chmod(0o755)
        for path in [directory, *directory.rglob("*")]:
            shutil.chown(path, "nobody", "nogroup")
        command += ["-u", "nobody", "-g", "nogroup"]
    log = directory / "slapd.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    _wait(port, process, log)
    server = Slapd(directory, port, tls_port, ca_file, process)
    seed(server, DATA / "entries.ldif")
    return server


def seed(server: Slapd, ldif: Path) -> None:
    """Add the entries of an LDIF file with ldapadd, as the root DN."""
    subprocess.run(
        ["ldapadd", "-x", "-H", f"ldap://127.0.0.1:{server.port}", "-D", ROOT_DN,
         "-w", ROOT_PASSWORD, "-f", str(ldif)],
        check=True, capture_output=True, env={**os.environ, "LDAPNOINIT": "1"},
    )  # fmt: skip
