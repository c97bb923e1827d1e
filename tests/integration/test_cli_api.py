"""``mailkeep api``: the API's commands run locally, written as in the reference guide."""

from __future__ import annotations

import json
from pathlib import Path

from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from tests.conftest import build_message, source_of
from tests.integration.test_cli import mk, mkjson


def test_guide_examples_run_locally(data_dir: Path) -> None:
    with Runtime(data_dir) as rt:
        import_source(rt, source_of([build_message(i) for i in range(3)], "Outlook"), "alice")
    listing = mk(data_dir, "api", "--list").stdout.decode()
    assert "VerifyStore" in listing and "MoveFolder" in listing
    verified = mk(data_dir, "api", "VerifyStore", "--id=1")
    assert json.loads(verified.stdout)["ok"] is True
    moved = mk(
        data_dir, "api", "MoveFolder", "--fromFolder=alice/Outlook",
        "--toFolder=alice/Microsoft Outlook",
    )  # fmt: skip
    assert json.loads(moved.stdout) == {"messagesMoved": 3}
    envelope = mkjson(data_dir, "api", "GetChildFolders", "--folder", "alice")
    assert envelope["statusCode"] == "succeeded"
    assert [f["folder"] for f in envelope["result"]] == ["alice/Microsoft Outlook"]
    failed = mk(data_dir, "api", "GetUserInfo", ok=False)
    assert failed.stderr.decode() == "error: Missing API argument userName.\n"
    with Runtime(data_dir) as rt:
        calls = rt.audit.recent(10, "api.called")
    assert calls[0].target == "GetUserInfo" and calls[0].detail["status"] == "failed"
    assert calls[0].actor.startswith("local:") and calls[0].address == "local"
