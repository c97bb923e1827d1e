"""Tables of the master database: users, the archive store registry and settings."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, Text
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
