"""Archive store commands: list, create, attach, detach, rename, states and locations."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from mailkeep.access.api.registry import COMMANDS, Arg, Call
from mailkeep.access.stores import store_info
from mailkeep.errors import InvalidInputError
from mailkeep.ingest.service import store_writes
from mailkeep.master.models import StoreRecord
from mailkeep.store.registry import StoreSpec

STORE_ID = Arg("id", "number", help="The archive store's identifier.")
LOCATION_ARGS = (
    Arg(
        "type", nullable=True, help="FileSystemStandard (default), FileSystemAdvanced, PostgreSQL."
    ),
    Arg("databaseName", nullable=True, help="PostgreSQL: the database."),
    Arg("databasePath", nullable=True, help="Standard: the store directory; advanced: metadata."),
    Arg("contentPath", nullable=True, help="Advanced and PostgreSQL: the content directory."),
    Arg("indexPath", nullable=True, help="Advanced and PostgreSQL: the index directory."),
    Arg("serverName", nullable=True, help="PostgreSQL: host[:port] of the database server."),
    Arg("userName", nullable=True, help="PostgreSQL: the database user."),
    Arg("password", nullable=True, verbatim=True, help="PostgreSQL: the database user's password."),
)
STATE = Arg("requestedState", nullable=True, help="disabled, writeProtected, normal or current.")


def store_summary(row: StoreRecord) -> dict[str, Any]:
    """A store as GetStores lists it (without opening it)."""
    return {
        "id": row.id,
        "name": row.name,
        "type": row.type,
        "requestedState": row.requested_state,
        "databasePath": (
            row.descriptor_path if row.type == "FileSystemStandard" else row.metadata_path or ""
        ),
        "contentPath": row.content_path,
        "indexPath": row.index_path,
        "path": row.descriptor_path,
    }


def _database_url(call: Call) -> str | None:
    server, database = call.get("serverName"), call.get("databaseName")
    if not server and not database:
        return None
    if not server or not database:
        raise InvalidInputError("A PostgreSQL store needs both serverName and databaseName.")
    user, password = call.get("userName", ""), call.get("password", "")
    login = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    return f"postgresql://{login + '@' if login else ''}{server}/{quote(database, safe='')}"


def spec_from(call: Call, name: str, state: str) -> StoreSpec:
    """The StoreSpec the guide's CreateStore/AttachStore arguments describe."""
    kind = call.get("type", "FileSystemStandard")
    if kind == "SQLServer":
        raise InvalidInputError("SQLServer archive stores are not supported; use PostgreSQL.")
    if kind == "FileSystemStandard" and (call.get("contentPath") or call.get("indexPath")):
        raise InvalidInputError(
            "A FileSystemStandard store keeps everything under databasePath; "
            "contentPath and indexPath are for FileSystemAdvanced and PostgreSQL stores."
        )
    standard = kind == "FileSystemStandard"
    return StoreSpec(
        name=name,
        type=kind,
        requested_state=state,
        path=call.get("databasePath") if standard else None,
        database_path=None if standard else call.get("databasePath"),
        content_path=call.get("contentPath"),
        index_path=call.get("indexPath"),
        database_url=_database_url(call),
    )


def _list_stores(call: Call) -> list[dict[str, Any]]:
    rows = call.runtime.stores.records()
    if not call.get("includeSize", False):
        return [store_summary(r) for r in rows]
    return [{**store_summary(r), **_sizes(call, r)} for r in rows]


def _sizes(call: Call, row: StoreRecord) -> dict[str, Any]:
    info = store_info(call.runtime, row)
    keys = ("messages", "rawBytes", "storedBytes", "metadataBytes", "indexBytes")
    sizes = {k: info[k] for k in keys if k in info}
    if sizes:
        sizes["size"] = sizes["storedBytes"] + sizes["metadataBytes"] + sizes["indexBytes"]
    return sizes


INCLUDE_SIZE = Arg("includeSize", "bool", nullable=True, help="Add message counts and sizes.")
COMMANDS.command("GetStores", "Every attached archive store.", INCLUDE_SIZE)(_list_stores)
COMMANDS.command(
    "GetStoreList", "Every attached archive store (the guide's name for GetStores).", INCLUDE_SIZE
)(_list_stores)


