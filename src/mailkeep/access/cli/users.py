"""``mailkeep user ...``: create, list, change and delete users; passwords; privileges; grants."""

from __future__ import annotations

import sys

import typer

from mailkeep.access.cli.context import guarded, runtime
from mailkeep.access.cli.output import JsonOption, console, emit_json, table
from mailkeep.access.permissions import canonical_archive
from mailkeep.errors import InvalidInputError
from mailkeep.master.grants import parse_archive_privileges
from mailkeep.master.users import DEFAULT_PRIVILEGES, UserInfo, parse_privileges

app = typer.Typer(help="Manage users (each has a user archive of the same name).")


def read_password_stdin() -> str:
    """The first line of standard input, without its line ending."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InvalidInputError("No password on standard input.")
    return password


def _done(user: UserInfo, json: bool, message: str) -> None:
    if json:
        emit_json(user.as_dict())
    else:
        console.print(message, markup=False)


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
        rt.audit.record("user.created", "cli", target=user.name)
    _done(user, json, f"Created user {user.name}.")


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


@app.command("passwd")
@guarded
def passwd(
    ctx: typer.Context,
    name: str,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the new password from stdin."
    ),
    json: bool = JsonOption,
) -> None:
    """Set a user's password (from stdin, or asked for on the terminal)."""
    if password_stdin:
        password = read_password_stdin()
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with runtime(ctx) as rt:
        user = rt.users.set_password(name, password)
        rt.audit.record("user.password_changed", "cli", target=user.name)
    _done(user, json, f"Password of {user.name} set.")


@app.command("privileges")
@guarded
def privileges(
    ctx: typer.Context,
    name: str,
    values: str = typer.Argument(..., help="Comma-separated privileges, or none."),
    json: bool = JsonOption,
) -> None:
    """Replace a user's global privileges (admin, login, changePassword, archive, ...)."""
    chosen = parse_privileges(values)
    with runtime(ctx) as rt:
        user = rt.users.set_privileges(name, chosen)
        rt.audit.record("user.privileges_changed", "cli", target=user.name, privileges=chosen)
    _done(user, json, f"Privileges of {user.name}: {', '.join(chosen) or 'none'}.")


@app.command("grant")
@guarded
def grant(
    ctx: typer.Context,
    name: str,
    archive: str,
    level: str = typer.Argument(..., help="none, read, write, delete (or a set: read,write)."),
    json: bool = JsonOption,
) -> None:
    """Set a user's privileges on a user archive (none removes the access)."""
    chosen = parse_archive_privileges(level)
    with runtime(ctx) as rt:
        user = rt.users.get(name)
        target = canonical_archive(rt, archive)
        rt.grants.set(user.name, target, chosen)
        rt.audit.record(
            "archive.access_changed", "cli", target=user.name, archive=target, privileges=chosen
        )
        grants = rt.grants.of_user(user.id)
    if json:
        emit_json({"user": user.name, "archive": target, "privileges": list(chosen) or ["none"],
                   "grants": {a: list(p) for a, p in grants.items()}})  # fmt: skip
    else:
        console.print(f"{user.name} on {target}: {', '.join(chosen) or 'none'}.", markup=False)


@app.command("show")
@guarded
def show(ctx: typer.Context, name: str, json: bool = JsonOption) -> None:
    """Show one user with their archive grants."""
    with runtime(ctx) as rt:
        user = rt.users.get(name)
        grants = rt.grants.of_user(user.id)
    info = {**user.as_dict(), "grants": {a: list(p) for a, p in grants.items()}}
    if json:
        emit_json(info)
    else:
        for key, value in info.items():
            console.print(f"{key:>18}: {value}", markup=False)


@app.command("update")
@guarded
def update(
    ctx: typer.Context,
    name: str,
    full_name: str | None = typer.Option(None, "--full-name"),
    email: list[str] | None = typer.Option(None, "--email", help="Replace email addresses."),
    auth_mode: str | None = typer.Option(
        None, "--auth-mode", help="integrated or directoryServices."
    ),
    dn: str | None = typer.Option(None, "--dn", help="Distinguished name in the directory."),
    pop3_user: list[str] | None = typer.Option(
        None, "--pop3-user", help="POP3 user name (repeat; replaces the list)."
    ),
    json: bool = JsonOption,
) -> None:
    """Change a user's full name, email addresses, authentication mode, DN or POP3 names."""
    with runtime(ctx) as rt:
        user = rt.users.update(
            name,
            full_name=full_name,
            emails=tuple(email) if email is not None else None,
            auth_mode=auth_mode,
            distinguished_name=dn,
            pop3_user_names=tuple(pop3_user) if pop3_user is not None else None,
        )
        rt.audit.record("user.updated", "cli", target=user.name)
    _done(user, json, f"Updated {user.name}.")


@app.command("rename")
@guarded
def rename(ctx: typer.Context, name: str, new_name: str, json: bool = JsonOption) -> None:
    """Rename a user (the user archive keeps its name)."""
    with runtime(ctx) as rt:
        user = rt.users.rename(name, new_name)
        rt.audit.record("user.renamed", "cli", target=user.name, previous=name)
    _done(user, json, f"Renamed {name} to {user.name}; the archive is still {user.archive}.")


@app.command("delete")
@guarded
def delete(ctx: typer.Context, name: str, json: bool = JsonOption) -> None:
    """Delete a user; the user archive and its mail are kept."""
    with runtime(ctx) as rt:
        user = rt.users.delete(name)
        rt.audit.record("user.deleted", "cli", target=user.name)
    _done(user, json, f"Deleted user {user.name}; the archive {user.archive} is kept.")


@app.command("attach-archive")
@guarded
def attach_archive(ctx: typer.Context, name: str, archive: str, json: bool = JsonOption) -> None:
    """Make a kept user archive (of a deleted user, say) this user's own archive; the user's
    previous archive is kept."""
    with runtime(ctx) as rt:
        user, previous = rt.users.attach_archive(name, archive)
        rt.audit.record(
            "user.archive_attached", "cli", target=user.name, archive=user.archive,
            previous=previous,
        )  # fmt: skip
    _done(user, json, f"{user.name}'s archive is now {user.archive} (was {previous}).")
