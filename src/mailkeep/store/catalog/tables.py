"""The catalog's tables (SQLAlchemy Core), shared by the SQLite and PostgreSQL catalogs.

Times are stored as integer microseconds since the epoch (UTC) so both databases compare and
sort them the same way; hashes as 32 raw bytes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

_ENTRY_ID = BigInteger().with_variant(Integer, "sqlite")


def build_tables(schema: str | None) -> MetaData:
    """The catalog schema, optionally inside a PostgreSQL schema."""
    metadata = MetaData(schema=schema)
    Table(
        "blobs",
        metadata,
        Column("sha256", LargeBinary(32), primary_key=True),
        Column("container", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("length", BigInteger, nullable=False),
        Column("raw_size", BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    Table(
        "entries",
        metadata,
        # INTEGER (not BIGINT) on SQLite makes the id the rowid: no separate key index.
        Column("id", _ENTRY_ID, primary_key=True, autoincrement=False),
        Column("sha256", LargeBinary(32), nullable=False),
        Column("archive", String(255), nullable=False),
        Column("folder", Text, nullable=False),
        Column("source_id", Text, nullable=False),
        Column("received", BigInteger),
        Column("archived_at", BigInteger, nullable=False),
        Column("date", BigInteger),
        Column("size", BigInteger, nullable=False),
        Column("subject", Text, nullable=False),
        Column("sender", Text, nullable=False),
        Column("recipients", Text, nullable=False),
        Column("message_id", Text, nullable=False),
        Column("has_attachment", Boolean, nullable=False),
        Column("flags", Text, nullable=False),
        Column("defects", Text, nullable=False),
        UniqueConstraint("archive", "sha256", name="uq_entries_archive_sha256"),
        Index("ix_entries_archive_folder", "archive", "folder"),
    )
    Table(
        "containers",
        metadata,
        Column("number", Integer, primary_key=True, autoincrement=False),
        Column("committed_size", BigInteger, nullable=False),
    )
    Table(
        "index_queue",
        metadata,
        Column("entry_id", BigInteger, primary_key=True, autoincrement=False),
        Column("present", Boolean, nullable=False),
    )
    Table(
        "meta",
        metadata,
        Column("key", String(64), primary_key=True),
        Column("value", Text, nullable=False),
    )
    return metadata
