"""Regression (issue 11.9): non-ASCII user names are found by one key (NFC + case folding) on
SQLite and PostgreSQL alike; the migration fills keys and refuses names that collide."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from mailkeep.errors import ConflictError
from mailkeep.master.db import _MIGRATIONS, engine_for, migrate, session_factory
from mailkeep.master.grants import ArchiveGrants
from mailkeep.master.users import UserDirectory

DECOMPOSED = unicodedata.normalize("NFD", "Élise")  # "E" + combining acute, as macOS types it


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'master.sqlite'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    opened = engine_for(database_url)
    yield opened
    opened.dispose()


def _upgrade_to(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_every_spelling_finds_the_one_user(engine: Engine) -> None:
    migrate(engine)
    users = UserDirectory(session_factory(engine))
    created = users.create("Élise", ("elise@example.com",), password="pw of élise")
    for spelling in ("Élise", "élise", "ÉLISE", DECOMPOSED):
        assert users.get(spelling).id == created.id, spelling
    assert users.verify_password("élise", "pw of élise") is not None
    with pytest.raises(ConflictError):
        users.create("élise")
    with pytest.raises(ConflictError):
        users.create(DECOMPOSED)
    users.create("Ölaf")
    assert users.delete("ÖLAF").name == "Ölaf"
    assert [u.name for u in users.list()] == ["Élise"]


def test_grants_on_non_ascii_archives_are_replaced_not_duplicated(engine: Engine) -> None:
    migrate(engine)
    sessions = session_factory(engine)
    users, grants = UserDirectory(sessions), ArchiveGrants(sessions)
    users.create("Élise")
    reader = users.create("Åsa")
    grants.set("åsa", "Élise", ("read",))
    grants.set("ÅSA", "élise", ("read", "write"))  # the same archive, spelt otherwise
    assert grants.of_user(reader.id) == {"élise": ("read", "write")}
    assert grants.on_archive("ÉLISE") == {"Åsa": ("read", "write")}


def test_the_migration_keys_existing_names(engine: Engine) -> None:
    _upgrade_to(engine, "0003")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (name, full_name, emails, auth_mode, distinguished_name, "
                 "pop3_user_names, password_hash, privileges, archive, created_at) VALUES "
                 "(:n, '', '', 'integrated', '', '', '', 'login', :n, CURRENT_TIMESTAMP)"),
            [{"n": "Élise"}, {"n": "Bob"}],
        )  # fmt: skip
    migrate(engine)
    users = UserDirectory(session_factory(engine))
    assert users.get("élise").archive == "Élise"
    assert users.get("BOB").name == "Bob"


def test_the_migration_refuses_names_that_fold_together(engine: Engine) -> None:
    _upgrade_to(engine, "0003")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (name, full_name, emails, auth_mode, distinguished_name, "
                 "pop3_user_names, password_hash, privileges, archive, created_at) VALUES "
                 "(:n, '', '', 'integrated', '', '', '', 'login', :n, CURRENT_TIMESTAMP)"),
            [{"n": "Élise"}, {"n": "élise"}, {"n": "carol"}],
        )  # fmt: skip
    with pytest.raises(ConflictError, match="'Élise' = 'élise'") as refused:
        migrate(engine)
    assert "carol" not in str(refused.value)
    with engine.connect() as connection:  # nothing half-done: still at 0003, names intact
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == "0003"
        assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 2 + 1


def test_a_renamed_user_keeps_their_profiles(engine: Engine) -> None:
    from datetime import UTC, datetime

    from mailkeep.jobs.profiles import ProfileDirectory, ProfileSpec

    migrate(engine)
    sessions = session_factory(engine)
    users, profiles = UserDirectory(sessions), ProfileDirectory(sessions, b"k" * 32)
    users.create("Élise")
    settings = {"host": "h", "port": 143, "security": "none", "insecure": False}
    profiles.create(ProfileSpec("mine", "imap", settings, {}, "Élise", "Élise"), datetime.now(UTC))
    profiles.create(ProfileSpec("ops", "imap", settings, {}, "Élise", ""), datetime.now(UTC))
    users.rename("élise", "Elise M")
    assert {p.name: p.owner for p in profiles.list()} == {"mine": "Elise M", "ops": ""}
