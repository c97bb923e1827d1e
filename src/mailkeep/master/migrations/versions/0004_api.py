"""Login privileges: which interfaces a user may log on through (MailStore's
``loginPrivileges``). A user without a row may use every interface, as before.

Revision ID: 0004_api
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_api"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table of restricted login privileges (empty: nobody is restricted)."""
    op.create_table(
        "login_privileges",
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("privileges", sa.String(255), nullable=False),
    )


def downgrade() -> None:
    """Drop the table: every user may use every interface again."""
    op.drop_table("login_privileges")
