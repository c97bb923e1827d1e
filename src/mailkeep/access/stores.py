"""Archive stores as the CLI, web pages and API describe them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailkeep.master.models import StoreRecord
from mailkeep.runtime import Runtime

if TYPE_CHECKING:
    from mailkeep.store.verify import VerifyReport


def store_info(rt: Runtime, row: StoreRecord) -> dict[str, Any]:
    """A store's registry entry with statistics (when it is open)."""
    info: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "type": row.type,
        "requestedState": row.requested_state,
        "path": row.descriptor_path,
        "contentPath": row.content_path,
        "indexPath": row.index_path,
        "metadataPath": row.metadata_path,
    }
    if row.requested_state == "disabled":
        return info
    store = rt.stores.open(row.id)
    counts = store.catalog.counts()
    info.update(
        messages=counts.messages,
        rawBytes=counts.raw_bytes,
        storedBytes=counts.stored_bytes,
        metadataBytes=store.catalog.size_bytes(),
        indexBytes=store.search_index().size_bytes(),
        archives=store.catalog.archives(),
    )
    return info


def record_verified(rt: Runtime, store_id: int, report: VerifyReport, actor: str) -> None:
    """Audit one store's verify with its result (the dashboard shows each store's last)."""
    problems = len(report.corrupt) + len(report.missing) + len(report.orphaned)
    rt.audit.record("store.verified", actor, target=str(store_id), ok=report.ok, problems=problems)
