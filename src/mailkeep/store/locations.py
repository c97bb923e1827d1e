"""Where a registered store's files are, as the master database keeps them, and whether the
files found there belong to that store.

Paths inside the data directory are kept relative to it, so a copied or restored data
directory reads and writes its own stores, never the original's; paths elsewhere stay
absolute. Everyone outside the registry sees absolute paths.
"""

from __future__ import annotations

from pathlib import Path

from mailkeep.errors import ConflictError
from mailkeep.master.models import StoreRecord

PATH_COLUMNS = ("descriptor_path", "content_path", "index_path", "metadata_path")


class StoreLocations:
    """Converts store paths between their stored and absolute forms for one data directory."""

    def __init__(self, data_dir: Path) -> None:
        """``data_dir``: the data directory relative paths are taken from."""
        self._data_dir = data_dir.resolve()

    def absolute(self, row: StoreRecord) -> StoreRecord:
        """The (detached) row with its paths made absolute."""
        for name in PATH_COLUMNS:
            value = getattr(row, name)
            if value is not None and not Path(value).is_absolute():
                setattr(row, name, str(self._data_dir / value))
        return row

    def stored(self, path: str | None) -> str | None:
        """A store path as the master database keeps it: relative to the data directory when
        inside it, else absolute."""
        if path is None:
            return None
        absolute = Path(path)
        if absolute.is_relative_to(self._data_dir):
            return absolute.relative_to(self._data_dir).as_posix()
        return str(absolute)


def check_identity(row: StoreRecord, found: str, where: str) -> None:
    """Refuse a store whose files belong to another store than the registry row (a data
    directory put together from different copies, a store directory replaced by another)."""
    if found != row.uuid:
        raise ConflictError(
            f"Archive store {row.id} ({row.name}) is registered with identity {row.uuid}, but "
            f"the {where} at {row.descriptor_path} belongs to store {found}: refusing to use "
            "it. Put the right store back there, or detach this store and attach it from "
            "where its files are (`mailkeep store detach` / `store attach`)."
        )
