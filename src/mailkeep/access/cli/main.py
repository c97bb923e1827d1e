"""The ``mailkeep`` command: one sub-command group per area; a contract scripts rely on."""

from __future__ import annotations

import atexit
import gc
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import typer

from mailkeep.access.cli.context import data_dir, guarded, runtime
from mailkeep.access.cli.lazy import LazyCommand, LazyGroup
from mailkeep.access.cli.output import JsonOption, console, emit_json, table
from mailkeep.errors import InvalidInputError
from mailkeep.numbers import number_or_none

if TYPE_CHECKING:
    from mailkeep.runtime import Runtime


class MailkeepGroup(LazyGroup):
    """The root group: each sub-command's module is imported only when it runs (or for help)."""

    first: ClassVar[tuple[str, ...]] = ("serve", "api")
    lazy: ClassVar[dict[str, LazyCommand]] = {
        "serve": LazyCommand("mailkeep.access.cli.server:serve"),
        "api": LazyCommand(
            "mailkeep.access.cli.api:api",
            {"allow_extra_args": True, "ignore_unknown_options": True},
        ),
        "user": LazyCommand("mailkeep.access.cli.users:app"),
        "import": LazyCommand("mailkeep.access.cli.imports:app"),
        "store": LazyCommand("mailkeep.access.cli.stores:app"),
        "cert": LazyCommand("mailkeep.access.cli.server:cert_app"),
        "directory": LazyCommand("mailkeep.access.cli.directory:app"),
        "profile": LazyCommand("mailkeep.access.cli.profiles:app"),
        "config": LazyCommand("mailkeep.access.cli.config:app"),
        "quarantine": LazyCommand("mailkeep.access.cli.quarantine:app"),
    }


app = typer.Typer(
    cls=MailkeepGroup,
    help="mailkeep: archive, store and search email.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    data_dir_option: Path | None = typer.Option(
        None, "--data-dir", help="Data directory (default $MAILKEEP_HOME or ./mailkeep-data)."
    ),
) -> None:
    """Choose the data directory for every sub-command."""
    ctx.obj = data_dir_option  # None: the default, resolved by context.data_dir when used


@app.command()
@guarded
def init(
    ctx: typer.Context,
    database_url: str | None = typer.Option(
        None, "--database-url", help="Master database URL (default: SQLite in the data dir)."
    ),
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing if initialised."),
    admin_password_stdin: bool = typer.Option(
        False, "--admin-password-stdin", help="Read the admin password from stdin."
    ),
    json: bool = JsonOption,
) -> None:
    """Create a data directory: master database, master key, first archive store, admin user."""
    from mailkeep.access.cli.users import read_password_stdin
    from mailkeep.runtime import CONFIG_FILE, Runtime

    directory = data_dir(ctx)
    created = not (if_missing and (directory / CONFIG_FILE).exists())
    password = None
    if created:
        chosen = read_password_stdin() if admin_password_stdin else None
        with Runtime.init(directory, database_url) as rt:
            password = create_admin(rt, chosen)
    result = {"dataDir": str(directory.resolve()), "created": created}
    if json:
        emit_json({**result, "adminPassword": password} if password else result)
    elif created:
        console.print(f"Initialised {directory.resolve()}.")
        if password:
            console.print(f"Log on as [bold]admin[/] with password [bold]{password}[/]")
            console.print("(shown once; change it with `mailkeep user passwd admin`).")
        console.print(
            f"Back up {directory.resolve() / 'master.key'}: without it the archive cannot be read."
        )


def create_admin(rt: Runtime, password: str | None) -> str | None:
    """Create the ``admin`` user; returns the generated password when none was given."""
    import secrets

    generated = None if password else secrets.token_urlsafe(12)
    rt.users.create(
        "admin",
        privileges=("admin", "login", "changePassword"),
        password=password or generated,
        full_name="Administrator",
    )
    rt.audit.record("user.created", "init", target="admin")
    return generated


