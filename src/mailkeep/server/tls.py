"""TLS certificates for the listeners: a generated self-signed one, or the administrator's.

The administrator's certificate may be PEM files (certificate chain + key) or a PKCS#12 file;
either is converted to the PEM pair the listeners load. The self-signed certificate is made on
first start for the machine's host name and can be re-created for another name.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from mailkeep.errors import InvalidInputError

CERT_DIR = "tls"
SELF_SIGNED_CERT = "self-signed.crt"
SELF_SIGNED_KEY = "self-signed.key"


@dataclass(frozen=True)
class CertificatePair:
    """Paths of a PEM certificate chain and its private key."""

    cert: Path
    key: Path

    def describe(self) -> dict[str, str]:
        cert = x509.load_pem_x509_certificate(self.cert.read_bytes())
        return {
            "subject": cert.subject.rfc4514_string(),
            "notAfter": cert.not_valid_after_utc.isoformat(),
            "sha256": cert.fingerprint(hashes.SHA256()).hex(":"),
            "cert": str(self.cert),
        }


def _names(host: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for name in dict.fromkeys([host, "localhost"]):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            names.append(x509.DNSName(name))
    names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    return names


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def create_self_signed(data_dir: Path, host: str | None = None) -> CertificatePair:
    """Generate (or replace) the self-signed certificate for ``host`` (default: this machine)."""
    host = host or socket.getfqdn() or "localhost"
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(_names(host)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory = data_dir / CERT_DIR
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    pair = CertificatePair(directory / SELF_SIGNED_CERT, directory / SELF_SIGNED_KEY)
    _write_private(
        pair.key,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return pair


def from_pkcs12(data_dir: Path, path: Path, password: str) -> CertificatePair:
    """Convert a PKCS#12 file into the PEM pair the listeners load (kept 0600 in the data dir)."""
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(
            path.read_bytes(), password.encode() or None
        )
    except ValueError as exc:
        raise InvalidInputError(f"Cannot read PKCS#12 file {path}: {exc}") from exc
    if key is None or cert is None:
        raise InvalidInputError(f"PKCS#12 file {path} holds no certificate with a private key.")
    directory = data_dir / CERT_DIR
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    pair = CertificatePair(directory / "pkcs12.crt", directory / "pkcs12.key")
    _write_private(
        pair.key,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [cert, *(chain or [])])
    pair.cert.write_bytes(pem)
    return pair


def check_pem_pair(cert: Path, key: Path) -> CertificatePair:
    """The administrator's PEM files, checked to exist and to belong together."""
    try:
        certificate = x509.load_pem_x509_certificates(cert.read_bytes())[0]
        private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"Cannot use certificate {cert} with key {key}: {exc}") from exc
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if certificate.public_key().public_bytes(encoding, public) != private.public_key().public_bytes(
        encoding, public
    ):
        raise InvalidInputError(f"The key {key} does not belong to the certificate {cert}.")
    return CertificatePair(cert, key)


def resolve_certificate(
    data_dir: Path, cert: str, key: str, pkcs12_path: str, pkcs12_password: str
) -> CertificatePair:
    """The certificate the HTTPS listeners use, by the settings; self-signed when none is set."""
    if pkcs12_path:
        return from_pkcs12(data_dir, Path(pkcs12_path), pkcs12_password)
    if cert or key:
        if not (cert and key):
            raise InvalidInputError("Set both web.tls_cert and web.tls_key (or neither).")
        return check_pem_pair(Path(cert), Path(key))
    directory = data_dir / CERT_DIR
    pair = CertificatePair(directory / SELF_SIGNED_CERT, directory / SELF_SIGNED_KEY)
    if pair.cert.exists() and pair.key.exists():
        return pair
    return create_self_signed(data_dir)
