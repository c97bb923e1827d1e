"""Archiving profiles, job results and the per-profile sync ledger.

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _profile_fk() -> sa.ForeignKey:
    return sa.ForeignKey("archiving_profiles.id", ondelete="CASCADE")


def upgrade() -> None:
    """Create the tables of archiving profiles and their jobs."""
    op.create_table(
        "archiving_profiles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("archive", sa.String(255), nullable=True),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("secrets", sa.Text, nullable=False),
        sa.Column("schedule", sa.String(255), nullable=False),
        sa.Column("timeout_seconds", sa.Integer, nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "job_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, nullable=True, index=True),
        sa.Column("profile_name", sa.String(255), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("archived", sa.Integer, nullable=False),
        sa.Column("duplicates", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Integer, nullable=False),
        sa.Column("protocol", sa.Text, nullable=False),
    )
    op.create_table(
        "sync_folders",
        sa.Column("profile_id", sa.Integer, _profile_fk(), primary_key=True),
        sa.Column("mailbox", sa.String(255), primary_key=True),
        sa.Column("folder", sa.String(1024), primary_key=True),
        sa.Column("uidvalidity", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "sync_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, _profile_fk(), nullable=False, index=True),
        sa.Column("mailbox", sa.String(255), nullable=False),
        sa.Column("folder", sa.String(1024), nullable=False),
        sa.Column("uid", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("archives", sa.Text, nullable=False),
        sa.Column("message_date", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("profile_id", "mailbox", "folder", "uid"),
    )


def downgrade() -> None:
    """Drop the profile and job tables."""
    op.drop_table("sync_messages")
    op.drop_table("sync_folders")
    op.drop_table("job_results")
    op.drop_table("archiving_profiles")
