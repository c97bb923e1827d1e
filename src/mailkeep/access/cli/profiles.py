"""``mailkeep profile ...``: saved archiving profiles for mail servers, and their jobs."""

from __future__ import annotations

from typing import ClassVar

import typer

from mailkeep.access.cli.context import guarded, runtime
from mailkeep.access.cli.lazy import LazyCommand, LazyGroup
from mailkeep.access.cli.output import JsonOption, console, emit_json, fail, progress, table
from mailkeep.jobs.profiles import ProfileDirectory
from mailkeep.jobs.results import JobOutcome, JobResults


class ProfileGroup(LazyGroup):
    """``profile``: ``create`` (with the mail-server clients it checks) is loaded when used."""

    lazy: ClassVar[dict[str, LazyCommand]] = {
        "create": LazyCommand("mailkeep.access.cli.profile_create:create_app")
    }


app = typer.Typer(
    cls=ProfileGroup, help="Archiving profiles: IMAP/POP3 mailboxes, many mailboxes, journals."
)


@app.command("list")
@guarded
def list_profiles(ctx: typer.Context, json: bool = JsonOption) -> None:
    """List archiving profiles (never their credentials)."""
    with runtime(ctx) as rt:
        profiles = ProfileDirectory(rt.sessions, rt.master_key).list()
    if json:
        emit_json([p.as_dict() for p in profiles])
        return
    table(
        ["name", "kind", "user", "server", "schedule", "next run"],
        [
            (
                p.name,
                p.kind,
                p.archive or "(per message)",
                p.settings.get("host", ""),
                p.schedule,
                p.next_run_at,
            )
            for p in profiles
        ],
    )


@app.command("show")
@guarded
def show(ctx: typer.Context, name: str, json: bool = JsonOption) -> None:
    """Show one profile's settings (never its credentials)."""
    with runtime(ctx) as rt:
        info = ProfileDirectory(rt.sessions, rt.master_key).get(name).as_dict()
    if json:
        emit_json(info)
        return
    for key, value in info.items():
        console.print(f"{key:>15}: {value}", markup=False)


@app.command("delete")
@guarded
def delete(ctx: typer.Context, name: str, json: bool = JsonOption) -> None:
    """Delete a profile and its sync state; archived mail and job results stay."""
    with runtime(ctx) as rt:
        info = ProfileDirectory(rt.sessions, rt.master_key).delete(name)
    if json:
        emit_json({"deleted": info.name})
    else:
        console.print(f"Deleted profile {info.name}.")


@app.command("test")
@guarded
def test(ctx: typer.Context, name: str, json: bool = JsonOption) -> None:
    """Check that every mailbox of a profile opens, and list its folders; archives nothing."""
    from mailkeep.jobs.check import check_profile

    with runtime(ctx) as rt:
        profiles = ProfileDirectory(rt.sessions, rt.master_key)
        profile = profiles.get(name)
        timeout = rt.setting("jobs.connection_timeout_seconds")
        report = check_profile(profile, profiles.secrets(name), rt.users.list(), timeout)
    failed = [m for m in report if not m["ok"]]
    if json:
        emit_json({"ok": not failed, "mailboxes": report})
    else:
        for mailbox in report:
            state = "ok" if mailbox["ok"] else f"FAILED: {mailbox['error']}"
            console.print(f"{mailbox['mailbox']}: {state}", markup=False)
            for folder in mailbox.get("folders", []):
                mark = "archived" if folder["archived"] else "skipped"
                console.print(f"  {folder['folder']} ({mark})", markup=False)
    if failed:
        raise fail(f"{len(failed)} of {len(report)} mailboxes cannot be opened")


@app.command("run")
@guarded
def run(ctx: typer.Context, name: str, json: bool = JsonOption) -> None:
    """Run a profile now and print its job result."""
    from mailkeep.jobs.runner import JobRunner

    with runtime(ctx) as rt, progress(f"archiving {name}", None, "messages", not json) as update:
        outcome = JobRunner(rt).run(name, progress=update)
    _print_outcome(outcome, json)
    if outcome.status in ("failed", "cancelled"):
        raise fail(f"job {outcome.status}: see the protocol")


def _print_outcome(outcome: JobOutcome, json: bool) -> None:
    if json:
        emit_json(outcome.as_dict())
        return
    console.print(f"{outcome.profile}: {outcome.status} - {outcome.counts_text()}", markup=False)
    for entry in outcome.protocol or []:
        where = " / ".join(p for p in (entry.get("mailbox", ""), entry.get("folder", "")) if p)
        text = entry.get("message") or ", ".join(
            f"{k} {entry[k]}"
            for k in ("found", "new", "archived", "duplicates", "failed", "deleted", "moved")
            if k in entry
        )
        console.print(f"  [{entry['level']}] {where}: {text}", markup=False)


# "messages" as the protocol counts them; "filings" one per user archive a message went into
RESULT_COLUMNS = [
    "id",
    "profile",
    "started",
    "ended",
    "status",
    "messages",
    "filings",
    "dup",
    "failed",
    "deleted",
]


@app.command("results")
@guarded
def results(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, help="Only this profile's results."),
    limit: int = typer.Option(20, "--limit", min=1, max=10_000),
    json: bool = JsonOption,
) -> None:
    """Job results, newest first."""
    with runtime(ctx) as rt:
        found = JobResults(rt.sessions).list(name, limit)
    if json:
        emit_json([o.as_dict() for o in found])
        return
    table(
        RESULT_COLUMNS,
        [
            (
                o.id,
                o.profile,
                o.started_at,
                o.ended_at,
                o.status,
                o.message_counts()[0],
                o.archived,
                o.duplicates,
                o.failed,
                o.deleted,
            )
            for o in found
        ],
    )
