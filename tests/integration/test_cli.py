"""The CLI contract, run as a user runs it: a real process, JSON output, exit statuses."""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import build_message


def mk(
    data: Path, *args: str, stdin: bytes | None = None, ok: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Run ``mailkeep --data-dir DATA ARGS``; assert the exit status unless ``ok`` is None."""
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("MAILKEEP_HOME", None)
    proc = subprocess.run(
        [sys.executable, "-m", "mailkeep", "--data-dir", str(data), *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=300,
        check=False,
    )
    if ok:
        assert proc.returncode == 0, proc.stderr.decode()
    elif ok is False:
        assert proc.returncode != 0
        err = proc.stderr.decode()
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err
    return proc


def mkjson(data: Path, *args: str, stdin: bytes | None = None) -> Any:
    return json.loads(mk(data, *args, "--json", stdin=stdin).stdout)


def make_data_dir(directory: Path, *users: str) -> Path:
    """An initialised data directory with one ingest worker and ``users`` (login, archive)."""
    mkjson(directory, "init")
    mk(directory, "config", "set", "ingest.workers", "1")
    for user in users:
        mk(directory, "user", "create", user, "--privileges", "login,archive")
    return directory


@pytest.fixture
def data(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    assert mkjson(directory, "init")["created"] is True
    mk(directory, "config", "set", "ingest.workers", "2")
    created = mkjson(
        directory,
        "user",
        "create",
        "alice",
        "--email",
        "alice@example.com",
        "--privileges",
        "login,archive",
        "--password-stdin",
        stdin=b"s3cret\n",
    )
    assert created["name"] == "alice" and created["privileges"] == ["login", "archive"]
    return directory


def _eml_tree(root: Path) -> list[bytes]:
    raws = []
    for n, folder in enumerate(["", "Projects", "Projects/2024"]):
        (root / folder).mkdir(parents=True, exist_ok=True)
        raw = build_message(
            n,
            subject=f"Topic {n} zebra",
            attachments=(("notes.txt", "text/plain", b"giraffe notes"),) if n == 1 else (),
        )
        (root / folder / f"m{n}.eml").write_bytes(raw)
        raws.append(raw)
    return raws


def test_init_twice_and_if_missing(data: Path) -> None:
    mk(data, "init", ok=False)
    assert mkjson(data, "init", "--if-missing")["created"] is False
    key = data / "master.key"
    assert key.stat().st_mode & 0o777 == 0o600


def test_import_eml_search_and_show_raw(data: Path, tmp_path: Path) -> None:
    raws = _eml_tree(tmp_path / "in")
    result = mkjson(data, "import", "eml", str(tmp_path / "in"), "--user", "alice", "--recursive")
    assert result == {"archived": 3, "duplicates": 0, "failed": 0, "failures": [], "skipped": []}
    again = mkjson(data, "import", "eml", str(tmp_path / "in"), "--user", "alice", "--recursive")
    assert again["duplicates"] == 3 and again["archived"] == 0
    hits = mkjson(data, "search", "zebra", "--user", "alice", "--limit", "10")
    assert len(hits) == 3
    assert set(hits[0]) == {"id", "date", "from", "to", "subject", "folder", "user", "snippet",
                            "size", "has_attachment"}  # fmt: skip
    assert {h["folder"] for h in hits} == {"", "Projects", "Projects/2024"}
    assert mkjson(data, "folders") == {"alice": 3}
    assert mkjson(data, "folders", "--user", "alice") == {"": 1, "Projects": 1, "Projects/2024": 1}
    attached = mkjson(data, "search", "attachment:giraffe")
    assert [h["subject"] for h in attached] == ["Topic 1 zebra"]
    shown = mk(data, "show", attached[0]["id"], "--raw").stdout
    assert shown == raws[1]
    info = mkjson(data, "show", attached[0]["id"])
    assert info["subject"] == "Topic 1 zebra" and info["folder"] == "Projects"


def test_import_mbox_and_thunderbird_and_bulk(data: Path, tmp_path: Path) -> None:
    box = mailbox.mbox(tmp_path / "box.mbox")
    for n in range(4):
        box.add(build_message(n, subject=f"Mbox {n} kiwi"))
    box.flush()
    box.close()
    assert (
        mkjson(data, "import", "mbox", str(tmp_path / "box.mbox"), "--user", "alice")["archived"]
        == 4
    )
    profile = tmp_path / "profile" / "Mail" / "Local Folders"
    (profile / "Inbox.sbd").mkdir(parents=True)
    (profile / "Inbox").write_bytes(
        b"From - Mon Jan  1 00:00:00 2024\n" + build_message(10, subject="tb mango") + b"\n"
    )
    (profile / "Inbox.msf").write_bytes(b"")
    (profile / "Inbox.sbd" / "Work").write_bytes(
        b"From - Mon Jan  1 00:00:00 2024\n" + build_message(11, subject="tb papaya") + b"\n"
    )
    (profile / "Inbox.sbd" / "Work.msf").write_bytes(b"")
    tb = mkjson(data, "import", "thunderbird", str(tmp_path / "profile"), "--user", "alice")
    assert tb["archived"] == 2
    assert mkjson(data, "search", "papaya")[0]["folder"] == "Local Folders/Inbox/Work"
    mk(data, "user", "create", "bob")
    bulk = tmp_path / "bulk"
    (bulk / "bob").mkdir(parents=True)
    (bulk / "bob" / "a.eml").write_bytes(build_message(20, subject="bulk lychee"))
    (bulk / "nobody").mkdir()
    (bulk / "nobody" / "b.eml").write_bytes(build_message(21))
    result = mkjson(data, "import", "bulk", str(bulk), "--format", "eml")
    assert (result["archived"], result["failed"]) == (1, 1)
    assert "nobody" in result["failures"][0]["reason"]
    assert mkjson(data, "search", "lychee")[0]["user"] == "bob"


def test_clear_errors_without_tracebacks(data: Path, tmp_path: Path) -> None:
    mk(data, "import", "eml", str(tmp_path / "missing"), "--user", "alice", ok=False)
    mk(data, "import", "eml", str(tmp_path), "--user", "nobody", ok=False)
    (tmp_path / "bad.mbox").write_bytes(b"this is not an mbox\n")
    mk(data, "import", "mbox", str(tmp_path / "bad.mbox"), "--user", "alice", ok=False)
    mk(data, "search", "(unbalanced", ok=False)
    mk(data, "show", "banana", ok=False)
    mk(data, "show", "1-999", ok=False)
    mk(data, "store", "set-state", "--id", "7", "--state", "normal", ok=False)
    mk(tmp_path / "nowhere", "user", "list", ok=False)


def test_broken_mail_is_archived_and_findable(data: Path, tmp_path: Path) -> None:
    broken = (
        b"From: =?koi8-r?B?8NLJ18XU?= <ivan@example.ru>\r\nSubject: \xc1\xc2 durian\r\n"
        b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n--XX\r\n'
        b"Content-Type: text/plain; charset=bogus-charset\r\n\r\nbody \xe9\xe8 text\r\n"
    )
    (tmp_path / "broken.eml").write_bytes(broken)
    assert (
        mkjson(data, "import", "eml", str(tmp_path / "broken.eml"), "--user", "alice")["archived"]
        == 1
    )
    hits = mkjson(data, "search", "durian")
    assert len(hits) == 1
    assert mk(data, "show", hits[0]["id"], "--raw").stdout == broken
    assert mkjson(data, "show", hits[0]["id"])["defects"]


def test_store_commands(data: Path, tmp_path: Path) -> None:
    _eml_tree(tmp_path / "in")
    mk(data, "import", "eml", str(tmp_path / "in"), "--user", "alice", "--recursive")
    stores = mkjson(data, "store", "list")
    assert [s["requestedState"] for s in stores] == ["current"]
    assert stores[0]["messages"] == 3 and stores[0]["indexBytes"] > 0
    created = mkjson(data, "store", "create", "Second", "--path", str(tmp_path / "second"))
    assert created["requestedState"] == "current" and created["id"] == 2
    assert mkjson(data, "store", "rename", "--id", "1", "--name", "First")["name"] == "First"
    assert (
        mkjson(data, "store", "set-state", "--id", "1", "--state", "writeProtected")[
            "requestedState"
        ]
        == "writeProtected"
    )
    verify = mkjson(data, "store", "verify")
    assert verify == {
        "ok": True,
        "checked": 3,
        "records": 4,
        "corrupt": [],
        "missing": [],
        "orphaned": [],
    }
    assert mkjson(data, "store", "rebuild-index") == [
        {"id": 1, "indexed": 3},
        {"id": 2, "indexed": 0},
    ]
    mk(data, "store", "compact", "--id", "1", ok=False)  # write-protected
    assert mkjson(data, "store", "compact") == [
        {"id": 1, "skipped": "writeProtected"},
        {"id": 2, "bytesBefore": 8, "bytesAfter": 8, "blobsRemoved": 0},
    ]
    detached = mkjson(data, "store", "detach", "--id", "1")
    assert mkjson(data, "search", "zebra") == []
    moved = tmp_path / "moved-store"
    Path(detached["path"]).rename(moved)
    attached = mkjson(data, "store", "attach", str(moved), "--state", "normal")
    assert attached["name"] == "First" and attached["messages"] == 3
    assert len(mkjson(data, "search", "zebra")) == 3
    assert mkjson(data, "store", "recover", "--id", str(attached["id"]))["messages"] == 3
    assert len(mkjson(data, "search", "zebra")) == 3
    assert mkjson(data, "store", "verify")["ok"] is True


def test_user_list_and_config(data: Path) -> None:
    users = mkjson(data, "user", "list")
    assert [u["name"] for u in users] == ["admin", "alice"]  # init creates the admin
    assert users[1]["emails"] == ["alice@example.com"]
    mk(data, "user", "create", "alice", ok=False)
    mk(data, "user", "create", "eve", "--privileges", "root", ok=False)
    assert mkjson(data, "config", "set", "store.rollover_messages", "1000") == {
        "store.rollover_messages": 1000
    }
    mk(data, "config", "set", "store.rollover_messages", "lots", ok=False)
    mk(data, "config", "set", "no.such", "1", ok=False)
    assert mkjson(data, "config", "list")["store.rollover_messages"] == 1000


def test_import_while_another_process_writes_fails_fast(data: Path, tmp_path: Path) -> None:
    from mailkeep.runtime import Runtime

    _eml_tree(tmp_path / "in")
    mk(data, "config", "set", "store.writer_wait_seconds", "0")  # else it waits (30 s default)
    with Runtime(data) as runtime:
        runtime.stores.open(1).open_writer()  # holds the store's writer lock
        proc = mk(data, "import", "eml", str(tmp_path / "in"), "--user", "alice", ok=False)
    assert "in use by another mailkeep process" in proc.stderr.decode()
