"""The dashboard's words and chart geometry, with the values a real page would give them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailkeep.access.statistics import Growth, YearGrowth
from mailkeep.access.web.dashboard_view import (
    NARROW_WIDTH,
    duration,
    event_view,
    failure_reason,
    growth_chart,
    when,
)
from mailkeep.audit.log import AuditRecord
from mailkeep.jobs.progress import JobProgress
from mailkeep.jobs.results import JobOutcome

NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "words"),
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59), "59 minutes ago"),
        (timedelta(hours=2, minutes=5), "2 hours ago"),
        (timedelta(hours=9), "today at 09:00"),
        (timedelta(hours=20), "yesterday at 22:00"),
        (timedelta(days=40), "25 Oct 2026 at 18:00"),
    ],
)
def test_when_in_words(ago: timedelta, words: str) -> None:
    assert when(NOW - ago, NOW) == words


def test_when_takes_naive_times_as_utc_and_none_as_never() -> None:
    assert when(datetime(2026, 12, 4, 17, 30), NOW) == "30 minutes ago"
    assert when(None, NOW) == "never"


def test_duration_in_words() -> None:
    assert [duration(s) for s in (None, 12, 90, 3 * 3600)] == [
        "unknown", "less than a minute", "about 2 minutes", "about 3 hours"
    ]  # fmt: skip


def _growth(*counts: int) -> Growth:
    years, cumulative = [], 0
    for offset, count in enumerate(counts):
        cumulative += count * 1000
        years.append(YearGrowth(2020 + offset, count, count * 1000, cumulative))
    return Growth(years, undated=2, implausible=1)


def test_chart_bars_scale_to_the_busiest_year_and_the_line_climbs() -> None:
    chart = growth_chart(_growth(10, 40, 0, 20))
    assert chart is not None
    heights = [bar.height for bar in chart.bars]
    assert heights[1] == max(heights) and heights[2] == 0 and heights[0] == heights[1] / 4
    ys = [float(point.split(",")[1]) for point in chart.line.split()]
    assert ys == sorted(ys, reverse=True)  # cumulative size never falls (SVG y grows down)
    assert [t.label for t in chart.message_ticks] == ["0", "20", "40"]
    assert chart.size_ticks[-1].label == "68.4 KB"
    assert (
        "From 2020 to 2023: 70 messages" in chart.summary
        and "busiest year was 2021" in chart.summary
    )
    assert "2021: 40 messages" in chart.bars[1].tip


def test_year_labels_thin_out_on_long_ranges_and_narrow_charts() -> None:
    growth = _growth(*range(1, 31))  # 30 years
    wide, narrow = growth_chart(growth), growth_chart(growth, NARROW_WIDTH)
    assert wide is not None and narrow is not None
    for chart in (wide, narrow):
        labels = [b.label for b in chart.bars if b.label]
        assert labels[0] == "2020" and labels[-1] == "2049"
    assert len([b for b in narrow.bars if b.label]) < len([b for b in wide.bars if b.label]) <= 13
    assert growth_chart(Growth([], 3, 0)) is None


def _record(name: str, target: str, actor: str = "admin", **detail: object) -> AuditRecord:
    return AuditRecord(1, NOW, name, actor, "10.0.0.5", target, dict(detail))


def test_events_link_to_what_still_exists() -> None:
    users, stores = {"admin", "carol"}, {"1": "Archive"}
    created = event_view(_record("user.created", "carol"), users, stores)
    assert (created.what, created.target.href) == ("A user was created", "/admin/users/carol")
    assert created.actor.href == "/admin/users/admin" and created.address == "10.0.0.5"
    gone = event_view(_record("user.deleted", "dave", actor="cli"), users, stores)
    assert (gone.target.text, gone.target.href, gone.actor.href) == ("dave", "", "")
    verified = event_view(_record("store.verified", "1", ok=False, problems=2), users, stores)
    assert verified.target.href == "/admin/stores#store-1"
    assert verified.detail == "2 problems found"
    clean = event_view(_record("store.verified", "1", ok=True, problems=0), users, stores)
    assert clean.detail == "no problems found"
    run = event_view(_record("profile.run", "a b/c"), users, stores)
    assert run.target.href == "/profiles/a%20b%2Fc"
    login = event_view(_record("login.succeeded", "", channel="web"), users, stores)
    assert login.what == "A user logged on" and login.detail == "channel web"


def test_failure_reason_is_the_first_error() -> None:
    protocol = [
        {"level": "info", "message": "connected"},
        {"level": "error", "message": "Cannot connect to 10.0.0.9:993"},
        {"level": "error", "message": "stopped"},
    ]
    outcome = JobOutcome("failed", protocol=protocol)
    assert failure_reason(outcome) == "Cannot connect to 10.0.0.9:993 (and 1 more error)"
    assert failure_reason(JobOutcome("completedWithErrors", failed=3)) == "3 messages not archived"


def test_job_progress_rate_and_eta_follow_the_counters() -> None:
    progress = JobProgress("nightly", total=400)
    assert progress.snapshot().share == 0 and progress.snapshot().eta_seconds is None
    progress.update(100, 100)
    snap = progress.snapshot()
    assert (snap.seen, snap.share) == (100, 0.25)
    assert snap.eta_seconds == pytest.approx(snap.elapsed_seconds * 3)
    by_bytes = JobProgress("mbox", total=1000, unit="bytes")
    by_bytes.update(7, 500)
    assert (by_bytes.snapshot().seen, by_bytes.snapshot().share) == (7, 0.5)
    assert JobProgress("imap").snapshot().eta_seconds is None  # no estimate: no ETA


def test_job_over_many_mailboxes_measures_by_mailboxes_finished() -> None:
    reading = [0]
    progress = JobProgress("all-staff")
    progress.follow_mailboxes(4, lambda: reading[0])
    assert progress.snapshot().share == 0  # before the first mailbox
    reading[0] = 1
    progress.update(30, 30)
    assert progress.snapshot().share == 0 and progress.snapshot().eta_seconds is None
    reading[0] = 3  # two finished
    snap = progress.snapshot()
    assert (snap.mailbox, snap.mailboxes, snap.share) == (3, 4, 0.5)
    assert snap.eta_seconds == pytest.approx(snap.elapsed_seconds)


def test_a_background_task_shows_its_share_and_time_left() -> None:
    import time

    from mailkeep.access.web.pages.dashboard import _task_work
    from mailkeep.access.web.tasks import Task

    task = Task("t1", "Archiving export.mbox into alice", 3, done=50, total=200)
    task.started_at = time.monotonic() - 600  # ten minutes in, a quarter done
    work = _task_work(task)
    assert (work.title, work.done, work.share) == (
        "Archiving export.mbox into alice",
        "50 of 200",
        0.25,
    )
    assert work.eta == "about 30 minutes" and work.started == "10 minutes ago"
    unknown = _task_work(Task("t2", "verify store 1", 0, done=7))
    assert (unknown.done, unknown.share, unknown.eta) == ("7 done", None, "unknown")
