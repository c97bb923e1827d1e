"""Tables of the master database: users, the archive store registry and settings."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the master database."""


class User(Base):
    """A mailkeep user; ``name`` is also the name of the user's own archive."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(255), default="")
    emails: Mapped[str] = mapped_column(Text, default="")  # newline separated, primary first
    auth_mode: Mapped[str] = mapped_column(String(32), default="integrated")
    distinguished_name: Mapped[str] = mapped_column(Text, default="")
    pop3_user_names: Mapped[str] = mapped_column(Text, default="")
    password_hash: Mapped[str] = mapped_column(Text, default="")
    privileges: Mapped[str] = mapped_column(Text, default="")  # comma separated
    archive: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class StoreRecord(Base):
    """An attached archive store and where its parts are."""

    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32))
    requested_state: Mapped[str] = mapped_column(String(32))
    descriptor_path: Mapped[str] = mapped_column(Text)
    content_path: Mapped[str] = mapped_column(Text)
    index_path: Mapped[str] = mapped_column(Text)
    metadata_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    database_url: Mapped[str | None] = mapped_column(Text, nullable=True)  # sealed with master key
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class SettingValue(Base):
    """A setting changed from its default."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ArchiveGrant(Base):
    """Privileges of a user on a user archive other than (or besides) the user's own."""

    __tablename__ = "archive_grants"
    __table_args__ = (UniqueConstraint("user_id", "archive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    archive: Mapped[str] = mapped_column(String(255))
    privileges: Mapped[str] = mapped_column(String(64))  # comma separated: read,write,delete


class AuditEvent(Base):
    """One recorded event of the named-event catalogue (``mailkeep.audit.events``)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    target: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON object


class AccessSession(Base):
    """A logged-on session (web, API or IMAP); only a hash of its token is kept."""

    __tablename__ = "access_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="web")
    csrf_token: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
