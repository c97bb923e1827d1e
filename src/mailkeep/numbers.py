"""Numbers and ids as clients send them, parsed one way by every route and the API.

``str.isdigit()`` accepts superscripts and other scripts' digits that ``int()`` refuses (``²``),
and ``int()`` accepts what no client means (``" 1_0 "``, ``"١٢"``) and spends quadratic time on
thousands of digits before refusing them. Here a number is ASCII digits (with an optional
minus sign where allowed), at most 18 of them, within the caller's range.
"""

from __future__ import annotations

import re

from mailkeep.errors import InvalidInputError, NotFoundError

MAX_DIGITS = 18  # every such number fits a signed 64-bit column
_DIGITS = f"[0-9]{{1,{MAX_DIGITS}}}"
_NUMBER = re.compile(f"-?{_DIGITS}")
_MESSAGE_ID = re.compile(f"({_DIGITS})-({_DIGITS})")


def number_or_none(text: str, minimum: int = 0, maximum: int = 10**MAX_DIGITS - 1) -> int | None:
    """The integer ``text`` spells within [minimum, maximum], else None."""
    if _NUMBER.fullmatch(text) is None:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def parse_number(text: str, what: str, minimum: int = 0, maximum: int = 10**MAX_DIGITS - 1) -> int:
    """The integer ``text`` spells, or InvalidInputError (HTTP 400) naming ``what``."""
    value = number_or_none(text, minimum, maximum)
    if value is None:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise InvalidInputError(
            f"{what} must be a whole number from {minimum} to {maximum}, not {shown!r}."
        )
    return value


def message_id(text: str) -> tuple[int, int]:
    """(store id, entry id) of a message id ``STORE-ENTRY``, or NotFoundError (HTTP 404)."""
    found = _MESSAGE_ID.fullmatch(text)
    if found is None:
        raise NotFoundError("No such message.")
    return int(found[1]), int(found[2])


def path_number(text: str, what: str) -> int:
    """A non-negative number in a URL path, or NotFoundError: no such resource (HTTP 404)."""
    value = number_or_none(text)
    if value is None:
        raise NotFoundError(f"No such {what}.")
    return value
