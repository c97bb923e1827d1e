"""``mailkeep quarantine ...``: pushed messages that could not be archived, and retrying them."""

from __future__ import annotations

import typer

from mailkeep.access.cli.context import data_dir, guarded, runtime
from mailkeep.access.cli.output import JsonOption, console, emit_json, fail, table

app = typer.Typer(help="Messages kept because they could not be archived.")


@app.command("list")
@guarded
def list_(ctx: typer.Context, json: bool = JsonOption) -> None:
    """Every quarantined message: target archive and folder, step, reason."""
    from mailkeep.ingest.quarantine import Quarantine

    kept = Quarantine(data_dir(ctx).resolve()).list()
    if json:
        emit_json([k.as_dict() for k in kept])
        return
    rows = [(k.id, f"{k.archive}/{k.folder}", k.size, k.step, k.reason) for k in kept]
    table(["id", "meant for", "bytes", "step", "reason"], rows)


@app.command("retry")
@guarded
def retry(
    ctx: typer.Context,
    ids: list[str] = typer.Argument(None, help="Quarantine ids (default: every message)."),
    json: bool = JsonOption,
) -> None:
    """Archive quarantined messages again; each one the archive then holds leaves the
    quarantine, the others stay with their new reason."""
    from mailkeep.ingest.quarantine import Quarantine
    from mailkeep.ingest.service import import_source

    with runtime(ctx) as rt:
        quarantine = Quarantine(rt.data_dir)
        source = quarantine.source(ids or ())
        result = import_source(
            rt,
            source,
            None,
            on_stored=lambda message, _sha, _duplicate: quarantine.release(message.source_id),
            on_failed=lambda message, step, reason: quarantine.failed_again(
                message.source_id, step, reason
            ),
        )
        rt.audit.record(
            "quarantine.retried",
            "cli",
            archived=result.archived,
            duplicates=result.duplicates,
            failed=result.failed,
        )
    if json:
        emit_json(result.as_dict())
    else:
        console.print(
            f"archived {result.archived}, duplicates {result.duplicates}, still quarantined "
            f"{result.failed}"
        )
        for failure in result.failures[:20]:
            console.print(f"  {failure['source_id']}: {failure['reason']}", markup=False)
    if result.aborted:
        raise fail(f"retry stopped: {result.aborted}")


@app.command("discard")
@guarded
def discard(
    ctx: typer.Context,
    ids: list[str] = typer.Argument(..., help="Quarantine ids to delete for good."),
    json: bool = JsonOption,
) -> None:
    """Delete quarantined messages without archiving them."""
    from mailkeep.ingest.quarantine import Quarantine

    with runtime(ctx) as rt:
        quarantine = Quarantine(rt.data_dir)
        for kept_id in ids:
            quarantine.discard(kept_id)
            rt.audit.record("quarantine.discarded", "cli", target=kept_id)
    if json:
        emit_json({"discarded": ids})
    else:
        console.print(f"discarded {len(ids)}")
