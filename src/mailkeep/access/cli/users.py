"""``mailkeep user ...``: create and list users."""

from __future__ import annotations

import sys

import typer

from mailkeep.access.cli.context import guarded, runtime
from mailkeep.access.cli.output import JsonOption, console, emit_json, table
from mailkeep.errors import InvalidInputError
from mailkeep.master.users import DEFAULT_PRIVILEGES, parse_privileges

app = typer.Typer(help="Manage users (each has a user archive of the same name).")


def read_password_stdin() -> str:
    """The first line of standard input, without its line ending."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InvalidInputError("No password on standard input.")
    return password


@app.command("create")
@guarded
def create(
    ctx: typer.Context,
    name: str,
    email: list[str] = typer.Option(
        [], "--email", help="Email address (repeat; first is primary)."
    ),
    privileges: str = typer.Option(
        ",".join(DEFAULT_PRIVILEGES), help="Comma-separated privileges."
    ),
    full_name: str = typer.Option("", "--full-name"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin."
    ),
    json: bool = JsonOption,
) -> None:
    """Create a user and the user archive of the same name."""
    password = read_password_stdin() if password_stdin else None
    with runtime(ctx) as rt:
        user = rt.users.create(
            name, tuple(email), parse_privileges(privileges), password, full_name
        )
    if json:
        emit_json(user.as_dict())
    else:
        console.print(f"Created user {user.name}.")


@app.command("list")
@guarded
def list_users(ctx: typer.Context, json: bool = JsonOption) -> None:
    """List users."""
    with runtime(ctx) as rt:
        users = rt.users.list()
    if json:
        emit_json([u.as_dict() for u in users])
        return
    table(
        ["name", "full name", "emails", "privileges"],
        [(u.name, u.full_name, ", ".join(u.emails), ",".join(u.privileges)) for u in users],
    )
