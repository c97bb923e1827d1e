"""When a profile runs by itself: every N minutes, daily at, weekly on, or a cron expression.

Text forms (times are UTC): ``every:15`` (minutes), ``daily:02:30``, ``weekly:mon,thu:18:00``,
``cron:*/10 8-18 * * 1-5``. An empty schedule means the profile runs only when asked to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter

from mailkeep.errors import InvalidInputError
from mailkeep.numbers import number_or_none

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
HELP = "every:MINUTES, daily:HH:MM, weekly:DAY[,DAY...]:HH:MM or cron:EXPRESSION (UTC)"


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; ``minutes`` for interval schedules, else a cron expression."""

    text: str
    minutes: int = 0
    cron: str = ""

    def next_after(self, moment: datetime) -> datetime:
        """The first run time strictly after ``moment`` (UTC)."""
        moment = moment.astimezone(UTC)
        if self.minutes:
            return moment + timedelta(minutes=self.minutes)
        upcoming = croniter(self.cron, moment).get_next(datetime)
        assert isinstance(upcoming, datetime)
        return upcoming.astimezone(UTC)


def _clock(text: str) -> tuple[int, int]:
    match = _TIME.match(text)
    if not match:
        raise InvalidInputError(f"Invalid time {text!r}: use HH:MM (24-hour, UTC).")
    return int(match.group(1)), int(match.group(2))


def parse_schedule(text: str) -> Schedule | None:
    """A schedule from its text form; None for ""; InvalidInputError explains the forms."""
    text = text.strip()
    if not text:
        return None
    kind, _, rest = text.partition(":")
    every = number_or_none(rest, minimum=1) if kind == "every" else None
    if every is not None:
        return Schedule(text, minutes=every)
    if kind == "daily":
        hour, minute = _clock(rest)
        return Schedule(text, cron=f"{minute} {hour} * * *")
    if kind == "weekly":
        days, _, clock = rest.partition(":")
        numbers = [str(_DAYS.index(d)) for d in days.lower().split(",") if d in _DAYS]
        if not numbers or len(numbers) != len(days.split(",")):
            raise InvalidInputError(f"Invalid days {days!r}: use {','.join(_DAYS)}.")
        hour, minute = _clock(clock)
        return Schedule(text, cron=f"{minute} {hour} * * {','.join(numbers)}")
    if kind == "cron" and croniter.is_valid(rest.strip()):
        return Schedule(text, cron=rest.strip())
    raise InvalidInputError(f"Invalid schedule {text!r}: use {HELP}.")
