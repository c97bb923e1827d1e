"""Jobs: concurrent runs into one store, limits, cancel, timeout, faults, notifications."""

from __future__ import annotations

import threading
from collections.abc import Iterator

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
    store = next(iter(runtime.stores.open_stores()))
    assert len({e.id for e in store.iter_entries()}) == 200
