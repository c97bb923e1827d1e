"""ThunderbirdSource: profile discovery, .sbd folder trees, expunged messages, flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailkeep.sources.base import SourceError
from mailkeep.sources.thunderbird import ThunderbirdSource, mozilla_status

SEP = b"From - Sat Jan 01 10:00:00 2000\r\n"


def _msg(subject: str, status: str | None = None) -> bytes:
    head = f"X-Mozilla-Status: {status}\r\n" if status is not None else ""
    return f"{head}Subject: {subject}\r\n\r\nbody of {subject}\r\n".encode()


def _mbox(path: Path, *messages: bytes, msf: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(SEP + m + b"\r\n" for m in messages))
    if msf:
        path.with_name(path.name + ".msf").write_bytes(b'// <!-- <mdb:mork:z v="1.4"/> -->')


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    root = tmp_path / "abcd1234.default-release"
    local = root / "Mail" / "Local Folders"
    _mbox(local / "Inbox", _msg("one", "0001"), _msg("gone", "0009"), _msg("two", "1003"))
    _mbox(local / "Inbox.sbd" / "Projects", _msg("proj"))
    _mbox(local / "Inbox.sbd" / "Projects.sbd" / "2024", _msg("deep", "0004"))
    _mbox(local / "Trash")
    _mbox(local / "Unfiled", _msg("no msf"), msf=False)  # found by its first line
    (local / "msgFilterRules.dat").write_text('version="9"\n')
    (local / "filterlog.html").write_text("From nowhere\n")
    (local / "folderTree.json").write_text("{}")
    (local / "popstate.dat").write_text("From # POP3 State File\n")
    (local / "notes").write_text("not a mailbox\n")
    imap = root / "ImapMail" / "imap.example.com"
    _mbox(imap / "INBOX", _msg("imap"))
    (root / "prefs.js").write_text("user_pref();\n")
    (root / "places.sqlite").write_bytes(b"SQLite format 3\x00")
    return root


def _subjects(source: ThunderbirdSource) -> list[tuple[str, str]]:
    out = []
    for message in source.messages():
        subject = message.raw.split(b"Subject: ", 1)[1].split(b"\r\n", 1)[0]
        out.append((message.folder, subject.decode()))
    return out


def test_profile_tree_and_deleted_messages(profile: Path) -> None:
    source = ThunderbirdSource(profile)
    assert _subjects(source) == [
        ("Local Folders/Inbox", "one"),
        ("Local Folders/Inbox", "two"),
        ("Local Folders/Inbox/Projects", "proj"),
        ("Local Folders/Inbox/Projects/2024", "deep"),
        ("Local Folders/Unfiled", "no msf"),
        ("imap.example.com/INBOX", "imap"),
    ]
    assert source.skipped_deleted == 1
    assert source.problems == []
    assert source.estimate_unit == "bytes"
    assert source.bytes_read == source.estimate()


def test_messages_are_byte_exact_with_flags_and_ids(profile: Path) -> None:
    messages = list(ThunderbirdSource(profile).messages())
    first, second = messages[0], messages[1]
    assert first.raw == _msg("one", "0001")
    assert first.flags == {"\\Seen"}
    assert second.flags == {"\\Seen", "\\Answered", "$Forwarded"}
    assert messages[2].flags == frozenset()
    assert first.source_id == "Mail/Local Folders/Inbox:0"
    assert messages[-1].source_id == "ImapMail/imap.example.com/INBOX:0"
    assert all(m.received is not None for m in messages)


@pytest.mark.parametrize(
    ("start", "top"),
    [("Mail", "Local Folders"), ("Mail/Local Folders", "Local Folders")],
)
def test_mail_dir_or_account_dir_as_start(profile: Path, start: str, top: str) -> None:
    folders = {folder for folder, _ in _subjects(ThunderbirdSource(profile / start))}
    assert folders == {
        f"{top}/Inbox",
        f"{top}/Inbox/Projects",
        f"{top}/Inbox/Projects/2024",
        f"{top}/Unfiled",
    }


def test_broken_mailbox_is_a_problem(profile: Path) -> None:
    bad = profile / "Mail" / "Local Folders" / "Drafts"
    bad.write_bytes(b"garbage, not mbox\n")
    bad.with_name("Drafts.msf").write_bytes(b"")
    source = ThunderbirdSource(profile)
    assert len(_subjects(source)) == 6
    assert [p.source_id for p in source.problems] == ["Mail/Local Folders/Drafts"]
    assert "is not an mbox file" in source.problems[0].reason


def test_missing_profile(tmp_path: Path) -> None:
    source = ThunderbirdSource(tmp_path / "nope")
    with pytest.raises(SourceError, match="No such file or directory"):
        next(iter(source.messages()))
    assert source.estimate() is None


def test_mozilla_status_reads_headers_only() -> None:
    assert mozilla_status(b"X-Mozilla-Status: 0009\nSubject: a\n\nbody\n") == 9
    assert mozilla_status(b"x-mozilla-status:  8001\r\n\r\n") == 0x8001
    assert mozilla_status(b"X-Mozilla-Status2: 00000000\n\nbody\n") is None
    assert mozilla_status(b"Subject: a\n\nX-Mozilla-Status: 0009\n") is None


def test_links_in_a_profile_are_skipped_or_followed_inside_it_only(
    profile: Path, tmp_path: Path
) -> None:
    local = profile / "Mail" / "Local Folders"
    _mbox(tmp_path / "elsewhere" / "Stolen", _msg("outside"))
    (local / "Stolen").symlink_to(tmp_path / "elsewhere" / "Stolen")
    (local / "Alias").symlink_to(local / "Trash")
    (local / "Inbox.sbd" / "Projects.sbd" / "Loop.sbd").symlink_to(local / "Inbox.sbd")
    plain = ThunderbirdSource(profile)
    subjects = sorted(_subject(m.raw) for m in plain.messages())
    assert "outside" not in subjects
    assert sorted(plain.skipped.counts) == ["symlink"]
    assert sorted(plain.skipped.examples["symlink"]) == [
        "Mail/Local Folders/Alias",
        "Mail/Local Folders/Inbox.sbd/Projects.sbd/Loop.sbd",
        "Mail/Local Folders/Stolen",
    ]
    followed = ThunderbirdSource(profile, follow_links=True)
    assert sorted(_subject(m.raw) for m in followed.messages()) == subjects  # Alias is empty
    assert followed.skipped.examples["link-outside"] == ["Mail/Local Folders/Stolen"]
    assert followed.skipped.examples["link-loop"] == [
        "Mail/Local Folders/Inbox.sbd/Projects.sbd/Loop.sbd"
    ]


def _subject(raw: bytes) -> str:
    return raw.split(b"Subject: ")[1].split(b"\r\n")[0].decode()