@app.command()
@guarded
def search(
    ctx: typer.Context,
    query: str,
    user: str | None = typer.Option(None, "--user", help="Search only this user's archive."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    offset: int = typer.Option(0, "--offset", min=0),
    sort: str = typer.Option(
        "date",
        "--sort",
        help="date (newest first), oldest, relevance, sender, subject, size (-desc: reversed).",
    ),
    json: bool = JsonOption,
) -> None:
    """Search the archive with the query language (see docs/search.md)."""
    from mailkeep.access.search import search as search_archive
    from mailkeep.index.model import SORT_ORDERS

    if sort not in SORT_ORDERS:
        raise InvalidInputError(f"--sort must be one of {', '.join(SORT_ORDERS)}.")
    with runtime(ctx) as rt:
        archives = frozenset({rt.users.get(user).archive}) if user else None
        results, total = search_archive(rt.stores, query, archives, limit, offset, sort)
    if json:
        emit_json([r.as_dict() for r in results])
        return
    table(
        ["id", "date", "from", "subject", "user", "folder"],
        [
            (
                r.id,
                r.date.strftime("%Y-%m-%d %H:%M") if r.date else "",
                r.sender[:40],
                r.subject[:60],
                r.user,
                r.folder,
            )
            for r in results
        ],
    )
    console.print(f"{len(results)} of {total} matches")


@app.command()
@guarded
def show(
    ctx: typer.Context,
    id: str = typer.Argument(..., help="Message id as printed by search (STORE-ENTRY)."),
    raw: bool = typer.Option(False, "--raw", help="Write the archived bytes unchanged to stdout."),
    json: bool = JsonOption,
) -> None:
    """Show one archived message."""
    store_id, entry_id = _parse_id(id)
    with runtime(ctx) as rt:
        store = rt.stores.open(store_id)
        entry = store.entry(entry_id)
        data = store.raw_of(entry)
    if raw:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    info = {
        "id": id,
        "user": entry.archive,
        "folder": entry.folder,
        "date": entry.date,
        "from": entry.sender,
        "to": entry.recipients,
        "subject": entry.subject,
        "messageId": entry.message_id,
        "size": entry.size,
        "sha256": entry.sha256.hex(),
        "archivedAt": entry.archived_at,
        "flags": list(entry.flags),
        "defects": list(entry.defects),
    }
    if json:
        emit_json(info)
        return
    for key, value in info.items():
        console.print(f"{key:>11}: {value}", markup=False)


def _parse_id(text: str) -> tuple[int, int]:
    store, _, entry = text.partition("-")
    store_id, entry_id = number_or_none(store), number_or_none(entry)
    if store_id is None or entry_id is None:
        raise InvalidInputError(f"Invalid message id {text!r}: expected STORE-ENTRY, e.g. 1-42.")
    return store_id, entry_id


@app.command()
@guarded
def folders(
    ctx: typer.Context,
    user: str | None = typer.Option(None, "--user", help="List this user's folders."),
    json: bool = JsonOption,
) -> None:
    """User archives with message counts, or one user's folders, over all stores."""
    from mailkeep.access.browse import archive_counts, folder_counts

    with runtime(ctx) as rt:
        if user is None:
            counts = archive_counts(rt.stores)
        else:
            counts = folder_counts(rt.stores, rt.users.get(user).archive)
    if json:
        emit_json(counts)
    else:
        table(["archive" if user is None else "folder", "messages"], list(counts.items()))


def run() -> None:
    """Console-script entry point."""
    # Registered first, so run last: freezing every object spares interpreter shutdown its
    # cyclic garbage collections over SQLAlchemy and the rest (~0.1 s of every command).
    # Everything was closed by the command; the process is about to end.
    atexit.register(gc.freeze)
    # A command reports what matters in its own output (one line on failure); library log
    # records reach a handler only where one is set up (`mailkeep serve`'s structured logs),
    # instead of Python's last-resort printing of every warning onto the terminal.
    logging.getLogger("mailkeep").addHandler(logging.NullHandler())
    try:
        app()
    except BrokenPipeError:
        sys.stderr.close()
        raise SystemExit(1) from None
