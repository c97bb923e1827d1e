"""Every setting and environment variable is documented; the migration head is consistent."""

from __future__ import annotations

from pathlib import Path

from mailkeep.master.db import HEAD_REVISION, alembic_head
from mailkeep.settings import SETTINGS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in SETTINGS if f"`{name}`" not in text]
    assert missing == []


def test_every_environment_variable_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in ("MAILKEEP_HOME", "MAILKEEP_DATABASE_URL", "MAILKEEP_MASTER_KEY"):
        assert f"`{name}`" in text


def test_head_revision_constant_matches_alembic() -> None:
    assert alembic_head() == HEAD_REVISION
