"""Time zones as API clients name them: IANA names, Windows IDs (the CLDR mapping), $Local."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailkeep.access.api.timezones import iana_name, shown_in, windows_zones, zone
from mailkeep.errors import InvalidInputError


@pytest.mark.parametrize(
    ("given", "iana"),
    [
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("w. europe standard time", "Europe/Berlin"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("Tokyo Standard Time", "Asia/Tokyo"),
        ("Europe/Paris", "Europe/Paris"),
        (" UTC\r\n", "Etc/UTC"),  # "UTC" is also a Windows ID
    ],
)
def test_windows_ids_map_to_iana_zones(given: str, iana: str) -> None:
    assert iana_name(given) == iana


def test_every_windows_id_of_cldr_is_offered_and_resolves() -> None:
    offered = windows_zones()
    assert len(offered) > 130  # CLDR lists about 140: the table is not a hand-typed few
    for windows, _iana in offered:
        zone(windows)


def test_times_are_shown_in_the_asked_zone_with_their_offset() -> None:
    winter = datetime(2020, 1, 15, 12, 0)  # stored without a zone: UTC (SQLite)
    assert shown_in(winter, "W. Europe Standard Time") == "2020-01-15T13:00:00+01:00"
    assert shown_in(winter.replace(tzinfo=UTC), "UTC") == "2020-01-15T12:00:00+00:00"
    assert shown_in(None, "UTC") is None
    assert zone("$Local") == zone("") == zone(None)


def test_an_unknown_zone_names_the_command_that_lists_them() -> None:
    with pytest.raises(InvalidInputError, match="GetTimeZones lists"):
        zone("Mars Standard Time")
