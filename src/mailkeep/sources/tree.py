"""Which entries of a folder tree a file import reads, and an account of those it passes over.

An import reads the regular files inside the folder it was given, nothing else: a symbolic link
(``x.eml -> /etc/shadow``, ``-> /proc/self/environ``) would otherwise archive whatever it points
at. Links are skipped unless the import asks to follow them, and even then only those whose
target resolves inside the root are followed. Every entry passed over is counted, by reason,
with its first few names, so an import can say what it left out and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SKIP_LINK = "symlink"  # a symbolic link, not followed
SKIP_OUTSIDE = "link-outside"  # a link whose target lies outside the root (or is missing)
SKIP_LOOP = "link-loop"  # a link to a folder that contains it
SKIP_EXTENSION = "extension"  # a file whose name has none of the import's extensions
EXAMPLES = 10  # names kept per reason: enough to recognise them, bounded however many there are


@dataclass
class SkippedFiles:
    """Entries passed over on purpose: how many per reason, and the first few names of each."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, name: str) -> None:
        """Count ``name`` (a ``/``-separated path relative to the import's root) as skipped."""
        self.counts[reason] = self.counts.get(reason, 0) + 1
        names = self.examples.setdefault(reason, [])
        if len(names) < EXAMPLES:
            names.append(name)

    @property
    def total(self) -> int:
        """Entries skipped for any reason."""
        return sum(self.counts.values())

    def as_list(self) -> list[dict[str, Any]]:
        """One ``{"reason", "count", "examples"}`` per reason, in the order first met."""
        return [
            {"reason": reason, "count": count, "examples": self.examples[reason]}
            for reason, count in self.counts.items()
        ]


class LinkPolicy:
    """What a walk below ``root`` does with a symbolic link: skip it (the default), or with
    ``follow`` use its target when that resolves inside ``root``.

    ``skipped`` hears of each link passed over, named ``prefix`` + its path relative to
    ``root``; None walks without reporting (counting runs).
    """

    def __init__(
        self, root: Path, follow: bool, skipped: SkippedFiles | None, prefix: str = ""
    ) -> None:
        self.follow = follow
        self.skipped = skipped
        self.prefix = prefix
        self._root = root.resolve()

    def admit(self, path: Path, rel_path: str) -> Path | None:
        """The path to read for the link ``path`` (its resolved target), or None to skip it."""
        if not self.follow:
            self._skip(SKIP_LINK, rel_path)
            return None
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # dangling, or a loop of links
            target = None
        if target is None or not target.is_relative_to(self._root):
            self._skip(SKIP_OUTSIDE, rel_path)
            return None
        return target

    def skip_loop(self, rel_path: str) -> None:
        """Report a followed link to a folder that contains it (walking it would never end)."""
        self._skip(SKIP_LOOP, rel_path)

    def _skip(self, reason: str, rel_path: str) -> None:
        if self.skipped is not None:
            self.skipped.add(reason, self.prefix + rel_path)


def directory_key(path: Path) -> tuple[int, int]:
    """Identifies a directory however it is reached (device, inode), to notice loops."""
    info = path.stat()
    return info.st_dev, info.st_ino
