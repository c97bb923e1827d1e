"""Commands of the administration API: names, typed arguments, handlers.

Every command module registers its commands on :data:`COMMANDS` at import; the registry then
parses arguments (as they arrive: form fields, or ``--name=value`` in the management shell),
describes itself for ``get-metadata`` and the OpenAPI document, and runs handlers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mailkeep.errors import InvalidInputError
from mailkeep.numbers import MAX_DIGITS, number_or_none

if TYPE_CHECKING:
    from mailkeep.access.api.operations import Operation
    from mailkeep.runtime import Runtime

ARG_TYPES = ("string", "number", "bool", "json", "datetime")


class ApiArgumentError(InvalidInputError):
    """An argument is missing, unknown or malformed (the message names it)."""

    code = "invalid_argument"


@dataclass(frozen=True)
class Arg:
    """One argument: its wire name, type, and whether it may be left out (``nullable``).

    Surrounding whitespace is stripped before parsing (PowerShell's ``Out-String`` appends a
    CRLF, and MailStore accepts that), except for ``verbatim`` arguments such as passwords,
    where a space may belong to the value.
    """

    name: str
    type: str = "string"
    nullable: bool = False
    help: str = ""
    verbatim: bool = False

    def parse(self, text: str) -> Any:
        """The typed value of ``text`` as it came over the wire."""
        if not self.verbatim:
            text = text.strip()
        if self.type == "string":
            return text
        if self.type == "bool":
            if text.lower() in ("true", "1"):
                return True
            if text.lower() in ("false", "0", ""):
                return False
        elif self.type == "number":
            number = number_or_none(text, minimum=-(10**MAX_DIGITS - 1))
            if number is not None:
                return number
        elif self.type == "json":
            try:
                return json.loads(text)
            except ValueError:
                pass
        elif self.type == "datetime":
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                pass
        shown = text if len(text) <= 40 else text[:40] + "…"  # hostile input stays bounded
        raise ApiArgumentError(f"API argument {self.name} must be a {self.type}, not {shown!r}.")

    def describe(self) -> dict[str, Any]:
        """The argument as ``get-metadata`` lists it."""
        return {"name": self.name, "type": self.type, "nullable": self.nullable}


@dataclass
class Call:
    """One invocation of a command: who asked, from where, with which (parsed) arguments."""

    runtime: Runtime
    actor: str
    address: str
    args: dict[str, Any]
    command: str = ""

    def get(self, name: str, default: Any = None) -> Any:
        """An argument's value, ``default`` when it was left out."""
        value = self.args.get(name)
        return default if value is None else value

    def audit(self, event: str, target: str = "", **detail: Any) -> None:
        """Record an audit event on behalf of the caller (never pass secrets)."""
        self.runtime.audit.record(event, self.actor, self.address, target, channel="api", **detail)


Work = Callable[["Operation"], Any]


@dataclass(frozen=True)
class Command:
    """A command; a long-running one's handler checks its arguments and returns the work to
    run in the background (which reports progress through its :class:`Operation`)."""

    name: str
    summary: str
    args: tuple[Arg, ...]
    handler: Callable[[Call], Any]
    long_running: bool = False

    def parse(self, given: Mapping[str, str]) -> dict[str, Any]:
        """Typed arguments from their text; the messages name the argument at fault."""
        known = {a.name.lower(): a for a in self.args}
        parsed: dict[str, Any] = {}
        for name, text in given.items():
            arg = known.get(name.lower())
            if arg is None:
                raise ApiArgumentError(f"Unknown API argument {name} for {self.name}.")
            parsed[arg.name] = arg.parse(text)
        for arg in self.args:
            if not arg.nullable and parsed.get(arg.name) in (None, ""):
                raise ApiArgumentError(f"Missing API argument {arg.name}.")
        return parsed

    def describe(self) -> dict[str, Any]:
        """The command as ``get-metadata`` lists it."""
        return {"name": self.name, "args": [a.describe() for a in self.args]}


@dataclass
class CommandRegistry:
    """Every command by name (lookups ignore case, as MailStore's do)."""

    _commands: dict[str, Command] = field(default_factory=dict)

    def command(
        self, name: str, summary: str, *args: Arg, long_running: bool = False
    ) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
        """Decorator registering a handler under ``name``."""

        def register(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
            self.add(Command(name, summary, args, handler, long_running))
            return handler

        return register

    def add(self, command: Command) -> None:
        """Register a command; a name can be registered once."""
        key = command.name.lower()
        if key in self._commands:
            raise ValueError(f"API command {command.name} is registered twice")
        self._commands[key] = command

    def find(self, name: str) -> Command | None:
        """The command called ``name``, if there is one."""
        return self._commands.get(name.lower())

    def __iter__(self) -> Iterator[Command]:
        return iter(sorted(self._commands.values(), key=lambda c: c.name))

    def __len__(self) -> int:
        return len(self._commands)

    def metadata(self) -> list[dict[str, Any]]:
        """The bare array ``get-metadata`` answers."""
        return [c.describe() for c in self]


COMMANDS = CommandRegistry()


def split_list(text: str | None) -> tuple[str, ...]:
    """A comma-separated argument as a tuple (empty items dropped)."""
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())
