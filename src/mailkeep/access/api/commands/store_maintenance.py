"""Long-running archive store maintenance: verify, compact, rebuild indexes, upgrade, and the
master database and catalog files' upkeep."""

from __future__ import annotations

from typing import Any

from mailkeep.access.api.commands.stores import STORE_ID
from mailkeep.access.api.operations import Operation
from mailkeep.access.api.registry import COMMANDS, Arg, Call, Work
from mailkeep.errors import NotFoundError
from mailkeep.ingest.service import store_writes
from mailkeep.store.archive_store import ArchiveStore
from mailkeep.store.catalog.sqlite import SqliteCatalog
from mailkeep.store.compact import compact_store
from mailkeep.store.verify import verify_index, verify_store

INCLUDE_INDEXES = Arg(
    "includeIndexes", "bool", nullable=True, help="Also check the full-text index."
)


def _verify(
    operation: Operation, store: ArchiveStore, include_indexes: bool, base: float, share: float
) -> dict[str, Any]:
    name = store.descriptor.name

    def progress(done: int, total: int) -> None:
        operation.progress(
            int(base + share * done / max(total, 1)),
            f"Verifying archive store {store.id} ({name}): container {done + 1} of {total}",
        )

    report = verify_store(store, progress).as_dict()
    report.update(id=store.id, name=name)
    if include_indexes:
        report["index"] = verify_index(store)
        report["ok"] = report["ok"] and report["index"]["ok"]
    operation.log(f"Archive store {store.id} ({name}): {'ok' if report['ok'] else 'PROBLEMS'}")
    return report


@COMMANDS.command(
    "VerifyStore",
    "Verify every record of an archive store (in the background).",
    STORE_ID,
    INCLUDE_INDEXES,
    long_running=True,
)
def verify_store_command(call: Call) -> Work:
    store_id = call.get("id")
    call.runtime.stores.record(store_id)  # an unknown id fails now, not in the background

    def work(operation: Operation) -> dict[str, Any]:
        store = call.runtime.stores.open(store_id)
        report = _verify(operation, store, call.get("includeIndexes", False), 0, 100)
        call.audit("store.verified", str(store_id), ok=report["ok"])
        return report

    return work


@COMMANDS.command(
    "VerifyStores",
    "Verify every archive store that is not disabled (in the background).",
    INCLUDE_INDEXES,
    long_running=True,
)
def verify_stores_command(call: Call) -> Work:
    def work(operation: Operation) -> dict[str, Any]:
        rows = [r for r in call.runtime.stores.records() if r.requested_state != "disabled"]
        reports = []
        for n, row in enumerate(rows):
            share = 100 / max(len(rows), 1)
            store = call.runtime.stores.open(row.id)
            include = call.get("includeIndexes", False)
            reports.append(_verify(operation, store, include, n * share, share))
            call.audit("store.verified", str(row.id), ok=reports[-1]["ok"])
        return {"ok": all(r["ok"] for r in reports), "stores": reports}

    return work


@COMMANDS.command(
    "CompactStore",
    "Reclaim the space of removed messages in an archive store (in the background).",
    STORE_ID,
    long_running=True,
)
def compact_store_command(call: Call) -> Work:
    store_id = call.get("id")
    call.runtime.stores.record(store_id)

    def work(operation: Operation) -> dict[str, Any]:
        operation.progress(0, "Waiting for other writes to archive stores to finish")
        with store_writes():
            # Compaction itself runs to its end once started: it is crash-safe, not abortable.
            operation.progress(5, f"Compacting archive store {store_id}")
            report = compact_store(call.runtime.stores.open(store_id)).as_dict()
        call.audit("store.compacted", str(store_id), **report)
        return report

    return work


@COMMANDS.command(
    "RebuildStoreIndex",
    "Rebuild the full-text index of one user archive in an archive store (folder=* for all).",
    STORE_ID,
    Arg("folder", help="The user archive whose index to rebuild, or * for the whole store."),
    long_running=True,
)
def rebuild_store_index(call: Call) -> Work:
    store_id, folder = call.get("id"), call.get("folder").strip("/")
    store = call.runtime.stores.open(store_id)
    archives = store.catalog.archives()
    archive = next((a for a in archives if a.lower() == folder.lower()), None)
    if folder != "*" and archive is None:
        raise NotFoundError(f"Archive store {store_id} holds no user archive {folder!r}.")
    total = sum(archives.values()) if archive is None else archives[archive]

    def work(operation: Operation) -> dict[str, Any]:
        def progress(done: int) -> None:
            operation.progress(done * 100 // max(total, 1), f"{done} of {total} messages indexed")

        operation.progress(0, "Waiting for other writes to archive stores to finish")
        with store_writes():
            if archive is None:
                indexed = store.rebuild_index(progress)
            else:
                indexed = store.rebuild_archive_index(archive, progress)
            store.flush_index()
        call.audit("store.index_rebuilt", str(store_id), folder=folder, messages=indexed)
        return {"indexed": indexed}

    return work


@COMMANDS.command(
    "UpgradeStore",
    "Bring an archive store to the current format (rebuilds an index of an older version).",
    STORE_ID,
    long_running=True,
)
def upgrade_store(call: Call) -> Work:
    store = call.runtime.stores.open(call.get("id"))

    def work(operation: Operation) -> dict[str, Any]:
        if not store.index().needs_rebuild:
            return {"upgraded": False, "message": "The archive store is in the current format."}
        with store_writes():
            indexed = store.rebuild_index(lambda done: operation.progress(None, f"{done} indexed"))
        call.audit("store.index_rebuilt", str(store.id), reason="upgrade", messages=indexed)
        return {"upgraded": True, "indexed": indexed}

    return work


@COMMANDS.command("CompactMasterDatabase", "Compact the master database.")
def compact_master_database(call: Call) -> dict[str, Any]:
    engine = call.runtime.engine
    statement = "VACUUM" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE"
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(statement)
    call.audit("master.compacted", engine.dialect.name)
    return {"database": engine.dialect.name}


@COMMANDS.command(
    "MaintainFileSystemDatabases",
    "Check and compact the SQLite catalogs of every open archive store (in the background).",
    long_running=True,
)
def maintain_file_system_databases(call: Call) -> Work:
    def work(operation: Operation) -> list[dict[str, Any]]:
        stores = list(call.runtime.stores.open_stores())
        outcomes = []
        with store_writes():
            for n, store in enumerate(stores):
                operation.progress(n * 100 // max(len(stores), 1), f"Archive store {store.id}")
                if isinstance(store.catalog, SqliteCatalog):
                    outcomes.append(_maintain(store, store.catalog))
        call.audit("store.catalogs_maintained", stores=len(outcomes))
        return outcomes

    return work


def _maintain(store: ArchiveStore, catalog: SqliteCatalog) -> dict[str, Any]:
    before = catalog.path.stat().st_size
    with catalog.engine.connect() as conn:
        integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
    catalog.vacuum()
    return {
        "id": store.id,
        "name": store.descriptor.name,
        "integrity": integrity,
        "bytesBefore": before,
        "bytesAfter": catalog.path.stat().st_size,
    }
