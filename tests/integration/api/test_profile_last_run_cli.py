"""``lastRun`` after a run from the command line, as an administrator's shell runs it (a real
process), then read back through ``profile show``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from mailkeep.jobs.profiles import ProfileSpec
from mailkeep.runtime import Runtime
from tests.integration.test_cli import mk, mkjson
from tests.ports import free_port


def test_a_cli_run_fills_last_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Runtime.init(data) as runtime:  # set up in-process: only the commands under test run
        runtime.users.create("alice")
        settings = {"host": "127.0.0.1", "port": free_port(), "security": "none",
                    "insecure": False, "username": "alice"}  # fmt: skip  # nothing listens
        spec = ProfileSpec("cli-pop3", "pop3", settings, {"password": "pw"}, "alice")
        runtime.jobs.profiles.create(spec, datetime.now(UTC))
    ran = mk(data, "profile", "run", "cli-pop3", "--json", ok=False)
    assert b'"status": "failed"' in ran.stdout
    shown = mkjson(data, "profile", "show", "cli-pop3")
    assert shown["lastRunAt"] is not None and shown["lastRunAt"][:4] >= "2026"
