"""The master key and per-store data keys.

The master key (32 random bytes) is created by ``mailkeep init`` in ``<data dir>/master.key``
(mode 0600) or supplied base64-encoded in ``MAILKEEP_MASTER_KEY``. It never encrypts mail itself:
each archive store has its own random data key, stored in the store's descriptor wrapped
(AES-256-GCM) by the master key, so a store directory can be moved between servers that share the
master key. Losing the master key makes every archived message unreadable: back it up separately
from the archive.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mailkeep.errors import MailkeepError

KEY_BYTES = 32
MASTER_KEY_ENV = "MAILKEEP_MASTER_KEY"
_WRAP_AAD = b"mailkeep store data key v1"


class MasterKeyError(MailkeepError):
    """The master key is missing, malformed, or does not open a store's data key."""

    code = "key_error"


def generate_key() -> bytes:
    """A fresh random 256-bit key."""
    return secrets.token_bytes(KEY_BYTES)


def write_master_key(path: Path, key: bytes) -> None:
    """Create the key file with 0600 permissions; refuses to overwrite an existing key."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.b64encode(key) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


def _decode(text: bytes | str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise MasterKeyError(f"The master key in {origin} is not valid base64.") from exc
    if len(key) != KEY_BYTES:
        raise MasterKeyError(
            f"The master key in {origin} must be {KEY_BYTES} bytes, not {len(key)}."
        )
    return key


def load_master_key(path: Path) -> bytes:
    """The master key from the environment if set, else from the key file."""
    env = os.environ.get(MASTER_KEY_ENV)
    if env:
        return _decode(env, MASTER_KEY_ENV)
    try:
        return _decode(path.read_bytes(), str(path))
    except FileNotFoundError as exc:
        raise MasterKeyError(
            f"No master key: {path} does not exist and {MASTER_KEY_ENV} is not set."
        ) from exc


def wrap_key(master_key: bytes, data_key: bytes) -> str:
    """Encrypt a data key with the master key; returns base64 text for a JSON descriptor."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(master_key).encrypt(nonce, data_key, _WRAP_AAD)
    return base64.b64encode(nonce + sealed).decode("ascii")


def unwrap_key(master_key: bytes, wrapped: str) -> bytes:
    """Decrypt a wrapped data key; a wrong master key is a clear error, not a crash."""
    blob = base64.b64decode(wrapped)
    try:
        return AESGCM(master_key).decrypt(blob[:12], blob[12:], _WRAP_AAD)
    except InvalidTag as exc:
        raise MasterKeyError(
            "The master key does not open this archive store (was it created with another key?)."
        ) from exc


_SECRET_AAD = b"mailkeep secret v1"


def seal_secret(master_key: bytes, text: str) -> str:
    """Encrypt a credential (e.g. a database URL with a password) for storage at rest."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(master_key).encrypt(nonce, text.encode("utf-8"), _SECRET_AAD)
    return base64.b64encode(nonce + sealed).decode("ascii")


def open_secret(master_key: bytes, sealed: str) -> str:
    """Decrypt a credential sealed by :func:`seal_secret`."""
    blob = base64.b64decode(sealed)
    try:
        return AESGCM(master_key).decrypt(blob[:12], blob[12:], _SECRET_AAD).decode("utf-8")
    except InvalidTag as exc:
        raise MasterKeyError(
            "A stored credential cannot be decrypted with this master key."
        ) from exc
