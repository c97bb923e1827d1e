"""Exact comparison of two ``email.message.Message`` trees (for the fast MIME parser's proof)."""

from __future__ import annotations

from email.message import Message
from email.parser import BytesParser
from email.policy import compat32


def stdlib_tree(raw: bytes) -> Message:
    """The tree the stdlib parser builds (what the fast parser must reproduce)."""
    return BytesParser(policy=compat32).parsebytes(raw)


def tree_difference(a: Message, b: Message, where: str = "root") -> str | None:
    """Where and how two trees differ, or None when they are the same in every detail.

    Compares raw header items, unixfrom, preamble, epilogue, default type, defects (by type
    name) and payloads recursively (list vs str, equal strings), reading the payload
    attribute itself because ``get_payload()`` decodes surrogates.
    """
    for label, x, y in (
        ("headers", a.raw_items(), b.raw_items()),
        ("unixfrom", a.get_unixfrom(), b.get_unixfrom()),
        ("preamble", a.preamble, b.preamble),
        ("epilogue", a.epilogue, b.epilogue),
        ("default type", a.get_default_type(), b.get_default_type()),
        ("defects", _defect_names(a), _defect_names(b)),
    ):
        x, y = list(x) if label == "headers" else x, list(y) if label == "headers" else y
        if x != y:
            return f"{where}: {label} {x!r} != {y!r}"
    return _payload_difference(a, b, where)


def _defect_names(msg: Message) -> list[str]:
    return [type(defect).__name__ for defect in msg.defects]


def _payload_difference(a: Message, b: Message, where: str) -> str | None:
    pa, pb = a._payload, b._payload  # type: ignore[attr-defined]
    if isinstance(pa, list) and isinstance(pb, list):
        if len(pa) != len(pb):
            return f"{where}: {len(pa)} parts != {len(pb)} parts"
        for index, (x, y) in enumerate(zip(pa, pb, strict=True)):
            found = tree_difference(x, y, f"{where}/{index}")
            if found:
                return found
        return None
    if type(pa) is not type(pb) or pa != pb:
        return f"{where}: payload {pa!r:.200} != {pb!r:.200}"
    return None
