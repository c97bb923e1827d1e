"""Folder trees and the queries that list one folder, built from the catalog's folder counts."""

from __future__ import annotations

from dataclasses import dataclass, field

# Matches every message (raw messages are never empty); the query language has no "all" word.
ALL_MESSAGES = "larger:0"


@dataclass
class FolderNode:
    """A folder with its own message count and the total including subfolders."""

    name: str
    path: str
    count: int = 0
    children: dict[str, FolderNode] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.count + sum(c.total for c in self.children.values())

    def sorted_children(self) -> list[FolderNode]:
        return sorted(self.children.values(), key=lambda n: (n.name.lower() != "inbox", n.name))


def folder_tree(counts: dict[str, int]) -> FolderNode:
    """The tree of ``{folder path: messages}``; "" is the archive's root."""
    root = FolderNode("", "")
    for path, count in counts.items():
        node = root
        for part in [p for p in path.split("/") if p]:
            child_path = f"{node.path}/{part}" if node.path else part
            node = node.children.setdefault(part, FolderNode(part, child_path))
        node.count += count
    return root


def _quote(value: str) -> str:
    return '"' + value.replace('"', " ") + '"'


def folder_query(tree: FolderNode, path: str) -> str:
    """A query matching exactly the messages in ``path`` (not its subfolders); the archive
    root ("") lists every message of the archive."""
    if not path:
        return ALL_MESSAGES
    node: FolderNode | None = tree
    for part in [p for p in path.split("/") if p]:
        node = node.children.get(part) if node else None
    children = node.sorted_children() if node else []
    exclusions = " ".join(f"-folder:{_quote(child.path)}" for child in children)
    return f"folder:{_quote(path)} {exclusions}".strip()
