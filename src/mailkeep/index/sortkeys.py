"""What a message list is sorted by: the sender as people read it and the subject without reply
and forward prefixes, case-folded, so that "Re: Budget" sorts next to "budget".

The index stores each as a number (``sort_number``) in a fast field (``sender_sort``,
``subject_sort``): tantivy orders hits by a number as fast as by date, while ordering by a text
fast field cost 50 times more (measured: 230 ms against 4 ms a page at 50,000 messages). The
number encodes the first ``SORT_CHARS`` characters in collation order, so the order is exact up
to that prefix; entries that share it keep one stable order across pages.
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

SORT_CHARS = 9  # 9 symbols of 7 bits fill 63 bits of an unsigned fast field
_BITS = 7
_DIGITS, _LATIN, _CYRILLIC, _OTHER = 2, 12, 38, 71  # first symbol of each range; 1: separator


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


def _symbol(char: str) -> int:
    """The 7-bit collation symbol of one case-folded character without accents."""
    code = ord(char)
    if "0" <= char <= "9":
        return _DIGITS + code - ord("0")
    if "a" <= char <= "z":
        return _LATIN + code - ord("a")
    if "\u0430" <= char <= "\u044f":  # а-я; ё (U+0451) right after я, as in code point order
        return _CYRILLIC + code - 0x430
    if char == "\u0451":
        return _CYRILLIC + 32
    if char.isalnum():  # other scripts sort after these, by blocks of 2,048 code points
        return min(_OTHER + (code >> 11), (1 << _BITS) - 1)
    return 1  # spaces and punctuation sort before every letter and digit


def sort_number(key: str) -> int:
    """A sort text (``sender_key``/``subject_key``) as an unsigned number in the same order for
    its first ``SORT_CHARS`` characters (a shorter text sorts first, as "ab" before "abc")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))
    number = 0
    symbols = [_symbol(c) for c in plain[:SORT_CHARS]]
    for index in range(SORT_CHARS):
        number = (number << _BITS) | (symbols[index] if index < len(symbols) else 0)
    return number
