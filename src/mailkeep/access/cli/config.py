"""``mailkeep config ...``: show and change settings."""

from __future__ import annotations

import typer

from mailkeep.access.cli.context import guarded, runtime
from mailkeep.access.cli.output import JsonOption, console, emit_json, table

app = typer.Typer(help="Show and change settings.")


@app.command("list")
@guarded
def config_list(ctx: typer.Context, json: bool = JsonOption) -> None:
    """Show every setting with its value."""
    with runtime(ctx) as rt:
        values = rt.settings()
    if json:
        emit_json(values)
    else:
        table(["setting", "value"], sorted(values.items()))


@app.command("set")
@guarded
def config_set(ctx: typer.Context, name: str, value: str, json: bool = JsonOption) -> None:
    """Change a setting (validated against the settings schema)."""
    with runtime(ctx) as rt:
        parsed = rt.set_setting(name, value)
    if json:
        emit_json({name: parsed})
    else:
        console.print(f"{name} = {parsed}")
