"""``mailkeep import ...``: archive EML folders, mbox files, Thunderbird profiles, bulk trees."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer

from mailkeep.access.cli.context import guarded, runtime
from mailkeep.access.cli.output import JsonOption, console, emit_json, fail, progress
from mailkeep.sources.base import MessageSource
from mailkeep.sources.bulk import BulkSource
from mailkeep.sources.eml import EmlFolderSource
from mailkeep.sources.mbox import MboxSource
from mailkeep.sources.thunderbird import ThunderbirdSource

if TYPE_CHECKING:
    from mailkeep.ingest.pipeline import ImportResult

app = typer.Typer(help="Archive mail from files.")
UserOption = typer.Option(..., "--user", help="Target user archive.")
FolderOption = typer.Option("", "--folder", help="Archive folder to file messages under.")


def _run(ctx: typer.Context, source: MessageSource, user: str | None, json: bool) -> None:
    from mailkeep.ingest.forkserver import start_forkserver

    start_forkserver()  # it loads the parsers on the other core while this process goes on
    from mailkeep.ingest.service import import_source  # heavy: the pipeline and the database

    with runtime(ctx) as rt:
        if user is not None:
            user = rt.users.get(user).archive
        with progress("importing", source.estimate(), source.estimate_unit, not json) as update:
            result = import_source(rt, source, user, update)
    _report(result, json)


def _report(result: ImportResult, json: bool) -> None:
    if json:
        emit_json(result.as_dict())
    else:
        console.print(
            f"archived {result.archived}, duplicates {result.duplicates}, failed {result.failed}"
        )
        for failure in result.failures[:20]:
            console.print(f"  failed: {failure['source_id']}: {failure['reason']}", markup=False)
    if result.aborted:
        raise fail(f"import stopped: {result.aborted}")
    if result.failed and not (result.archived or result.duplicates):
        raise typer.Exit(1)


@app.command("eml")
@guarded
def eml(
    ctx: typer.Context,
    path: Path,
    user: str = UserOption,
    folder: str = FolderOption,
    recursive: bool = typer.Option(False, "--recursive", help="Subfolders become archive folders."),
    extension: list[str] = typer.Option(
        [".eml"], "--extension", help="File extension to import (repeat)."
    ),
    json: bool = JsonOption,
) -> None:
    """Archive a folder of EML files (or one file)."""
    source = EmlFolderSource(path, recursive=recursive, extensions=tuple(extension), folder=folder)
    _run(ctx, source, user, json)


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
    _run(ctx, MboxSource(path, folder=folder or path.stem), user, json)


@app.command("thunderbird")
@guarded
def thunderbird(
    ctx: typer.Context, profile_dir: Path, user: str = UserOption, json: bool = JsonOption
) -> None:
    """Archive a Thunderbird/SeaMonkey profile with its folder tree."""
    _run(ctx, ThunderbirdSource(profile_dir), user, json)


@app.command("bulk")
@guarded
def bulk(
    ctx: typer.Context,
    root: Path,
    format: Literal["eml", "mbox"] = typer.Option(..., "--format", help="eml or mbox."),
    json: bool = JsonOption,
) -> None:
    """Archive one folder per user: each subfolder goes to the user archive of its name."""
    _run(ctx, BulkSource(root, format), None, json)
