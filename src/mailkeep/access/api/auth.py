"""HTTP Basic authentication of administrators, throttled like web logons.

argon2 makes every password check cost ~300 ms on purpose. API clients send their credentials
with every request, so a successful check is remembered in memory under a keyed digest of
(the user's current password hash, the password): a changed password, lost privilege or deleted
user takes effect on the next request, and the password itself is never kept.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from mailkeep.access.authenticate import authenticate, logon_refusal
from mailkeep.access.web.throttle import THROTTLED, LogonAttempt, shared_throttle, throttled
from mailkeep.master.models import User
from mailkeep.master.names import name_key
from mailkeep.master.users import UserInfo
from mailkeep.runtime import Runtime

REALM = "mailkeep administration API"
CHALLENGE = f'Basic realm="{REALM}"'
_REMEMBERED = 1024


@dataclass(frozen=True)
class Outcome:
    """The result of checking one request's credentials (``user`` set when accepted)."""

    user: UserInfo | None = None
    refusal: str = ""  # missing, wrong, throttled, forbidden
    reason: str = ""


def parse_basic(header: str) -> tuple[str, str] | None:
    """(user name, password) from an ``Authorization: Basic ...`` header, or None."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, colon, password = decoded.partition(":")
    return (name, password) if colon else None


class Authenticator:
    """Checks credentials of API requests (the password hashing runs in a worker thread)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.throttle = shared_throttle(runtime)
        self._secret = secrets.token_bytes(32)
        self._verified: OrderedDict[bytes, int] = OrderedDict()
        self._lock = threading.Lock()

    async def check(self, header: str | None, address: str) -> Outcome:
        """Accept an administrator, or say why not (failures are audited and throttled; the
        password is checked in a worker thread)."""
        if not header:
            return Outcome(refusal="missing")
        credentials = parse_basic(header)
        if credentials is None:
            return Outcome(refusal="wrong", reason="malformed Authorization header")
        name, password = credentials

        def check(attempt: LogonAttempt) -> Outcome:
            return self._check(name, password, address, attempt)

        outcome = await throttled(self.throttle, name, address, check)
        if outcome is THROTTLED:
            await run_in_threadpool(
                self._runtime.audit.record, "login.throttled", name, address, channel="api"
            )
            return Outcome(refusal="throttled")
        return outcome

    def _check(self, name: str, password: str, address: str, attempt: LogonAttempt) -> Outcome:
        audit = self._runtime.audit
        user = self._verify(name, password)
        reason = logon_refusal(user, password, address)
        if reason:
            attempt.failed()
            audit.record("login.failed", actor=name, address=address, channel="api", reason=reason)
            return Outcome(refusal="wrong", reason=reason)
        assert user is not None
        if not user.is_admin:
            # The password was right: neither a failure nor a logon (the reservation lapses).
            audit.record(
                "login.failed", actor=name, address=address, channel="api", reason="not an admin"
            )
            return Outcome(user=user, refusal="forbidden", reason="not an administrator")
        attempt.succeeded()
        return Outcome(user=user)

    def _verify(self, name: str, password: str) -> UserInfo | None:
        if not name or not password:
            return None
        query = select(User.id, User.password_hash, User.auth_mode).where(
            User.name_key == name_key(name)
        )
        with self._runtime.sessions() as session:
            row = session.execute(query).first()
        if row is not None and row.auth_mode == "directoryServices":
            # The directory decides each time (a password changed there applies at once).
            return authenticate(self._runtime, name, password)
        if row is not None and row.password_hash:
            key = hmac.digest(
                self._secret, row.password_hash.encode() + b"\0" + password.encode(), "sha256"
            )
            with self._lock:
                remembered = self._verified.get(key)
            if remembered == row.id:
                return self._runtime.users.by_id(row.id)
        user = self._runtime.users.verify_password(name, password)
        if user is not None and row is not None and row.password_hash:
            with self._lock:
                self._verified[key] = user.id
                while len(self._verified) > _REMEMBERED:
                    self._verified.popitem(last=False)
        return user
