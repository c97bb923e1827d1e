"""Every command that draws a progress bar, run on a real pty as an administrator runs it.

Piped output (every other CLI test) never draws the bar, which is how a crash in drawing it
(issue 12.1: the lazy console handed to rich's live display) went unseen: each test here checks
the exit status, that the bar was drawn, and that the result was printed after it.
"""

from __future__ import annotations

import mailbox
import re
from pathlib import Path

import pytest

from tests.conftest import build_message
from tests.integration.terminal import TerminalRun, on_pty
from tests.integration.test_cli import make_data_dir, mk, mkjson


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_data_dir(tmp_path_factory.mktemp("terminal") / "data", "alice", "bob")


BYTES = r"[\d.]+/[\d.]+ (bytes|kB)"  # the count of a bar over bytes read


def _drew_bar(run: TerminalRun, label: str, count: str) -> None:
    """Exit 0, no traceback, the bar with ``label`` and ``count`` (a regular expression) drawn
    at 100 %, then hidden again."""
    assert run.returncode == 0, run.text
    assert "Traceback" not in run.text and "internal error" not in run.text, run.text
    assert "\x1b[?25l" in run.screen, "the live display never started"  # cursor hidden
    bar_lines = [line for line in run.text.splitlines() if line.startswith(label)]
    assert any(re.search(count, line) and "100%" in line for line in bar_lines), run.text


def _eml_folder(root: Path, first: int, count: int) -> Path:
    root.mkdir(parents=True)
    for n in range(first, first + count):
        (root / f"{n}.eml").write_bytes(build_message(n, subject=f"terminal {n}"))
    return root


def _mbox(path: Path, first: int, count: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.mbox(path)
    for n in range(first, first + count):
        box.add(build_message(n, subject=f"terminal mbox {n}"))
    box.flush()
    box.close()
    return path


def test_import_eml_draws_progress(data: Path, tmp_path: Path) -> None:
    run = on_pty(
        data, "import", "eml", str(_eml_folder(tmp_path / "eml", 100, 3)), "--user", "alice"
    )
    _drew_bar(run, "importing", "3/3")
    assert "archived 3, duplicates 0, failed 0" in run.text


def test_import_mbox_draws_progress(data: Path, tmp_path: Path) -> None:
    path = _mbox(tmp_path / "box.mbox", 200, 4)
    run = on_pty(data, "import", "mbox", str(path), "--user", "alice")
    _drew_bar(run, "importing", BYTES)
    assert "archived 4, duplicates 0, failed 0" in run.text


def test_import_thunderbird_draws_progress(data: Path, tmp_path: Path) -> None:
    account = tmp_path / "profile" / "Mail" / "Local Folders"
    account.mkdir(parents=True)
    _mbox(account / "Inbox", 300, 2)
    (account / "Inbox.msf").write_bytes(b"")
    run = on_pty(data, "import", "thunderbird", str(tmp_path / "profile"), "--user", "alice")
    _drew_bar(run, "importing", BYTES)
    assert "archived 2, duplicates 0, failed 0" in run.text


def test_import_bulk_draws_progress(data: Path, tmp_path: Path) -> None:
    _eml_folder(tmp_path / "bulk" / "alice", 400, 2)
    _eml_folder(tmp_path / "bulk" / "bob", 410, 3)
    run = on_pty(data, "import", "bulk", str(tmp_path / "bulk"), "--format", "eml")
    _drew_bar(run, "importing", "5/5")
    assert "archived 5, duplicates 0, failed 0" in run.text
    _mbox(tmp_path / "bulk-mbox" / "bob" / "Sent.mbox", 420, 2)
    run = on_pty(data, "import", "bulk", str(tmp_path / "bulk-mbox"), "--format", "mbox")
    _drew_bar(run, "importing", BYTES)
    assert "archived 2, duplicates 0, failed 0" in run.text


def test_store_maintenance_draws_progress(data: Path, tmp_path: Path) -> None:
    mk(data, "import", "eml", str(_eml_folder(tmp_path / "eml", 500, 2)), "--user", "bob")
    messages = sum(mkjson(data, "folders").values())
    run = on_pty(data, "store", "rebuild-index", "--id", "1")
    _drew_bar(run, "indexing store 1", f"{messages}/{messages}")
    assert f"id 1, indexed {messages}" in run.text
    run = on_pty(data, "store", "verify")
    _drew_bar(run, "verifying store 1", "/")
    assert f"checked {messages} messages in" in run.text


def test_other_store_commands_and_tables_on_a_terminal(data: Path, tmp_path: Path) -> None:
    """Commands without a bar still print through the lazy console on a terminal."""
    mk(data, "import", "eml", str(_eml_folder(tmp_path / "eml", 900, 2)), "--user", "alice")
    for args, expected in (
        (("store", "compact", "--id", "1"), "id 1"),
        (("store", "recover", "--id", "1"), "id 1"),
        (("search", "subject:terminal", "--user", "alice"), "matches"),
        (("folders",), "alice"),
    ):
        run = on_pty(data, *args)
        assert run.returncode == 0 and "error" not in run.text, (args, run.text)
        assert expected in run.text, (args, run.text)
