"""``store.json``: the identity of an archive store, kept beside its content.

A store directory can be detached, moved and attached again (on this or another server with the
same master key): the descriptor says what the store is, and carries its data key wrapped by the
master key. Written atomically (temp file, fsync, rename).
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from mailkeep.errors import InvalidInputError
from mailkeep.store.content.containers import fsync_dir
from mailkeep.store.model import StoreType

FILE_NAME = "store.json"
# 1: blob, entry and dictionary records. 2: also packed blobs (base64 bodies stored decoded).
FORMAT = 2
READABLE_FORMATS = frozenset({1, 2})


@dataclass(frozen=True)
class Descriptor:
    """Contents of ``store.json``."""

    uuid: str
    name: str
    type: StoreType
    created: str
    wrapped_key: str
    format: int = FORMAT
    pg_schema: str | None = None

    @classmethod
    def new(cls, name: str, store_type: StoreType, wrapped_key: str) -> Descriptor:
        ident = uuid.uuid4().hex
        schema = f"mailkeep_store_{ident}" if store_type == "PostgreSQL" else None
        created = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(ident, name, store_type, created, wrapped_key, FORMAT, schema)


def write_descriptor(directory: Path, descriptor: Descriptor) -> None:
    """Atomically write ``store.json`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    temp = directory / f".{FILE_NAME}.tmp"
    with temp.open("w", encoding="utf-8") as handle:
        json.dump(asdict(descriptor), handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    temp.replace(directory / FILE_NAME)
    fsync_dir(directory)


def read_descriptor(directory: Path) -> Descriptor:
    """Read ``store.json``; a clear error when the directory is not an archive store."""
    path = directory / FILE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInputError(f"{directory} is not an archive store (no {FILE_NAME}).") from exc
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"Cannot read {path}: {exc}") from exc
    if data.get("format") not in READABLE_FORMATS:
        raise InvalidInputError(f"{path} has unsupported format {data.get('format')!r}.")
    fields = set(Descriptor.__dataclass_fields__)
    return Descriptor(**{k: v for k, v in data.items() if k in fields})
