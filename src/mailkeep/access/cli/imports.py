"""``mailkeep import ...``: archive EML folders, mbox files, Thunderbird profiles, bulk trees."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer

from mailkeep.access.cli.context import guarded, runtime
from mailkeep.access.cli.import_report import (
    failures_by_user,
    print_failures,
    print_skipped,
    skipped_report,
)
from mailkeep.access.cli.output import JsonOption, console, emit_json, fail, progress
from mailkeep.errors import MailkeepError
from mailkeep.sources.base import MessageSource
from mailkeep.sources.bulk import BulkSource
from mailkeep.sources.eml import EmlFolderSource
from mailkeep.sources.mbox import MboxSource
from mailkeep.sources.thunderbird import ThunderbirdSource

if TYPE_CHECKING:
    from mailkeep.ingest.pipeline import ImportResult
    from mailkeep.runtime import Runtime

app = typer.Typer(help="Archive mail from files.")
UserOption = typer.Option(..., "--user", help="Target user archive.")
FolderOption = typer.Option("", "--folder", help="Archive folder to file messages under.")
ExtensionOption = typer.Option(
    [".eml"], "--extension", help="File extension to import (repeat; default .eml; EML files only)."
)
AllFilesOption = typer.Option(
    False, "--all-files", help="Import every file whatever its name (maildir folders)."
)
FollowLinksOption = typer.Option(
    False,
    "--follow-links",
    help="Follow symbolic links whose target lies inside the folder (never outside it).",
)


def _run(
    ctx: typer.Context,
    source: MessageSource,
    user: str | None,
    json: bool,
) -> ImportResult:
    from mailkeep.ingest.forkserver import start_forkserver

    start_forkserver()  # it loads the parsers on the other core while this process goes on
    from mailkeep.ingest.service import import_source  # heavy: the pipeline and the database

    with runtime(ctx) as rt:
        if user is not None:
            user = rt.users.get(user).archive
        with progress("importing", source.estimate(), source.estimate_unit, not json) as update:
            return import_source(rt, source, user, update)


def _report(
    result: ImportResult,
    json: bool,
    skipped: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
    by_user: bool = False,
) -> None:
    if json:
        document = {**result.as_dict(), "skipped": skipped, **(extra or {})}
        if by_user:
            document["failuresByUser"] = failures_by_user(result)
        emit_json(document)
    else:
        console.print(
            f"archived {result.archived}, duplicates {result.duplicates}, failed {result.failed}"
            + (f", skipped {sum(e['count'] for e in skipped)}" if skipped else "")
        )
        print_skipped(skipped)
        print_failures(result, by_user)
    if result.aborted:
        raise fail(f"import stopped: {result.aborted}")
    if result.failed and not (result.archived or result.duplicates):
        raise typer.Exit(1)


def _extensions(extension: list[str], all_files: bool) -> tuple[str, ...]:
    return ("",) if all_files else tuple(extension)


@app.command("eml")
@guarded
def eml(
    ctx: typer.Context,
    path: Path,
    user: str = UserOption,
    folder: str = FolderOption,
    recursive: bool = typer.Option(False, "--recursive", help="Subfolders become archive folders."),
    extension: list[str] = ExtensionOption,
    all_files: bool = AllFilesOption,
    follow_links: bool = FollowLinksOption,
    json: bool = JsonOption,
) -> None:
    """Archive a folder of EML files (or one file)."""
    extensions = _extensions(extension, all_files)
    source = EmlFolderSource(
        path, recursive=recursive, extensions=extensions, folder=folder, follow_links=follow_links
    )
    result = _run(ctx, source, user, json)
    _report(result, json, skipped_report(source.skipped, source.extensions))


@app.command("mbox")
@guarded
def mbox(
    ctx: typer.Context,
    path: Path,
    user: str = UserOption,
    folder: str = FolderOption,
    json: bool = JsonOption,
) -> None:
    """Archive an mbox file (streamed)."""
    result = _run(ctx, MboxSource(path, folder=folder or path.stem), user, json)
    _report(result, json, [])


@app.command("thunderbird")
@guarded
def thunderbird(
    ctx: typer.Context,
    profile_dir: Path,
    user: str = UserOption,
    follow_links: bool = FollowLinksOption,
    json: bool = JsonOption,
) -> None:
    """Archive a Thunderbird/SeaMonkey profile with its folder tree."""
    source = ThunderbirdSource(profile_dir, follow_links=follow_links)
    result = _run(ctx, source, user, json)
    _report(result, json, skipped_report(source.skipped, ()))


@app.command("bulk")
@guarded
def bulk(
    ctx: typer.Context,
    root: Path,
    format: Literal["eml", "mbox"] = typer.Option(..., "--format", help="eml or mbox."),
    create_users: bool = typer.Option(
        False,
        "--create-users",
        help="Create a user (without a password) for each folder that names none.",
    ),
    extension: list[str] = ExtensionOption,
    all_files: bool = AllFilesOption,
    follow_links: bool = FollowLinksOption,
    json: bool = JsonOption,
) -> None:
    """Archive one folder per user: each subfolder goes to the user archive of its name."""
    extensions = _extensions(extension, all_files)
    source = BulkSource(root, format, extensions=extensions, follow_links=follow_links)
    with runtime(ctx) as rt:
        created, refused = _bulk_users(rt, source, create_users)
    if not json:
        _print_users(created, refused)
    result = _run(ctx, source, None, json)
    extra = {"createdUsers": created, "usersNotCreated": refused}
    _report(result, json, skipped_report(source.skipped, extensions), extra, by_user=True)


def _print_users(created: list[str], refused: list[dict[str, str]]) -> None:
    if created:
        names = ", ".join(created)
        console.print(f"created users {names} (no password yet: `mailkeep user passwd NAME`)")
    for user in refused:
        console.print(f"cannot create user {user['user']!r}: {user['reason']}", markup=False)


def _bulk_users(
    rt: Runtime, source: BulkSource, create: bool
) -> tuple[list[str], list[dict[str, str]]]:
    """Map each user folder to its user's archive, creating missing users when asked.

    Returns the users created and ``{"user", "reason"}`` for names that could not be; their
    messages then fail as "unknown user", reported once per user.
    """
    existing = {u.name.lower(): u for u in rt.users.list()}
    archives: dict[str, str] = {}
    created: list[str] = []
    refused: list[dict[str, str]] = []
    for name, _path in source.users():
        user = existing.get(name.lower())
        if user is None and create:
            try:
                user = rt.users.create(name)
            except MailkeepError as error:  # a folder name that is no valid user name
                refused.append({"user": name, "reason": str(error)})
                continue
            rt.audit.record("user.created", "cli", target=user.name, via="import bulk")
            created.append(user.name)
        if user is not None:
            archives[name] = user.archive
    source.archives = archives
    return created, refused