@COMMANDS.command(
    "CreateStore", "Create an archive store and attach it.", Arg("name"), *LOCATION_ARGS, STATE
)
def create_store(call: Call) -> dict[str, Any]:
    spec = spec_from(call, call.get("name"), call.get("requestedState", "current"))
    with store_writes():
        row = call.runtime.stores.create(spec)
    call.audit("store.created", str(row.id), name=row.name, type=row.type)
    return store_summary(row)


@COMMANDS.command(
    "AttachStore", "Attach an archive store detached earlier.", Arg("name"), *LOCATION_ARGS, STATE
)
def attach_store(call: Call) -> dict[str, Any]:
    spec = spec_from(call, call.get("name"), call.get("requestedState", "normal"))
    with store_writes():
        row = call.runtime.stores.attach(spec)
    call.audit("store.attached", str(row.id), name=row.name)
    return store_summary(row)


@COMMANDS.command("DetachStore", "Detach an archive store (its files are kept).", STORE_ID)
def detach_store(call: Call) -> None:
    with store_writes():
        row = call.runtime.stores.detach(call.get("id"))
    call.audit("store.detached", str(row.id), name=row.name)


@COMMANDS.command("RenameStore", "Rename an archive store.", STORE_ID, Arg("name"))
def rename_store(call: Call) -> None:
    with store_writes():  # rewrites the store's store.json
        row = call.runtime.stores.rename(call.get("id"), call.get("name"))
    call.audit("store.renamed", str(row.id), name=row.name)


@COMMANDS.command(
    "SetStoreRequestedState",
    "Set an archive store's requested state.",
    STORE_ID,
    Arg("requestedState"),
)
def set_store_requested_state(call: Call) -> None:
    with store_writes():
        row = call.runtime.stores.set_state(call.get("id"), call.get("requestedState"))
    call.audit("store.state_changed", str(row.id), state=row.requested_state)


@COMMANDS.command(
    "SetStoreProperties",
    "Set where an archive store's parts are (after moving its files).",
    STORE_ID,
    *LOCATION_ARGS,
)
def set_store_properties(call: Call) -> dict[str, Any]:
    registry = call.runtime.stores
    row = registry.record(call.get("id"))
    if call.get("type", row.type) != row.type:
        raise InvalidInputError(f"The type of archive store {row.id} ({row.type}) cannot change.")
    standard = row.type == "FileSystemStandard"
    merged = {
        "type": row.type,
        "databasePath": row.descriptor_path if standard else row.metadata_path,
        "contentPath": None if standard else row.content_path,
        "indexPath": None if standard else row.index_path,
        **{k: v for k, v in call.args.items() if v not in (None, "") and k != "id"},
    }
    spec = spec_from(Call(call.runtime, call.actor, call.address, merged), row.name, "normal")
    with store_writes():
        moved = registry.relocate(row.id, spec)
    call.audit("store.relocated", str(row.id), path=moved.descriptor_path)
    return store_summary(moved)


def _store_indexes(call: Call) -> list[dict[str, Any]]:
    store = call.runtime.stores.open(call.get("id"))
    archives = store.catalog.archives()
    return [{"folder": a, "messages": n} for a, n in sorted(archives.items())]


# The reference guide names it GetStoreIndexList; current releases and every published
# wrapper call it GetStoreIndexes: both are served.
COMMANDS.command(
    "GetStoreIndexList",
    "The full-text indexes of an archive store: one per user archive it holds.",
    STORE_ID,
)(_store_indexes)
COMMANDS.command(
    "GetStoreIndexes",
    "The full-text indexes of an archive store (current releases' name for GetStoreIndexList).",
    STORE_ID,
)(_store_indexes)


@COMMANDS.command("RetryOpenStores", "Try again to open stores that could not be opened.")
def retry_open_stores(call: Call) -> list[dict[str, Any]]:
    outcomes = []
    for row in call.runtime.stores.records():
        if row.requested_state == "disabled":
            continue
        try:
            call.runtime.stores.open(row.id)
        except Exception as exc:  # reported per store; one broken store must not hide others
            outcomes.append({"id": row.id, "name": row.name, "open": False, "error": str(exc)})
        else:
            outcomes.append({"id": row.id, "name": row.name, "open": True, "error": None})
    return outcomes


@COMMANDS.command(
    "RefreshAllStoreStatistics", "Count messages and sizes of every open archive store afresh."
)
def refresh_all_store_statistics(call: Call) -> list[dict[str, Any]]:
    rows = [r for r in call.runtime.stores.records() if r.requested_state != "disabled"]
    return [{"id": r.id, "name": r.name, **_sizes(call, r)} for r in rows]
