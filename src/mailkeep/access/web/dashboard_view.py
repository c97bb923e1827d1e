"""What the dashboard's template draws: the growth chart's geometry, audit events in words
with links to what they concern, times in words, why a job failed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from mailkeep.access.statistics import Growth
from mailkeep.access.web.context import human_size
from mailkeep.audit.events import EVENTS
from mailkeep.audit.log import AuditRecord
from mailkeep.jobs.results import JobOutcome

# Chart canvas (SVG user units); the page scales it to its width. Phones get a narrower
# canvas (same height) so that its 12-unit text stays readable when scaled down.
WIDTH, NARROW_WIDTH, HEIGHT = 640, 360, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 64, 16, 30


@dataclass(frozen=True)
class Bar:
    """One year of the growth chart."""

    year: int
    label: str  # the year, or "" where labels would crowd
    x: float
    y: float
    width: float
    height: float
    tip: str


@dataclass(frozen=True)
class Tick:
    """A value on one of the chart's vertical axes."""

    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Bars of messages per year, and a line of the cumulative size."""

    bars: list[Bar]
    line: str  # SVG polyline points
    message_ticks: list[Tick]
    size_ticks: list[Tick]
    summary: str
    width: int
    height: int = HEIGHT
    plot_left: int = LEFT
    label_y: int = HEIGHT - 10

    @property
    def plot_right(self) -> int:
        """Where the plot ends and the size axis' labels begin."""
        return self.width - RIGHT


def growth_chart(growth: Growth, width: int = WIDTH) -> Chart | None:
    """The geometry of the growth chart ``width`` units wide; None when no message has a
    usable date."""
    if not growth.years:
        return None
    plot_w, plot_h = width - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_h
    band = plot_w / len(growth.years)
    peak = max(y.messages for y in growth.years) or 1
    total = growth.years[-1].cumulative_bytes or 1
    step = math.ceil(len(growth.years) / (plot_w // 42))  # a year label needs ~42 units
    bars, points = [], []
    for i, year in enumerate(growth.years):
        height = plot_h * year.messages / peak
        x = LEFT + i * band
        shown = i % step == 0 or i == len(growth.years) - 1
        tip = f"{year.year}: {year.messages:,} messages, {human_size(year.bytes)}"
        bars.append(
            Bar(year.year, str(year.year) if shown else "", round(x + band * 0.15, 1),
                round(base - height, 1), round(band * 0.7, 1), round(height, 1), tip)
        )  # fmt: skip
        cumulative_y = base - plot_h * year.cumulative_bytes / total
        points.append(f"{x + band / 2:.1f},{cumulative_y:.1f}")
    ticks = [0.0, 0.5, 1.0]
    return Chart(
        bars,
        " ".join(points),
        [Tick(round(base - plot_h * t, 1), f"{round(peak * t):,}") for t in ticks],
        [Tick(round(base - plot_h * t, 1), human_size(round(total * t))) for t in ticks],
        _summary(growth),
        width,
    )


def _summary(growth: Growth) -> str:
    first, last = growth.years[0], growth.years[-1]
    busiest = max(growth.years, key=lambda y: y.messages)
    return (
        f"From {first.year} to {last.year}: {growth.dated:,} messages by their date, "
        f"{human_size(last.cumulative_bytes)} in all; the busiest year was {busiest.year} "
        f"with {busiest.messages:,} messages."
    )


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """A past time as people say it: "just now", "5 minutes ago", "yesterday at 14:03"."""
    if moment is None:
        return "never"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return _plural(int(seconds // 60), "minute") + " ago"
    if seconds < 6 * 3600:
        return _plural(int(seconds // 3600), "hour") + " ago"
    days = (now.date() - moment.date()).days
    clock = moment.strftime("%H:%M")
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"yesterday at {clock}"
    return f"{moment.day} {moment.strftime('%b %Y')} at {clock}"


def duration(seconds: float | None) -> str:
    """A time span in words: "about 3 minutes"; "unknown" when None."""
    if seconds is None:
        return "unknown"
    if seconds < 60:
        return "less than a minute"
    if seconds < 3600:
        return "about " + _plural(round(seconds / 60), "minute")
    return "about " + _plural(round(seconds / 3600), "hour")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


@dataclass(frozen=True)
class Link:
    """Text, and where it leads (empty: plain text)."""

    text: str
    href: str = ""


@dataclass(frozen=True)
class EventView:
    """One audit event as the dashboard lists it."""

    at: datetime
    when: str
    actor: Link
    address: str
    what: str
    target: Link
    detail: str


def event_view(record: AuditRecord, users: set[str], stores: dict[str, str]) -> EventView:
    """``record`` in words, linked to the user, store or profile it concerns when that still
    exists (``users``: user names; ``stores``: {id: name})."""
    description = EVENTS.get(record.name, record.name).split(" (")[0].rstrip(".")
    actor = Link(record.actor, _user_href(record.actor, users))
    return EventView(
        record.at,
        when(record.at),
        actor,
        record.address,
        description,
        _target(record, users, stores),
        _detail(record),
    )


def _user_href(name: str, users: set[str]) -> str:
    return f"/admin/users/{quote(name, safe='')}" if name in users else ""


def _target(record: AuditRecord, users: set[str], stores: dict[str, str]) -> Link:
    area, target = record.name.split(".")[0], record.target
    if area in ("user", "archive") and target:
        return Link(target, _user_href(target, users))
    if area == "store" and target in stores:
        return Link(f"store {target} ({stores[target]})", f"/admin/stores#store-{target}")
    if area == "profile" and target:
        return Link(target, f"/profiles/{quote(target, safe='')}")
    if area == "messages" and target:
        return Link(target, f"/search?archive={quote(target, safe='')}")
    if area == "directory":
        return Link("directory services", "/admin/directory")
    return Link(target)


_DETAIL_KEYS = (
    "ok",
    "problems",
    "reason",
    "state",
    "name",
    "new_name",
    "messages",
    "file",
    "channel",
)


def _detail(record: AuditRecord) -> str:
    parts = []
    for key in _DETAIL_KEYS:
        if key not in record.detail:
            continue
        value = record.detail[key]
        if key == "ok":
            problems = record.detail.get("problems")
            found = f"{problems} problems found" if problems else "problems found"
            parts.append("no problems found" if value else found)
        elif key == "problems":
            continue  # said with "ok"
        else:
            parts.append(f"{key.replace('_', ' ')} {value}")
    return "; ".join(parts)[:200]


def failure_reason(outcome: JobOutcome) -> str:
    """Why a job failed: its first error, and how many more there were."""
    errors = [e.get("message", "") for e in outcome.protocol or [] if e.get("level") == "error"]
    if not errors:
        return f"{outcome.failed:,} messages not archived" if outcome.failed else outcome.status
    more = f" (and {_plural(len(errors) - 1, 'more error')})" if len(errors) > 1 else ""
    return f"{errors[0][:300]}{more}"
