"""Jobs: concurrent runs into one store, limits, cancel, timeout, faults, notifications."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailkeep.jobs.results import JobOutcome, JobResults
from mailkeep.jobs.runner import JobRunner
from mailkeep.runtime import Runtime
from tests.conftest import build_message
from tests.dovecot import Dovecot
from tests.integration.conftest import fill
from tests.integration.profiles import create, folders, run, server_settings

ALICE, BOB = "alice@example.com", "bob@example.org"


def test_concurrent_jobs_share_one_store_safely(runtime: Runtime, dovecot: Dovecot) -> None:
    shared = [build_message(n) for n in range(40)]  # both mailboxes hold the same messages
    fill(dovecot, ALICE, "INBOX", shared)
    fill(dovecot, BOB, "INBOX", shared + [build_message(n) for n in range(100, 160)])
    runtime.set_setting("ingest.batch_size", "7")  # many interleaved batches
    runtime.set_setting("store.rollover_messages", "60")  # and rollovers while both write
    create(runtime, "a", "imap", server_settings(dovecot, username=ALICE), "alice")
    create(runtime, "b", "imap", server_settings(dovecot, username=BOB), "bob")
    create(runtime, "a2", "imap", server_settings(dovecot, username=BOB), "alice")
    runner = JobRunner(runtime)
    outcomes: dict[str, JobOutcome] = {}

    def go(name: str) -> None:
        outcomes[name] = runner.run(name)

    threads = [threading.Thread(target=go, args=(n,)) for n in ("a", "b", "a2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {n: o.status for n, o in outcomes.items()} == dict.fromkeys(  # noqa: RUF100
        ("a", "b", "a2"), "succeeded"
    ), [o.protocol for o in outcomes.values()]
    assert outcomes["b"].archived == 100, [o.protocol for o in outcomes.values()]
    assert outcomes["a"].archived + outcomes["a2"].archived == 100  # alice twice: no duplicates
    assert outcomes["a"].duplicates + outcomes["a2"].duplicates == 40
    assert folders(runtime, "alice") == {"INBOX": 100} and folders(runtime, "bob") == {"INBOX": 100}
    stores = list(runtime.stores.open_stores())
    assert sum(len(list(s.iter_entries())) for s in stores) == 200
    current = runtime.stores.current_id()
    full = [s.catalog.counts().messages for s in stores if s.id != current]
    assert full and min(full) >= 60  # one rollover at a time: no store left nearly empty


@pytest.fixture
def fifty(runtime: Runtime, dovecot: Dovecot) -> Iterator[JobRunner]:
    """Alice's INBOX with 50 messages, a profile "p" for it, fetched 5 at a time."""
    fill(dovecot, ALICE, "INBOX", [build_message(n) for n in range(50)])
    runtime.set_setting("ingest.batch_size", "5")
    create(runtime, "p", "imap", server_settings(dovecot, username=ALICE), "alice")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("mailkeep.sources.imap.FETCH_CHUNK", 5)
        yield JobRunner(runtime)


def _after_messages(patch: pytest.MonkeyPatch, n: int, action: object) -> None:
    """Call ``action()`` once, when the n-th message is read from the server."""
    from mailkeep.sources.imap import ImapMailboxSource

    original = ImapMailboxSource._message
    seen = [0]

    def counting(self: ImapMailboxSource, *args: object) -> object:
        seen[0] += 1
        if seen[0] == n:
            action()  # type: ignore[operator]
        return original(self, *args)  # type: ignore[arg-type]

    patch.setattr(ImapMailboxSource, "_message", counting)


def _rerun_completes(runner: JobRunner, first: JobOutcome) -> None:
    rest = runner.run("p")
    assert rest.status == "succeeded"
    assert first.archived + rest.archived == 50 and rest.duplicates == 0
    assert folders(runner.runtime, "alice") == {"INBOX": 50}


