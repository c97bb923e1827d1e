"""Push intake: messages handed over one at a time get their own outcome once durable; what
cannot be archived waits in the quarantine until ``mailkeep quarantine retry`` (the real CLI)."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mailkeep.access.browse import archive_counts
from mailkeep.access.search import search
from mailkeep.ingest.intake import PushIntake
from mailkeep.ingest.quarantine import Quarantine
from mailkeep.runtime import Runtime
from tests.conftest import MakeMessage
from tests.integration.test_cli import mk, mkjson

WAIT = 60  # seconds a test waits for an outcome before calling it lost


def _count(runtime: Runtime, query: str, archive: str) -> int:
    return search(runtime.stores, query, frozenset({archive}), limit=1000)[1]


def test_one_message_is_answered_without_waiting_for_a_full_batch(
    runtime: Runtime, make_message: MakeMessage
) -> None:
    intake = PushIntake(runtime, idle=0.5)
    outcome = intake.submit(make_message(1, subject="lone arrival"), "alice").result(WAIT)
    assert outcome.status == "archived" and outcome.durable
    assert archive_counts(runtime.stores)["alice"] == 1  # durable in the catalog already
    assert intake.wait_idle(WAIT)  # the run's end commits the index
    assert _count(runtime, "lone arrival", "alice") == 1


def test_parallel_senders_each_hear_of_their_own_message(
    runtime: Runtime, make_message: MakeMessage
) -> None:
    intake = PushIntake(runtime, idle=0.5)
    raws = [make_message(n, subject=f"parallel {n}") for n in range(40)]
    with ThreadPoolExecutor(8) as pool:
        futures = list(pool.map(lambda raw: intake.submit(raw, "bob", "Inbox"), raws))
    assert {f.result(WAIT).status for f in futures} == {"archived"}
    again = intake.submit(raws[0], "bob").result(WAIT)
    assert again.status == "duplicate"
    assert {runtime.stores.open(1).raw(e.id) for e in runtime.stores.open(1).iter_entries()} == set(
        raws
    )


def test_without_a_quarantine_an_unroutable_message_fails_for_its_sender(
    runtime: Runtime, make_message: MakeMessage
) -> None:
    outcome = PushIntake(runtime, idle=0.5).submit(make_message(2), "nobody").result(WAIT)
    assert outcome.status == "failed" and not outcome.durable
    assert outcome.step == "route" and "nobody" in outcome.reason


def test_quarantined_message_is_retried_by_the_cli_once_its_user_exists(
    data_dir: Path, make_message: MakeMessage
) -> None:
    raw = make_message(3, subject="for a user not created yet")
    with Runtime(data_dir) as runtime:
        intake = PushIntake(runtime, Quarantine(runtime.data_dir), actor="test", idle=0.3)
        outcome = intake.submit(raw, "carol", "Projects").result(WAIT)
        assert outcome.status == "quarantined" and outcome.durable
    (kept,) = mkjson(data_dir, "quarantine", "list")
    assert kept["id"] == outcome.quarantine_id
    assert (kept["archive"], kept["folder"], kept["step"]) == ("carol", "Projects", "route")
    assert (data_dir / "quarantine" / f"{kept['id']}.eml").read_bytes() == raw

    still = mkjson(data_dir, "quarantine", "retry")
    assert (still["archived"], still["failed"]) == (0, 1)
    assert len(mkjson(data_dir, "quarantine", "list")) == 1

    mk(data_dir, "user", "create", "carol")
    done = mkjson(data_dir, "quarantine", "retry", kept["id"])
    assert (done["archived"], done["failed"]) == (1, 0)
    assert mkjson(data_dir, "quarantine", "list") == []
    (found,) = mkjson(data_dir, "search", "subject:yet", "--user", "carol")
    assert mk(data_dir, "show", found["id"], "--raw").stdout == raw
    assert mkjson(data_dir, "folders", "--user", "carol") == {"Projects": 1}


def test_an_idle_intake_lets_a_cli_import_write(
    data_dir: Path, make_message: MakeMessage, tmp_path: Path
) -> None:
    folder = tmp_path / "eml"
    folder.mkdir()
    (folder / "a.eml").write_bytes(make_message(9, subject="from the command line"))
    with Runtime(data_dir) as runtime:
        intake = PushIntake(runtime, idle=0.2)
        assert intake.submit(make_message(8), "alice").result(WAIT).status == "archived"
        # The pipeline ends after its quiet period and the store's writer is given back.
        assert intake.wait_idle(WAIT)
        command = [sys.executable, "-m", "mailkeep", "--data-dir", str(data_dir)]
        done = subprocess.run(
            [*command, "import", "eml", str(folder), "--user", "alice", "--json"],
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()
