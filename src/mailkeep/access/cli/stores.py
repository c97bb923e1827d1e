"""``mailkeep store ...``: list, create, change, attach, detach, verify, compact, recover."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from mailkeep.access.cli.context import guarded, runtime
from mailkeep.access.cli.output import JsonOption, console, emit_json, fail, progress, table
from mailkeep.access.stores import record_verified, store_info
from mailkeep.runtime import Runtime
from mailkeep.store.archive_store import ArchiveStore
from mailkeep.store.compact import compact_store
from mailkeep.store.content.containers import list_containers
from mailkeep.store.recover import recover_store
from mailkeep.store.registry import StoreSpec
from mailkeep.store.verify import VerifyReport, verify_store

app = typer.Typer(help="Manage archive stores.")
IdOption = typer.Option(None, "--id", help="Store id (default: every store).")
StateOption = typer.Option("normal", "--state", help="disabled, writeProtected, normal or current.")


def _print_store(info: dict[str, Any], json: bool) -> None:
    if json:
        emit_json(info)
    else:
        console.print(f"store {info['id']} {info['name']!r} ({info['requestedState']})")


@app.command("list")
@guarded
def list_stores(ctx: typer.Context, json: bool = JsonOption) -> None:
    """List archive stores with states and sizes."""
    with runtime(ctx) as rt:
        infos = [store_info(rt, row) for row in rt.stores.records()]
    if json:
        emit_json(infos)
        return
    table(
        ["id", "name", "state", "messages", "raw bytes", "stored bytes", "index bytes", "path"],
        [
            (
                i["id"],
                i["name"],
                i["requestedState"],
                i.get("messages"),
                i.get("rawBytes"),
                i.get("storedBytes"),
                i.get("indexBytes"),
                i["path"],
            )
            for i in infos
        ],
    )


@app.command("create")
@guarded
def create(
    ctx: typer.Context,
    name: str,
    type: str = typer.Option(
        "FileSystemStandard", "--type", help="FileSystemStandard, FileSystemAdvanced or PostgreSQL."
    ),
    state: str = typer.Option("current", "--state", help="Requested state of the new store."),
    path: Path | None = typer.Option(None, "--path", help="Directory of a standard store."),
    database_path: Path | None = typer.Option(None, "--database-path"),
    content_path: Path | None = typer.Option(None, "--content-path"),
    index_path: Path | None = typer.Option(None, "--index-path"),
    database_url: str | None = typer.Option(
        None, "--database-url", envvar="MAILKEEP_STORE_DATABASE_URL", help="PostgreSQL URL."
    ),
    json: bool = JsonOption,
) -> None:
    """Create an archive store (it becomes current unless --state says otherwise)."""
    spec = StoreSpec(
        name,
        type,
        state,
        _s(path),
        _s(database_path),
        _s(content_path),
        _s(index_path),
        database_url,
    )
    with runtime(ctx) as rt:
        info = store_info(rt, rt.stores.create(spec))
    _print_store(info, json)


def _s(path: Path | None) -> str | None:
    return str(path) if path is not None else None


@app.command("attach")
@guarded
def attach(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Store directory (standard) or content directory."),
    name: str = typer.Option("", "--name", help="New name (default: the store's own name)."),
    type: str = typer.Option("FileSystemStandard", "--type"),
    state: str = StateOption,
    database_path: Path | None = typer.Option(None, "--database-path"),
    index_path: Path | None = typer.Option(None, "--index-path"),
    database_url: str | None = typer.Option(
        None, "--database-url", envvar="MAILKEEP_STORE_DATABASE_URL"
    ),
    json: bool = JsonOption,
) -> None:
    """Attach a store that was detached (possibly after moving it)."""
    standard = type == "FileSystemStandard"
    spec = StoreSpec(
        name,
        type,
        state,
        str(path) if standard else None,
        _s(database_path),
        None if standard else str(path),
        _s(index_path),
        database_url,
    )
    with runtime(ctx) as rt:
        info = store_info(rt, rt.stores.attach(spec))
    _print_store(info, json)


@app.command("detach")
@guarded
def detach(
    ctx: typer.Context, id: int = typer.Option(..., "--id"), json: bool = JsonOption
) -> None:
    """Detach a store; its files stay in place."""
    with runtime(ctx) as rt:
        row = rt.stores.detach(id)
    if json:
        emit_json({"id": row.id, "name": row.name, "path": row.descriptor_path, "detached": True})
    else:
        console.print(
            f"Detached store {row.id} {row.name!r}; files remain at {row.descriptor_path}"
        )


@app.command("rename")
@guarded
def rename(
    ctx: typer.Context,
    id: int = typer.Option(..., "--id"),
    name: str = typer.Option(..., "--name"),
    json: bool = JsonOption,
) -> None:
    """Rename a store."""
    with runtime(ctx) as rt:
        info = store_info(rt, rt.stores.rename(id, name))
    _print_store(info, json)


@app.command("set-state")
@guarded
def set_state(
    ctx: typer.Context,
    id: int = typer.Option(..., "--id"),
    state: str = typer.Option(..., "--state"),
    json: bool = JsonOption,
) -> None:
    """Set a store's requested state (disabled, writeProtected, normal, current)."""
    with runtime(ctx) as rt:
        info = store_info(rt, rt.stores.set_state(id, state))
    _print_store(info, json)


