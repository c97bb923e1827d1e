"""User name keys (one Unicode normalisation for every lookup) and reserved archive names.

Revision ID: 0004_secusers
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from mailkeep.errors import ConflictError
from mailkeep.master.names import name_key

revision = "0004_secusers"
down_revision = "0004_api"
branch_labels = None
depends_on = None


def _keys_of_existing_users(connection: sa.Connection) -> dict[int, str]:
    """{user id: name key}; refuses (listing them) names that fold to the same key, which
    earlier versions let in (``Élise`` and ``élise``): an administrator renames one first."""
    rows = connection.execute(sa.text("SELECT id, name FROM users ORDER BY id")).all()
    by_key: dict[str, list[str]] = defaultdict(list)
    for _user_id, name in rows:
        by_key[name_key(name)].append(name)
    collisions = [names for names in by_key.values() if len(names) > 1]
    if collisions:
        listed = "; ".join(" = ".join(repr(n) for n in names) for names in collisions)
        raise ConflictError(
            f"Cannot upgrade the master database: these user names differ only in case or "
            f"Unicode form and would become the same user: {listed}. Rename or delete one of "
            f"each with the previous mailkeep version, then start again."
        )
    return {user_id: name_key(name) for user_id, name in rows}


def upgrade() -> None:
    """Add ``users.name_key`` (filled from the names) and the ``reserved_archives`` table."""
    connection = op.get_bind()
    keys = _keys_of_existing_users(connection)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("name_key", sa.String(255), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("name_key", sa.String))
    for user_id, key in keys.items():
        connection.execute(users.update().where(users.c.id == user_id).values(name_key=key))
    with op.batch_alter_table("users") as batch:
        batch.alter_column("name_key", existing_type=sa.String(255), nullable=False)
        batch.create_unique_constraint("uq_users_name_key", ["name_key"])
    op.create_table(
        "reserved_archives",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(255), nullable=False, unique=True),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop the reserved archive names and the name keys."""
    op.drop_table("reserved_archives")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_name_key", type_="unique")
        batch.drop_column("name_key")
