"""The scale-out catalog: a store's metadata in its own schema of a PostgreSQL database."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mailkeep.errors import InvalidInputError
from mailkeep.store.catalog.sql import SqlCatalog

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` URLs and select the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise InvalidInputError(f"Not a PostgreSQL URL: {parsed.render_as_string()}")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


class PostgresCatalog(SqlCatalog):
    """Catalog tables inside ``schema`` of the database at ``url``."""

    def __init__(self, url: str, schema: str) -> None:
        if not _SCHEMA_NAME.match(schema):
            raise InvalidInputError(f"Invalid PostgreSQL schema name: {schema!r}")
        engine = create_engine(normalise_url(url), pool_pre_ping=True)
        super().__init__(engine, schema)

    def initialize(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
        super().initialize()

    def size_bytes(self) -> int:
        query = text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema "
            "AND c.relkind = 'r'"
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query, {"schema": self.schema}).scalar_one())

    def drop(self) -> None:
        """Remove the schema and everything in it (tests, and deleting a detached store)."""
        with self.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
