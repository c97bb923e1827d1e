"""``mailkeep api COMMAND --arg=value ...``: the administration API's commands, run locally.

The management shell runs exactly the commands the API serves (same arguments, checks and
audit events), in this process and against the data directory, so the reference guide's
examples (``VerifyStore --id=1``) work as written. Long-running commands run to their end,
reporting progress on stderr.
"""

from __future__ import annotations

import getpass
import json
import sys
from typing import Any

import typer

from mailkeep.access.cli.context import guarded, runtime
from mailkeep.access.cli.output import console, emit_json, errors, fail, table


def parse_arguments(words: list[str]) -> dict[str, str]:
    """``--name=value`` and ``--name value`` words as {name: value} (a bare ``--flag`` is
    ``true``)."""
    given: dict[str, str] = {}
    pending: str | None = None
    for word in words:
        if word.startswith("--"):
            if pending is not None:
                given[pending] = "true"
            name, equals, value = word[2:].partition("=")
            if not name:
                raise fail(f"Malformed argument {word!r}; use --name=value.")
            if equals:
                given[name], pending = value, None
            else:
                pending = name
        elif pending is not None:
            given[pending], pending = word, None
        else:
            raise fail(f"Unexpected {word!r}; arguments are given as --name=value.")
    if pending is not None:
        given[pending] = "true"
    return given


def _show_list(as_json: bool) -> None:
    from mailkeep.access.api.commands import load_commands

    registry = load_commands()
    if as_json:
        emit_json(registry.metadata())
        return
    rows = []
    for command in registry:
        args = " ".join(f"--{a.name}" if not a.nullable else f"[--{a.name}]" for a in command.args)
        rows.append((command.name, args, command.summary))
    table(("command", "arguments", "what it does"), rows)


def _report(answer: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(answer)
    elif answer["result"] is not None:
        sys.stdout.write(json.dumps(answer["result"], ensure_ascii=False, indent=2) + "\n")
    if answer["statusCode"] != "succeeded":
        error = answer["error"] or {}
        raise fail(error.get("message") or f"The command ended {answer['statusCode']}.")
    if not as_json and answer["result"] is None:
        console.print("Done.")


@guarded
def api(
    ctx: typer.Context,
    command: str = typer.Argument("", help="The command, e.g. VerifyStore."),
    list_commands: bool = typer.Option(False, "--list", help="List every command."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole API envelope as JSON."),
) -> None:
    """Run an administration API command locally: mailkeep api VerifyStore --id=1"""
    if list_commands or not command:
        _show_list(as_json)
        return
    from mailkeep.access.api.commands import load_commands
    from mailkeep.access.api.dispatch import Dispatcher
    from mailkeep.access.api.operations import Operation

    given = parse_arguments(list(ctx.args))

    def progress(operation: Operation) -> None:
        if operation.running and operation.text:
            errors.print(f"{operation.percent or 0:>3}% {operation.text}", markup=False)

    with runtime(ctx) as rt:
        dispatcher = Dispatcher(rt, load_commands(), None)
        actor = f"local:{getpass.getuser()}"
        answer = dispatcher.invoke(command, given, actor, "local", progress)
    _report(answer, as_json)
