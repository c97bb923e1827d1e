"""Time zones as API arguments name them: an IANA name, or ``$Local`` for the server's own."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, tzinfo

from mailkeep.errors import InvalidInputError

LOCAL = "$Local"


def local_zone_name() -> str:
    """The server's local time zone as a short name."""
    return datetime.now().astimezone().tzname() or "local"


def zone(name: str | None) -> tzinfo:
    """The time zone called ``name`` (``$Local`` or empty: the server's)."""
    if not name or name.lower() == LOCAL.lower():
        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(
            f"Unknown time zone {name!r}; GetTimeZones lists the known ones."
        ) from exc


def in_zone(value: datetime, name: str | None) -> datetime:
    """A wall-clock time given in zone ``name`` as an aware datetime (aware ones unchanged)."""
    return value if value.tzinfo else value.replace(tzinfo=zone(name))