def test_cancel_keeps_what_was_archived(fifty: JobRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    _after_messages(monkeypatch, 12, lambda: fifty.cancel("p"))
    first = fifty.run("p")
    assert first.status == "cancelled" and 0 < first.archived < 50
    monkeypatch.undo()
    _rerun_completes(fifty, first)


def test_timeout_stops_the_job(fifty: JobRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    _after_messages(monkeypatch, 10, lambda: time.sleep(1.2))
    fifty.profiles.get("p")
    with fifty.runtime.sessions.begin() as session:
        from mailkeep.master.models import ArchivingProfile

        row = session.get(ArchivingProfile, fifty.profiles.get("p").id)
        assert row is not None
        row.timeout_seconds = 1
    first = fifty.run("p")
    assert first.status == "failed" and 0 < first.archived < 50
    assert "longer than 1 s" in str(first.protocol)
    monkeypatch.undo()
    _rerun_completes(fifty, first)


def test_connection_lost_mid_fetch(
    fifty: JobRunner, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _after_messages(monkeypatch, 12, dovecot.drop_sessions)
    first = fifty.run("p")
    assert first.status == "completedWithErrors" and 0 < first.archived < 50
    assert "connection lost" in str(first.protocol)
    monkeypatch.undo()
    _rerun_completes(fifty, first)


def test_folder_vanishing_mid_run(runtime: Runtime, dovecot: Dovecot) -> None:
    from tests.integration.conftest import imap

    fill(dovecot, ALICE, "INBOX", [build_message(1)])
    fill(dovecot, ALICE, "Later", [build_message(2)])
    create(runtime, "p", "imap", server_settings(dovecot, username=ALICE), "alice")

    def remove_later() -> None:
        client = imap(dovecot, ALICE)
        client.delete_folder("Later")
        client.logout()

    with pytest.MonkeyPatch.context() as patch:
        _after_messages(patch, 1, remove_later)
        first = JobRunner(runtime).run("p")
    assert (first.status, first.archived) == ("completedWithErrors", 1)
    assert "folder skipped" in str(first.protocol)
    assert run(runtime, "p").status == "succeeded"


def test_server_too_slow_to_answer(runtime: Runtime) -> None:
    import socket

    with socket.socket() as silent:  # accepts connections, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        runtime.set_setting("jobs.connection_timeout_seconds", "1")
        settings = {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "insecure": False,
            "username": ALICE,
        }
        create(runtime, "slow", "imap", settings, "alice")
        result = run(runtime, "slow")
    assert result.status == "failed"
    assert "timed out" in str(result.protocol)


def test_big_message(runtime: Runtime, dovecot: Dovecot) -> None:
    big = build_message(
        1, attachments=(("data.bin", "application/octet-stream", b"\x00\x01" * (18 << 20)),)
    ).replace(b"\n", b"\r\n")  # as IMAP stores it
    assert len(big) > 48 << 20
    fill(dovecot, ALICE, "INBOX", [big, build_message(2)])
    create(runtime, "big", "imap", server_settings(dovecot, username=ALICE), "alice")
    result = run(runtime, "big")
    assert (result.status, result.archived) == ("succeeded", 2)
    store = next(iter(runtime.stores.open_stores()))
    assert max(e.size for e in store.iter_entries()) == len(big)


def test_failed_job_notifies_administrators(runtime: Runtime) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    class Collect(Sink):
        def __init__(self) -> None:
            self.messages: list[bytes] = []

        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
            self.messages.append(envelope.original_content)  # type: ignore[attr-defined]
            return "250 OK"

    handler = Collect()
    from tests.ports import free_port

    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        runtime.users.create("admin", ("admin@example.com",), ("admin", "login"))
        runtime.set_setting("notify.smtp_host", "127.0.0.1")
        runtime.set_setting("notify.smtp_port", str(controller.port))
        settings = {
            "host": "127.0.0.1",
            "port": free_port(),
            "security": "none",
            "insecure": False,
            "username": ALICE,
        }
        create(runtime, "down", "imap", settings, "alice", {"password": "hunter2-secret"})
        assert run(runtime, "down").status == "failed"
    finally:
        controller.stop()
    (message,) = handler.messages
    assert b"To: admin@example.com" in message
    assert b"Subject: mailkeep: job down failed" in message
    assert b"Cannot connect" in message and b"hunter2" not in message
    assert JobResults(runtime.sessions).list("down")[0].status == "failed"


def test_parallel_limit_and_one_run_per_profile(runtime: Runtime, dovecot: Dovecot) -> None:
    from mailkeep.errors import ConflictError

    fill(dovecot, ALICE, "INBOX", [build_message(1)])
    runtime.set_setting("jobs.max_parallel", "1")
    for name in ("one", "two"):
        create(runtime, name, "imap", server_settings(dovecot, username=ALICE), "alice")
    runner = JobRunner(runtime)
    active, peak, lock = [0], [0], threading.Lock()
    original = runner._run
    release = threading.Event()

    def tracked(run: object, trigger: str) -> JobOutcome:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        release.wait(5)
        try:
            return original(run, trigger)  # type: ignore[arg-type]
        finally:
            with lock:
                active[0] -= 1

    runner._run = tracked  # type: ignore[method-assign]
    threads = [threading.Thread(target=runner.run, args=(n,)) for n in ("one", "two")]
    for thread in threads:
        thread.start()
    while len(runner.running()) < 2:
        threading.Event().wait(0.01)
    with pytest.raises(ConflictError):
        runner.run("one")  # already running (or waiting for a slot)
    release.set()
    for thread in threads:
        thread.join()
    assert peak[0] == 1
    assert sorted(r.status for r in runner.results.list()) == ["succeeded", "succeeded"]


def test_failed_store_creation_at_rollover_notifies_administrators(
    runtime: Runtime, tmp_path: Path
) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    from mailkeep.errors import MailkeepError
    from mailkeep.ingest.service import import_source
    from tests.conftest import source_of
    from tests.ports import free_port

    class Collect(Sink):
        def __init__(self) -> None:
            self.messages: list[bytes] = []

        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
            self.messages.append(envelope.original_content)  # type: ignore[attr-defined]
            return "250 OK"

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where new stores should go")
    try:
        runtime.users.create("admin", ("admin@example.com",), ("admin", "login"))
        runtime.set_setting("notify.smtp_host", "127.0.0.1")
        runtime.set_setting("notify.smtp_port", str(controller.port))
        runtime.set_setting("store.rollover_messages", "2")
        runtime.set_setting("ingest.batch_size", "2")
        runtime.set_setting("store.base_dir", str(blocked))
        runtime.stores._base_dir = blocked
        raws = [build_message(n) for n in range(5)]
        try:
            result = import_source(runtime, source_of(raws), "alice")
            assert result.aborted
        except (MailkeepError, OSError):
            pass  # either way the import stops and nothing past the limit is written
    finally:
        controller.stop()
    (message,) = handler.messages
    assert b"Subject: mailkeep: a new archive store could not be created" in message
    events = [e.name for e in runtime.audit.recent(20)]
    assert "store.creation_failed" in events
    assert sum(s.catalog.counts().messages for s in runtime.stores.open_stores()) == 2
