"""Every API command is documented in docs/api.md (as every setting is in docs/settings.md)."""

from __future__ import annotations

from pathlib import Path

from mailkeep.access.api.commands import load_commands

DOCS = Path(__file__).resolve().parents[4] / "docs" / "api.md"


def test_every_command_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [c.name for c in load_commands() if f"`{c.name}`" not in text]
    assert missing == []
