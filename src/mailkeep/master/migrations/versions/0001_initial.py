"""Initial master database: users, stores, settings.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the first tables."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("full_name", sa.String(255), nullable=False),
        sa.Column("emails", sa.Text, nullable=False),
        sa.Column("auth_mode", sa.String(32), nullable=False),
        sa.Column("distinguished_name", sa.Text, nullable=False),
        sa.Column("pop3_user_names", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("privileges", sa.Text, nullable=False),
        sa.Column("archive", sa.String(255), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "stores",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("requested_state", sa.String(32), nullable=False),
        sa.Column("descriptor_path", sa.Text, nullable=False),
        sa.Column("content_path", sa.Text, nullable=False),
        sa.Column("index_path", sa.Text, nullable=False),
        sa.Column("metadata_path", sa.Text, nullable=True),
        sa.Column("database_url", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "settings",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Drop everything."""
    op.drop_table("settings")
    op.drop_table("stores")
    op.drop_table("users")
