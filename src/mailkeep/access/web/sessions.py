"""Logged-on sessions kept in the master database (only a SHA-256 of each token is stored).

A session ends on logout, after ``web.session_idle_minutes`` without a request, or when the
user is deleted. Each session has its own CSRF token that every form must send back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from mailkeep.master.models import AccessSession

# How stale ``last_seen_at`` may get before a request writes it again (saves a write per hit).
_TOUCH_EVERY = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ActiveSession:
    """A session as the server sees it for one request."""

    user_id: int
    kind: str
    csrf_token: str
    address: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime


class SessionStore:
    """Creates, finds and ends sessions."""

    def __init__(self, sessions: sessionmaker[Session], idle: timedelta) -> None:
        self._sessions = sessions
        self.idle = idle

    def create(self, user_id: int, kind: str, address: str, user_agent: str) -> str:
        """A new session; returns the token for the client (never stored in clear)."""
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            session.add(
                AccessSession(
                    token_hash=_digest(token),
                    user_id=user_id,
                    kind=kind,
                    csrf_token=secrets.token_urlsafe(32),
                    address=address,
                    user_agent=user_agent[:500],
                    created_at=now,
                    last_seen_at=now,
                )
            )
        return token

    def lookup(self, token: str) -> ActiveSession | None:
        """The live session of ``token`` (touching it), or None when unknown or expired."""
        if not token or len(token) > 100:
            return None
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            row = session.get(AccessSession, _digest(token))
            if row is None:
                return None
            last_seen = _aware(row.last_seen_at)
            if now - last_seen > self.idle:
                session.delete(row)
                return None
            if now - last_seen > _TOUCH_EVERY:
                row.last_seen_at = now
            return ActiveSession(
                row.user_id,
                row.kind,
                row.csrf_token,
                row.address,
                row.user_agent,
                _aware(row.created_at),
                _aware(row.last_seen_at),
            )

    def end(self, token: str) -> None:
        """End one session (logout)."""
        with self._sessions.begin() as session:
            session.execute(delete(AccessSession).where(AccessSession.token_hash == _digest(token)))

    def end_all_of(self, user_id: int) -> None:
        """End every session of a user (password changed, user disabled)."""
        with self._sessions.begin() as session:
            session.execute(delete(AccessSession).where(AccessSession.user_id == user_id))

    def active(self) -> list[ActiveSession]:
        """Every session that has not expired, newest first (expired ones are removed)."""
        cutoff = datetime.now(UTC) - self.idle
        with self._sessions.begin() as session:
            session.execute(delete(AccessSession).where(AccessSession.last_seen_at < cutoff))
            rows = session.scalars(select(AccessSession).order_by(AccessSession.created_at.desc()))
            return [
                ActiveSession(
                    r.user_id,
                    r.kind,
                    r.csrf_token,
                    r.address,
                    r.user_agent,
                    _aware(r.created_at),
                    _aware(r.last_seen_at),
                )
                for r in rows
            ]
