"""Text from mail shown so that it reads as what it is.

Bidirectional controls and invisible characters let a sender make a name read as something
else: ``invoice\\u202efdp.exe`` shows as ``invoiceexe.pdf``. Names, subjects, addresses and
file names therefore show each such character as a visible marker, ``⟨U+202E⟩``: format
characters (bidi embeddings, overrides, isolates and marks, zero-width spaces and joiners, the
BOM, tag characters), line and paragraph separators, and control characters.
"""

from __future__ import annotations

import unicodedata

_HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp"})


def _shown(char: str) -> str:
    if char != "\t" and unicodedata.category(char) in _HIDDEN_CATEGORIES:
        return f"⟨U+{ord(char):04X}⟩"
    return char


def visible(text: object) -> str:
    """``text`` with every invisible or direction-changing character shown as ``⟨U+XXXX⟩``
    (the Jinja filter ``visible``)."""
    shown = str(text)
    if shown.isprintable():  # the usual case, checked in C: nothing hidden
        return shown
    return "".join(map(_shown, shown))
