"""Tables of the master database: users, stores, settings, access, profiles and jobs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
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
    name_key: Mapped[str] = mapped_column(String(255), unique=True)  # see master/names.py
    full_name: Mapped[str] = mapped_column(String(255), default="")
    emails: Mapped[str] = mapped_column(Text, default="")  # newline separated, primary first
    auth_mode: Mapped[str] = mapped_column(String(32), default="integrated")
    distinguished_name: Mapped[str] = mapped_column(Text, default="")
    pop3_user_names: Mapped[str] = mapped_column(Text, default="")
    password_hash: Mapped[str] = mapped_column(Text, default="")
    privileges: Mapped[str] = mapped_column(Text, default="")  # comma separated
    archive: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ReservedArchive(Base):
    """The name of a user archive no user holds any more (its user was deleted or given
    another archive): a new user never gets it; an administrator may attach it to a user."""

    __tablename__ = "reserved_archives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(255), unique=True)
    reserved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


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


class LoginPrivilege(Base):
    """The interfaces one user may log on through, when restricted (no row: every one)."""

    __tablename__ = "login_privileges"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    privileges: Mapped[str] = mapped_column(String(255))  # comma separated; "" = none


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


class ArchivingProfile(Base):
    """A saved archiving profile: a source, its settings, target archive and schedule.

    ``secrets`` holds the credentials as JSON sealed with the master key; nothing else in the
    row is secret, so it can be shown.
    """

    __tablename__ = "archiving_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    archive: Mapped[str | None] = mapped_column(String(255), nullable=True)
    owner: Mapped[str] = mapped_column(String(255), default="")
    settings: Mapped[str] = mapped_column(Text, default="{}")  # JSON object
    secrets: Mapped[str] = mapped_column(Text, default="")  # sealed JSON object
    schedule: Mapped[str] = mapped_column(String(255), default="")  # "" = run on demand
    timeout_seconds: Mapped[int] = mapped_column(Integer, default=0)  # 0 = no limit
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class JobResult(Base):
    """One run of a profile: when, how it ended, counts and the readable protocol."""

    __tablename__ = "job_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    profile_name: Mapped[str] = mapped_column(String(255))
    trigger: Mapped[str] = mapped_column(String(16), default="manual")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(32), default="running")
    archived: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    protocol: Mapped[str] = mapped_column(Text, default="[]")  # JSON list


class SyncFolder(Base):
    """A source folder's UIDVALIDITY as last seen by a profile (0 for POP3)."""

    __tablename__ = "sync_folders"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("archiving_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    mailbox: Mapped[str] = mapped_column(String(255), primary_key=True)
    folder: Mapped[str] = mapped_column(String(1024), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)


class SyncMessage(Base):
    """A message a profile durably archived from a source folder (the sync ledger)."""

    __tablename__ = "sync_messages"
    __table_args__ = (UniqueConstraint("profile_id", "mailbox", "folder", "uid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("archiving_profiles.id", ondelete="CASCADE"), index=True
    )
    mailbox: Mapped[str] = mapped_column(String(255))
    folder: Mapped[str] = mapped_column(String(1024))
    uid: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    archives: Mapped[str] = mapped_column(Text, default="")  # newline separated
    message_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
