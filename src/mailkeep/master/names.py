"""How user and archive names compare: one normalisation used by every lookup.

SQL ``lower()`` folds only ASCII on SQLite and depends on the locale on PostgreSQL, while
Python's ``str.lower()`` folds everything, so comparing the two found the wrong user or none
for names such as ``Élise``. Names are compared by their *key* instead, computed here in Python
and stored next to the name (``users.name_key``, unique), so the database compares plain strings.
"""

from __future__ import annotations

import unicodedata


def display_name(name: str) -> str:
    """The spelling kept for a name: NFC, so that a decomposed ``E`` + combining accent typed on
    one system and the precomposed ``É`` typed on another are stored alike."""
    return unicodedata.normalize("NFC", name)


def name_key(name: str) -> str:
    """The comparison form of a user or archive name: NFC, Unicode case folding, NFC again
    (folding can decompose, e.g. ``ǰ``), so ``Élise``, ``élise`` and ``ÉLISE`` share a key."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def same_name(a: str, b: str) -> bool:
    """True when two user or archive names are the same name."""
    return name_key(a) == name_key(b)
