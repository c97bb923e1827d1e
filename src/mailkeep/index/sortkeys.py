"""The texts a message list is sorted by: the sender as people read it and the subject without
reply and forward prefixes, case-folded, so that "Re: Budget" sorts next to "budget".

Stored in the index as fast fields (``sender_sort``, ``subject_sort``): tantivy orders the hits
of any query by them without loading a document.
"""

from __future__ import annotations

import re
import unicodedata
from email.utils import getaddresses

# Long enough to tell real senders and subjects apart; bounded so hostile headers cannot bloat
# the fast-field dictionary.
KEY_LIMIT = 120

# Reply and forward prefixes in the languages most mail clients write (Re, Fwd, AW, WG, SV,
# VS, RE, TR, Antw, Doorst, Odp, PD), possibly counted ("Re[2]:") and repeated.
_PREFIX = re.compile(
    r"^(?:\s*(?:re|fwd?|aw|wg|sv|vs|tr|antw|doorst|odp|pd)(?:\s*\[\d+\])?\s*:)+\s*",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", folded).strip()[:KEY_LIMIT]


def sender_key(sender: str) -> str:
    """The sort text of a From field: the first sender's display name, else their address."""
    pairs = getaddresses([sender]) if sender else []
    name, address = pairs[0] if pairs else ("", "")
    chosen = (name or address or sender).strip().strip("\"'<>")
    return _key(chosen)


def subject_key(subject: str) -> str:
    """The sort text of a subject: without leading reply and forward prefixes."""
    return _key(_PREFIX.sub("", subject))
