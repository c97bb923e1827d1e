"""MDaemon USERLIST.DAT and CSV user files."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.files import CsvSource, MDaemonSource
from mailkeep.directory.model import DirectoryError, DirectoryUser


def userlist_line(domain: str, mailbox: str, full_name: str, access: str = "Y") -> str:
    """One fixed-width USERLIST.DAT record (fields after the access type: flags, quotas)."""
    mail_dir = "C:\\MDaemon\\Users\\" + mailbox
    return (
        f"{domain:<45}{mailbox:<30}{full_name:<30}{mail_dir:<90}"
        f"{'x3Yq9':<20}NN{access}NNNNNNN   0     0"
    )


def test_mdaemon_userlist(tmp_path: Path) -> None:
    path = tmp_path / "USERLIST.DAT"
    lines = [
        userlist_line("example.com", "frank", "Frank Müller"),
        userlist_line("example.org", "frank", "Frank Müller"),
        userlist_line("example.com", "gina", "Gina G"),
        userlist_line("example.com", "olduser", "Disabled", access="C"),
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    source = MDaemonSource(DirectoryConfig(type="mdaemon", file=str(path), file_encoding="cp1252"))
    assert source.users() == [
        DirectoryUser("frank", "Frank Müller", ("frank@example.com", "frank@example.org")),
        DirectoryUser("gina", "Gina G", ("gina@example.com",)),
    ]


def test_mdaemon_faults(tmp_path: Path) -> None:
    missing = MDaemonSource(DirectoryConfig(type="mdaemon", file=str(tmp_path / "nope.dat")))
    with pytest.raises(DirectoryError, match="does not exist"):
        missing.users()
    (tmp_path / "short.dat").write_text("example.com   frank\n", encoding="utf-8")
    short = MDaemonSource(DirectoryConfig(type="mdaemon", file=str(tmp_path / "short.dat")))
    with pytest.raises(DirectoryError, match=r"line 1 is not a USERLIST\.DAT record"):
        short.users()
    (tmp_path / "latin.dat").write_bytes(userlist_line("e.com", "m", "Müller").encode("cp1252"))
    wrong = MDaemonSource(DirectoryConfig(type="mdaemon", file=str(tmp_path / "latin.dat")))
    with pytest.raises(DirectoryError, match="file_encoding"):
        wrong.users()


def test_csv_users(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text(
        "Name,Full_Name,Email,DN\n"
        "hugo,Hugo H,hugo@example.com; h@example.com,cn=hugo\n"
        ",nobody,,\n"
        "ida,,ida@example.com,,extra cell\n",
        encoding="utf-8",
    )
    assert CsvSource(DirectoryConfig(type="csv", file=str(path))).users() == [
        DirectoryUser("hugo", "Hugo H", ("hugo@example.com", "h@example.com"), "cn=hugo"),
        DirectoryUser("ida", "", ("ida@example.com",), ""),
    ]
    path.write_text("user,mail\nx,y\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="no 'name' column"):
        CsvSource(DirectoryConfig(type="csv", file=str(path))).users()
