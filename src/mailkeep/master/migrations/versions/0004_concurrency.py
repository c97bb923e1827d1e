"""Store paths relative to the data directory, so a copied or restored data directory uses its
own stores. Paths outside the data directory stay absolute.

Revision ID: 0004_concurrency
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision = "0004_concurrency"
down_revision = "0004_secusers"
branch_labels = None
depends_on = None

_PATHS = ("descriptor_path", "content_path", "index_path", "metadata_path")


def _stores() -> sa.TableClause:
    columns = [sa.column(name, sa.Text) for name in _PATHS]
    return sa.table("stores", sa.column("id", sa.Integer), *columns)


def _relative(value: str | None, data_dir: Path) -> str | None:
    if value is None or not Path(value).is_absolute():
        return value
    path = Path(value)
    return path.relative_to(data_dir).as_posix() if path.is_relative_to(data_dir) else value


def upgrade() -> None:
    """Rewrite absolute store paths under the data directory as relative ones (the data
    directory is handed over by ``migrate``; without it paths stay as they are)."""
    data_dir = context.config.attributes.get("data_dir")
    if data_dir is None:
        return
    stores = _stores()
    bind = op.get_bind()
    for row in bind.execute(sa.select(stores)).mappings():
        changed = {name: _relative(row[name], Path(data_dir)) for name in _PATHS}
        if any(changed[name] != row[name] for name in _PATHS):
            bind.execute(stores.update().where(stores.c.id == row["id"]).values(**changed))


def downgrade() -> None:
    """Make relative store paths absolute again (needs the data directory)."""
    data_dir = context.config.attributes.get("data_dir")
    if data_dir is None:
        return
    stores = _stores()
    bind = op.get_bind()
    for row in bind.execute(sa.select(stores)).mappings():
        values = {
            name: str(Path(data_dir) / row[name])
            for name in _PATHS
            if row[name] is not None and not Path(row[name]).is_absolute()
        }
        if values:
            bind.execute(stores.update().where(stores.c.id == row["id"]).values(**values))
