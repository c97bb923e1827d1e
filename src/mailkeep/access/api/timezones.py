"""Time zones as API arguments name them: an IANA name, a Windows time-zone ID (what MailStore
Server, a Windows service, lists and what real monitoring checks hard-code, e.g. ``W. Europe
Standard Time``), or ``$Local`` for the server's own.

Windows IDs are mapped to IANA zones with the Unicode CLDR ``windowsZones`` table as the
``tzlocal`` package ships it (generated from CLDR, updated with each CLDR release), never a
hand-typed table.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, datetime, tzinfo

from tzlocal.windows_tz import win_tz

from mailkeep.errors import InvalidInputError

LOCAL = "$Local"


def local_zone_name() -> str:
    """The server's local time zone as a short name."""
    return datetime.now().astimezone().tzname() or "local"


@functools.cache
def _windows_ids() -> dict[str, tuple[str, str]]:
    """Windows ID (lower-case) → (the ID as Windows spells it, its IANA zone)."""
    return {windows.lower(): (windows, iana) for windows, iana in win_tz.items()}


def windows_zones() -> list[tuple[str, str]]:
    """Every Windows time-zone ID with the IANA zone CLDR maps it to, by ID."""
    return sorted(_windows_ids().values())


def iana_name(name: str) -> str:
    """The IANA name for ``name``: a Windows ID is mapped, anything else is returned as it is."""
    found = _windows_ids().get(name.strip().lower())
    return found[1] if found else name.strip()


def zone(name: str | None) -> tzinfo:
    """The time zone called ``name`` (``$Local`` or empty: the server's)."""
    if not name or not name.strip() or name.strip().lower() == LOCAL.lower():
        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local
    try:
        return zoneinfo.ZoneInfo(iana_name(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(
            f"Unknown time zone {name!r}; GetTimeZones lists the known ones."
        ) from exc


def in_zone(value: datetime, name: str | None) -> datetime:
    """A wall-clock time given in zone ``name`` as an aware datetime (aware ones unchanged)."""
    return value if value.tzinfo else value.replace(tzinfo=zone(name))


def shown_in(value: datetime | None, name: str | None) -> str | None:
    """A stored moment as ISO 8601 text in zone ``name``, with its offset (stored times
    without a zone are UTC: SQLite drops it)."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(zone(name)).isoformat()
