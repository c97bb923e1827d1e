"""Archive folders as MailStore names them: ``user archive/folder/subfolder``.

A folder exists while it (or a folder below it) holds messages; every user archive exists
while its user does or while it holds messages. So there are never empty folders to delete,
and moving a folder moves the messages filed under it (in every archive store).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from mailkeep.access.browse import folder_counts
from mailkeep.access.permissions import canonical_archive, known_archives
from mailkeep.errors import ConflictError, InvalidInputError, NotFoundError
from mailkeep.runtime import Runtime
from mailkeep.store.archive_store import ArchiveStore

MOVE_BATCH = 500  # messages moved per durable batch


def split_path(path: str) -> tuple[str, str]:
    """(user archive, folder inside it) of a path like ``johndoe/Outlook/Inbox``."""
    parts = [p for p in path.strip().split("/") if p]
    if not parts:
        raise InvalidInputError("A folder path needs at least a user archive name.")
    return parts[0], "/".join(parts[1:])


def _tree(counts: dict[str, int]) -> Counter[str]:
    """{folder: messages directly in it} including folders that only hold subfolders."""
    tree: Counter[str] = Counter()
    for folder, count in counts.items():
        parts = [p for p in folder.split("/") if p]
        for depth in range(1, len(parts)):
            tree["/".join(parts[:depth])] += 0
        if parts:
            tree["/".join(parts)] += count
    return tree


def child_folders(
    runtime: Runtime, path: str | None, max_levels: int | None
) -> list[dict[str, Any]]:
    """The folders below ``path`` (None: the user archives), ``max_levels`` deep (None: all)."""
    if max_levels is not None and max_levels < 1:
        raise InvalidInputError("maxLevels must be 1 or more (or left out for every level).")
    if path and path.strip("/"):
        archive, folder = split_path(path)
        archive = canonical_archive(runtime, archive)
        return _below(archive, folder_counts(runtime.stores, archive), folder, 1, max_levels)
    found: list[dict[str, Any]] = []
    for archive in known_archives(runtime):
        counts = folder_counts(runtime.stores, archive)
        found.append(_folder(archive, archive, 1, counts.get("", 0)))
        if max_levels is None or max_levels > 1:
            below = None if max_levels is None else max_levels - 1
            found.extend(_below(archive, counts, "", 2, below))
    return found


def _below(
    archive: str, counts: dict[str, int], folder: str, first_level: int, max_levels: int | None
) -> list[dict[str, Any]]:
    tree = _tree(counts)
    if folder and folder not in tree:
        raise NotFoundError(f"Unknown folder {archive}/{folder}.")
    prefix = f"{folder}/" if folder else ""
    found = []
    for name in sorted(tree):
        if not name.startswith(prefix) or name == folder:
            continue
        depth = name[len(prefix) :].count("/")
        if max_levels is None or depth < max_levels:
            found.append(
                _folder(
                    f"{archive}/{name}", name.rsplit("/", 1)[-1], first_level + depth, tree[name]
                )
            )
    return found


def _folder(path: str, name: str, level: int, messages: int) -> dict[str, Any]:
    return {"folder": path, "displayName": name, "level": level, "messages": messages}


def move_folder(
    runtime: Runtime, source: str, target: str, progress: Callable[[int], None] | None = None
) -> int:
    """Move (or rename) a folder within its user archive; returns the messages moved.

    The caller holds :func:`mailkeep.ingest.service.store_writes`. Moving into another user
    archive (including renaming a user archive) is refused: an archived message's user archive
    is part of its entry record and does not change in this storage format.
    """
    from_archive, from_folder = split_path(source)
    to_archive, to_folder = split_path(target)
    archive = canonical_archive(runtime, from_archive)
    if to_archive.lower() != archive.lower():
        raise ConflictError(
            "Moving a folder into another user archive, or renaming a user archive, is not "
            "supported: messages stay in the user archive they were archived into."
        )
    if not from_folder or not to_folder:
        raise InvalidInputError("Both folders must be inside the user archive (not the archive).")
    if to_folder == from_folder or to_folder.startswith(from_folder + "/"):
        raise InvalidInputError("A folder cannot be moved into itself.")
    tree = _tree(folder_counts(runtime.stores, archive))
    if from_folder not in tree:
        raise NotFoundError(f"Unknown folder {source!r}.")
    if to_folder in tree:
        raise ConflictError(f"The folder {target!r} already exists.")
    plans = _plan_moves(runtime, archive, from_folder, to_folder)
    moved = 0
    for store, moves in plans:
        for start in range(0, len(moves), MOVE_BATCH):
            store.move_many(moves[start : start + MOVE_BATCH])
            moved += len(moves[start : start + MOVE_BATCH])
            if progress is not None:
                progress(moved)
        store.flush_index()
    return moved


def _plan_moves(
    runtime: Runtime, archive: str, source: str, target: str
) -> list[tuple[ArchiveStore, list[tuple[int, str]]]]:
    """[(store, [(entry id, new folder)])], checking every store may change first."""
    plans = []
    for store in runtime.stores.open_stores():
        moves = [
            (e.id, target + e.folder[len(source) :])
            for e in store.iter_entries()
            if e.archive == archive and (e.folder == source or e.folder.startswith(source + "/"))
        ]
        if moves:
            store.require_content_writes()
            plans.append((store, moves))
    return plans


def empty_folders(runtime: Runtime, path: str | None) -> list[str]:
    """Folders below ``path`` without messages: none can exist (see the module docstring);
    an unknown ``path`` is an error rather than a silent success."""
    if path and path.strip("/"):
        archive, folder = split_path(path)
        archive = canonical_archive(runtime, archive)
        if folder and folder not in _tree(folder_counts(runtime.stores, archive)):
            raise NotFoundError(f"Unknown folder {path!r}.")
    return []
