"""Runs profiles on their schedules; hosted by the long-running ``mailkeep serve`` process.

The next run time of every scheduled profile is kept in the master database and is moved on
*before* a run starts, so a restart (or a crash mid-run) never runs the same slot twice. Slots
missed while mailkeep was down are run once at start, not once per missed slot. Runs that were
in progress when the process stopped are recorded as failed ("interrupted") at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from mailkeep.jobs.profiles import ProfileInfo
from mailkeep.jobs.runner import JobRunner
from mailkeep.jobs.schedule import parse_schedule

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite returns stored UTC times without their zone.
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


class Scheduler:
    """Start with ``await start()``, stop with ``await stop()``; ``tick()`` does one pass."""

    def __init__(self, runner: JobRunner, clock: Clock = _utc_now, poll_seconds: float = 30.0):
        self.runner = runner
        self._clock = clock
        self._poll = poll_seconds
        self._loop_task: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[object]] = set()
        self._directory_due: datetime | None = None
        self._directory_text = ""

    async def start(self) -> None:
        """Record interrupted runs, then check schedules every ``poll_seconds``."""
        if self._loop_task is not None:
            return
        interrupted = await asyncio.to_thread(self.runner.results.mark_interrupted)
        if interrupted:
            log.warning("%d job(s) were interrupted by the last stop", interrupted)
        self._loop_task = asyncio.create_task(self._loop(), name="mailkeep-scheduler")

    async def stop(self, cancel_running: bool = True) -> None:
        """Stop scheduling; cancel running jobs (they end as ``cancelled``) and wait for them."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        if cancel_running:
            for name in self.runner.running():
                self.runner.cancel(name)
        if self._jobs:
            await asyncio.gather(*self._jobs, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # one bad pass must not end scheduling for good
                log.exception("scheduler pass failed")
            await asyncio.sleep(self._poll)

    async def tick(self) -> list[str]:
        """Start every profile that is due now (and the directory sync, when it is due);
        returns the names of what was started."""
        now = self._clock()
        started = await self._directory_sync_if_due(now)
        profiles = await asyncio.to_thread(self.runner.profiles.list)
        running = {n.lower() for n in self.runner.running()}
        for profile in profiles:
            if profile.name.lower() in running:
                continue
            if not await asyncio.to_thread(self._claim, profile, now):
                continue
            task = asyncio.create_task(asyncio.to_thread(self._run, profile.name))
            self._jobs.add(task)
            task.add_done_callback(self._jobs.discard)
            started.append(profile.name)
        return started

    async def _directory_sync_if_due(self, now: datetime) -> list[str]:
        """Run the directory sync on ``directory.sync_schedule``. Its next time lives in this
        process: after a restart the next slot counts from the restart (a sync is idempotent,
        so a slot missed while down simply comes at the next one)."""
        text = await asyncio.to_thread(self.runner.runtime.setting, "directory.sync_schedule")
        schedule = parse_schedule(text) if text else None
        if schedule is None:
            self._directory_due = None
            return []
        if self._directory_due is None or self._directory_text != text:
            self._directory_due, self._directory_text = schedule.next_after(now), text
            return []
        if self._directory_due > now:
            return []
        self._directory_due = schedule.next_after(now)
        task = asyncio.create_task(asyncio.to_thread(self._sync_directory))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        return ["directory sync"]

    def _sync_directory(self) -> None:
        from mailkeep.directory.sync import sync_directory

        try:
            sync_directory(self.runner.runtime)
        except Exception:  # recorded as directory.sync_failed by the sync; never fatal here
            log.exception("scheduled directory sync failed")

    def _claim(self, profile: ProfileInfo, now: datetime) -> bool:
        """Whether ``profile`` is due; if so its next run time is moved on first (persisted)."""
        schedule = parse_schedule(profile.schedule)
        if schedule is None:
            return False
        due = _aware(profile.next_run_at)
        if due is None:  # scheduled but never planned (e.g. the schedule was just set)
            self.runner.profiles.set_runs(profile.id, schedule.next_after(now), None)
            return False
        if due > now:
            return False
        self.runner.profiles.set_runs(profile.id, schedule.next_after(now), now)
        return True

    def _run(self, name: str) -> object:
        try:
            return self.runner.run(name, trigger="schedule")
        except Exception:  # e.g. the profile was deleted meanwhile; logged, never fatal
            log.exception("scheduled run of %s failed to start", name)
            return None
