"""The scheduler: due profiles run once, restarts never repeat a slot, stop is clean."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailkeep.jobs.profiles import ProfileDirectory, ProfileSpec
from mailkeep.jobs.runner import JobRunner
from mailkeep.jobs.scheduler import Scheduler
from mailkeep.runtime import Runtime
from tests.ports import free_port

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday


def _profile(rt: Runtime, name: str, schedule: str, created: datetime) -> None:
    settings = {
        "host": "127.0.0.1",
        "port": free_port(),
        "security": "none",
        "insecure": False,
        "username": "x",
    }  # nothing listens: the run fails fast
    spec = ProfileSpec(name, "imap", settings, {"password": "pw"}, "alice", schedule=schedule)
    ProfileDirectory(rt.sessions, rt.master_key).create(spec, created)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_due_profiles_run_once_and_restarts_do_not_repeat(runtime: Runtime) -> None:
    _profile(runtime, "every", "every:15", START)
    _profile(runtime, "nightly", "daily:02:30", START)
    _profile(runtime, "manual", "", START)
    clock = Clock(START + timedelta(minutes=14))

    async def scenario() -> list[list[str]]:
        runner = JobRunner(runtime)
        first = Scheduler(runner, clock, poll_seconds=3600)
        passes = [await first.tick()]
        clock.now = START + timedelta(minutes=16)
        passes.append(await first.tick())
        await first.stop(cancel_running=False)
        second = Scheduler(runner, clock, poll_seconds=3600)  # a restart at the same moment
        await second.start()
        passes.append(await second.tick())
        clock.now = START + timedelta(days=1)  # missed slots run once, not once per slot
        passes.append(sorted(await second.tick()))
        passes.append(await second.tick())
        await second.stop(cancel_running=False)
        return passes

    passes = asyncio.run(scenario())
    assert passes == [[], ["every"], [], ["every", "nightly"], []]
    results = JobRunner(runtime).results.list()
    assert [r.trigger for r in results] == ["schedule"] * 3
    assert {r.status for r in results} == {"failed"}
    every = ProfileDirectory(runtime.sessions, runtime.master_key).get("every")
    assert every.next_run_at is not None
    assert every.next_run_at.replace(tzinfo=UTC) == START + timedelta(days=1, minutes=15)


def test_interrupted_runs_are_recorded_at_start(runtime: Runtime) -> None:
    _profile(runtime, "p", "", START)
    runner = JobRunner(runtime)
    runner.results.start(1, "p", "schedule")  # as if the process died during this run

    async def scenario() -> None:
        scheduler = Scheduler(runner, Clock(START), poll_seconds=3600)
        await scheduler.start()
        await scheduler.stop()

    asyncio.run(scenario())
    (result,) = runner.results.list()
    assert result.status == "failed"
    assert "interrupted" in str(result.protocol)


def test_directory_sync_runs_on_its_schedule(runtime: Runtime, tmp_path: Path) -> None:
    users_csv = tmp_path / "users.csv"
    users_csv.write_text("name,full_name,email\ncarol,Carol C,carol@example.com\n")
    runtime.set_setting("directory.type", "csv")
    runtime.set_setting("directory.file", str(users_csv))
    runtime.set_setting("directory.sync_schedule", "every:60")
    clock = Clock(START)

    async def scenario() -> list[list[str]]:
        scheduler = Scheduler(JobRunner(runtime), clock, poll_seconds=3600)
        passes = [await scheduler.tick()]  # plans the first slot
        clock.now = START + timedelta(minutes=59)
        passes.append(await scheduler.tick())
        clock.now = START + timedelta(minutes=61)
        passes.append(await scheduler.tick())
        passes.append(await scheduler.tick())
        await scheduler.stop(cancel_running=False)
        return passes

    assert asyncio.run(scenario()) == [[], [], ["directory sync"], []]
    carol = runtime.users.get("carol")
    assert (carol.full_name, carol.auth_mode) == ("Carol C", "directoryServices")