def _each(rt: Runtime, store_id: int | None) -> list[ArchiveStore]:
    if store_id is not None:
        return [rt.stores.open(store_id)]
    return list(rt.stores.open_stores())


@app.command("verify")
@guarded
def verify(ctx: typer.Context, id: int | None = IdOption, json: bool = JsonOption) -> None:
    """Recompute every hash; report corrupt, missing and orphaned records."""
    report = VerifyReport()
    with runtime(ctx) as rt:
        for store in _each(rt, id):
            checked = _verify_one(store, not json)
            record_verified(rt, store.id, checked, "cli")
            report.merge(checked)
    if json:
        emit_json(report.as_dict())
    else:
        console.print(f"checked {report.checked} messages in {report.records} records")
        for line in report.lines():
            console.print(f"  {line}", markup=False, soft_wrap=True)
    if not report.ok:
        raise fail("verification found problems")


def _verify_one(store: ArchiveStore, show_progress: bool) -> VerifyReport:
    """Verify one store with a bar over its containers on a terminal."""
    total = len(list_containers(store.content_dir))
    with progress(f"verifying store {store.id}", total, "containers", show_progress) as update:
        report = verify_store(store, lambda done, _total: update(done, done))
        update(total, total)
    return report


def _per_store(
    ctx: typer.Context,
    store_id: int | None,
    json: bool,
    action: Callable[[ArchiveStore], dict[str, Any]],
) -> None:
    results = []
    with runtime(ctx) as rt:
        for store in _each(rt, store_id):
            results.append({"id": store.id, **action(store)})
    if json:
        emit_json(results if store_id is None else results[0])
    else:
        for result in results:
            console.print(", ".join(f"{k} {v}" for k, v in result.items()), markup=False)


@app.command("compact")
@guarded
def compact(ctx: typer.Context, id: int | None = IdOption, json: bool = JsonOption) -> None:
    """Reclaim space of removed messages (every writable store unless --id)."""

    def one(store: ArchiveStore) -> dict[str, Any]:
        if id is None and store.state == "writeProtected":
            return {"skipped": "writeProtected"}
        return compact_store(store).as_dict()

    _per_store(ctx, id, json, one)


@app.command("rebuild-index")
@guarded
def rebuild_index(
    ctx: typer.Context,
    id: int | None = IdOption,
    user: str | None = typer.Option(None, "--user", help="Only this user's archive."),
    json: bool = JsonOption,
) -> None:
    """Rebuild full-text indexes from archived content (every store unless --id)."""

    def rebuild(store: ArchiveStore) -> dict[str, Any]:
        if user is not None:
            return {"indexed": store.rebuild_archive_index(user)}
        total = store.catalog.counts().messages
        with progress(f"indexing store {store.id}", total, "messages", not json) as update:
            return {"indexed": store.rebuild_index(lambda done: update(done, done))}

    _per_store(ctx, id, json, rebuild)


@app.command("recover")
@guarded
def recover(
    ctx: typer.Context, id: int = typer.Option(..., "--id"), json: bool = JsonOption
) -> None:
    """Rebuild a store's metadata and index from its container files alone."""
    _per_store(ctx, id, json, lambda s: recover_store(s).as_dict())
