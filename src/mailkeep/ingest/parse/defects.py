"""Collecting the problems found while parsing one message: ordered, deduplicated, bounded."""

from __future__ import annotations

from collections.abc import Iterable

# Bounds keep a pathological message (thousands of broken parts) from bloating the record.
MAX_DEFECTS = 40
MAX_DEFECT_CHARS = 160


class Defects:
    """An ordered set of short defect strings."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[str, None] = {}

    def add(self, defect: str | None) -> None:
        """Record ``defect`` (ignored when None/empty, a duplicate, or past the cap)."""
        if not defect or len(self._items) >= MAX_DEFECTS:
            return
        if len(defect) > MAX_DEFECT_CHARS:
            defect = defect[: MAX_DEFECT_CHARS - 1] + "…"
        self._items.setdefault(defect, None)

    def add_stdlib(self, found: Iterable[object]) -> None:
        """Record the email package's defect instances by class name."""
        for defect in found:
            self.add(type(defect).__name__)

    def add_exception(self, context: str, exc: BaseException) -> None:
        """Record a caught exception as "context: ExcType: message"."""
        message = str(exc).encode("ascii", "replace").decode("ascii")[:80]
        self.add(f"{context}: {type(exc).__name__}: {message}" if message else context)

    def as_tuple(self) -> tuple[str, ...]:
        """The defects in the order first seen."""
        return tuple(self._items)
