"""What a file import reads and says it left out, run as an administrator runs ``mailkeep``.

Regressions: a folder of ``.txt`` or maildir files imported "archived 0" without a word
(issue 12.3); ``x.eml -> /etc/shadow`` archived the file it pointed at (issue 11.4); a bulk
folder for an unknown user printed one failure per message and could not create the user
(issue 12.5).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import build_message
from tests.integration.test_cli import make_data_dir, mk, mkjson

SECRET = b"root:$6$not-to-be-archived:19000:0:99999:7:::\n"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_data_dir(tmp_path_factory.mktemp("files") / "data", "alice")


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_files_of_other_extensions_are_reported_with_how_to_include_them(
    data: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    for n in range(3):
        _write(folder / f"{n}.txt", build_message(600 + n, subject=f"text file {n}"))
    _write(folder / "1700000000.M1P2.host:2,S", build_message(610, subject="maildir file"))
    text = mk(data, "import", "eml", str(folder), "--user", "alice").stdout.decode()
    assert "archived 0, duplicates 0, failed 0, skipped 4" in text
    assert "skipped 4 file(s) without the extension .eml" in text
    assert "--extension .txt" in text and "--all-files" in text
    report = mkjson(data, "import", "eml", str(folder), "--user", "alice")
    assert report["archived"] == 0
    [skipped] = report["skipped"]
    assert (skipped["reason"], skipped["count"]) == ("extension", 4)
    assert skipped["examples"] == ["0.txt", "1.txt", "1700000000.M1P2.host:2,S", "2.txt"]
    assert "--all-files" in skipped["hint"]
    again = mkjson(data, "import", "eml", str(folder), "--user", "alice", "--extension", "txt")
    assert again["archived"] == 3 and again["skipped"][0]["examples"] == [
        folder.glob("17*").__next__().name
    ]
    every = mkjson(data, "import", "eml", str(folder), "--user", "alice", "--all-files")
    assert (every["archived"], every["duplicates"], every["skipped"]) == (1, 3, [])


def test_symbolic_links_are_not_archived_and_are_reported(data: Path, tmp_path: Path) -> None:
    secret = _write(tmp_path / "private" / "shadow", SECRET)
    folder = tmp_path / "eml"
    _write(folder / "real.eml", build_message(700, subject="the real one"))
    (folder / "x.eml").symlink_to(secret)
    (folder / "environ.eml").symlink_to("/proc/self/environ")
    (folder / "sub").mkdir()
    (folder / "sub" / "up.eml").symlink_to(secret)
    (folder / "linked-dir").symlink_to(tmp_path / "private")
    report = mkjson(data, "import", "eml", str(folder), "--recursive", "--user", "alice")
    assert report["archived"] == 1
    [links] = report["skipped"]
    assert links["reason"] == "symlink" and links["count"] == 4
    assert sorted(links["examples"]) == ["environ.eml", "linked-dir", "sub/up.eml", "x.eml"]
    assert "--follow-links" in links["hint"]
    followed = mkjson(
        data, "import", "eml", str(folder), "--recursive", "--user", "alice", "--follow-links"
    )
    assert followed["archived"] == 0 and followed["duplicates"] == 1
    outside = {e["reason"]: sorted(e["examples"]) for e in followed["skipped"]}
    assert outside == {"link-outside": ["environ.eml", "linked-dir", "sub/up.eml", "x.eml"]}
    assert mkjson(data, "search", "not-to-be-archived") == []


def test_a_link_to_a_file_inside_the_folder_is_followed_when_asked(
    data: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "inside"
    _write(folder / "store" / "blob", build_message(710, subject="reached through a link"))
    (folder / "message.eml").symlink_to(folder / "store" / "blob")
    assert mkjson(data, "import", "eml", str(folder), "--user", "alice")["archived"] == 0
    followed = mkjson(data, "import", "eml", str(folder), "--user", "alice", "--follow-links")
    assert followed["archived"] == 1
    [hit] = mkjson(data, "search", "subject:reached")
    assert hit["folder"] == ""


def test_bulk_failures_are_grouped_per_user_and_users_can_be_created(
    data: Path, tmp_path: Path
) -> None:
    root = tmp_path / "bulk"
    for user, count in (("alice", 1), ("dora", 3), ("emil", 2)):
        for n in range(count):
            _write(root / user / f"{n}.eml", build_message(800 + 10 * len(user) + n))
    (root / "fritz").symlink_to(root / "dora")
    text = mk(data, "import", "bulk", str(root), "--format", "eml", ok=None).stdout.decode()
    lines = [line for line in text.splitlines() if "failed:" in line]
    assert lines == [
        "  failed: dora: 3 messages: unknown user 'dora' (create the user, or rerun with "
        "--create-users)",
        "  failed: emil: 2 messages: unknown user 'emil' (create the user, or rerun with "
        "--create-users)",
    ]
    assert "skipped 1 symbolic link(s), not followed: fritz" in text
    report = mkjson(data, "import", "bulk", str(root), "--format", "eml", "--create-users")
    assert report["createdUsers"] == ["dora", "emil"]
    assert (report["archived"], report["duplicates"], report["failed"]) == (5, 1, 0)
    assert report["failuresByUser"] == []
    users = {u["name"]: u for u in mkjson(data, "user", "list")}
    assert users["dora"]["archive"] == "dora" and users["dora"]["privileges"] == [
        "login",
        "changePassword",
    ]
    assert mkjson(data, "folders")["emil"] == 2
    assert "fritz" not in users  # a linked user folder is skipped, not created
