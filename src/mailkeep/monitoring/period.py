"""The check period of ``check_mailkeep``: ``--start since:90M`` or ``--start``/``--end``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_SINCE = re.compile(r"^since:\s*(\d+)\s*([YmdHMS])$")
_UNITS = {"d": "days", "H": "hours", "M": "minutes", "S": "seconds"}
FORMAT = "%Y-%m-%dT%H:%M:%S"


class PeriodError(ValueError):
    """The period options are malformed (the message says how)."""


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clamped to month ends)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


def period(start: str, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """(start, end) of the check; ``now`` is used for ``since:`` periods."""
    found = _SINCE.match(start.strip())
    if found:
        amount, unit = int(found.group(1)), found.group(2)
        # Times go over the wire in whole seconds: end at the next second so that what
        # happened within the current one is counted too.
        end_at = now.replace(microsecond=0) + timedelta(seconds=1)
        if unit in ("Y", "m"):
            return months_before(now, amount * (12 if unit == "Y" else 1)), end_at
        return now - timedelta(**{_UNITS[unit]: amount}), end_at
    if end is None:
        raise PeriodError("--end is needed unless --start is given as since:NX.")
    try:
        return datetime.strptime(start, FORMAT), datetime.strptime(end, FORMAT)
    except ValueError as exc:
        raise PeriodError(
            "Times must look like 2013-01-01T00:00:00, or --start like since:90M."
        ) from exc
