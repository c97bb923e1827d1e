"""Sub-commands imported on first use, so each ``mailkeep`` run loads only the code it runs.

The root group knows each sub-command by name and by where it lives (``module:attribute``, a
Typer sub-app or a command function); the module is imported when click asks for the command:
to run it, or to list it in ``--help`` (which therefore still shows every command).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, ClassVar

import typer
from typer import _click  # Typer's own copy of click: the types TyperGroup's methods take
from typer.core import TyperGroup
from typer.main import get_command, get_group


@dataclass(frozen=True)
class LazyCommand:
    """Where a sub-command lives: ``module:attribute`` (a Typer sub-app or a command function)."""

    target: str
    context_settings: dict[str, Any] = field(default_factory=dict)

    def load(self, name: str) -> _click.Command:
        """Import the module and build the click command named ``name``."""
        module, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            command: _click.Command = get_group(found)
        else:
            single = typer.Typer(add_completion=False)
            single.command(name, context_settings=self.context_settings)(found)
            command = get_command(single)
        command.name = name
        return command


class LazyGroup(TyperGroup):
    """A Typer group that adds the sub-commands of :attr:`lazy`, in order, after its own.

    Subclass it with ``lazy`` set and pass the subclass as ``typer.Typer(cls=...)``.
    """

    lazy: ClassVar[dict[str, LazyCommand]] = {}
    first: ClassVar[tuple[str, ...]] = ()  # names listed before the group's own commands

    def list_commands(self, ctx: _click.Context) -> list[str]:
        own = [name for name in super().list_commands(ctx) if name not in self.lazy]
        rest = [name for name in self.lazy if name not in self.first]
        return [*self.first, *own, *rest]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.commands[cmd_name] = self.lazy[cmd_name].load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        if args and args[0] not in self.commands and args[0] not in self.lazy:
            # Not a command name: load them all, so "Did you mean ...?" considers every one.
            for name in self.lazy:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)
