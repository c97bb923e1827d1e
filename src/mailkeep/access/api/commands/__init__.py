"""The API's commands, one module per area. A feature that brings commands (archiving
profiles and jobs, directory synchronisation, compliance) adds its module to ``MODULES``."""

from __future__ import annotations

import importlib

from mailkeep.access.api.registry import COMMANDS, CommandRegistry

MODULES = (
    "server",
    "users",
    "privileges",
    "stores",
    "store_maintenance",
    "folders",
    "statistics",
    "profiles",
    "results",
    "jobs",
    "directory",
)


def load_commands() -> CommandRegistry:
    """The registry with every command module imported (importing registers them)."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return COMMANDS
