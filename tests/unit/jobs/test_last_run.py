"""Every run of a profile is noted as its last run, whoever started it: the job runner (which
manual, CLI, web, API and scheduled runs all go through) records it, not only the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime

from mailkeep.jobs.profiles import ProfileDirectory, ProfileSpec
from mailkeep.jobs.runner import JobRunner
from mailkeep.runtime import Runtime
from tests.ports import free_port


def _unreachable(runtime: Runtime, name: str) -> None:
    """A POP3 profile whose server does not listen: every run fails at once."""
    settings = {"host": "127.0.0.1", "port": free_port(), "security": "none",
                "insecure": False, "username": "x"}  # fmt: skip
    spec = ProfileSpec(name, "pop3", settings, {"password": "pw"}, "alice")
    ProfileDirectory(runtime.sessions, runtime.master_key).create(spec, datetime.now(UTC))


def test_every_run_is_the_last_run_even_when_it_fails(runtime: Runtime) -> None:
    _unreachable(runtime, "by-hand")
    runner = JobRunner(runtime)
    assert runner.profiles.get("by-hand").last_run_at is None
    first = runner.run("by-hand", trigger="manual")
    assert first.status == "failed"
    assert _aware(runner.profiles.get("by-hand").last_run_at) == _aware(first.started_at)
    second = runner.run("by-hand", trigger="api")
    assert _aware(runner.profiles.get("by-hand").last_run_at) == _aware(second.started_at)
    assert second.id > first.id


def test_noting_a_run_of_a_deleted_profile_changes_nothing(runtime: Runtime) -> None:
    _unreachable(runtime, "gone")
    directory = ProfileDirectory(runtime.sessions, runtime.master_key)
    profile = directory.delete("gone")
    directory.note_run(profile.id, datetime.now(UTC))  # a run ending after the deletion
    assert directory.list() == []


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite returns stored UTC times without their zone.
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def test_a_new_profile_never_takes_the_id_of_a_deleted_one_with_results(
    runtime: Runtime,
) -> None:
    _unreachable(runtime, "old")
    runner = JobRunner(runtime)
    old = runner.run("old")
    runner.profiles.delete("old")
    _unreachable(runtime, "new")
    new = runner.profiles.get("new")
    assert old.profile_id is not None and new.id > old.profile_id
    assert [r.id for r in runner.results.list() if r.profile_id == new.id] == []
