"""Regressions of user identity, through the CLI on a terminal and a real ``mailkeep serve``:

* issue 11.2: a re-created user does not inherit the deleted user's archive; an administrator
  gives it back explicitly (CLI ``user attach-archive``, the admin user page), audited;
* issue 11.9: a non-ASCII user name is one user, whatever its case or Unicode form.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailkeep.runtime import Runtime
from tests.integration.test_cli import mk, mkjson
from tests.integration.test_serve import serving, wait_healthy
from tests.integration.webclient import WebSession, on_terminal
from tests.ports import free_port

ADMIN_PW, PW = "admin pw 11.2", "frank pw 11.2"
OLD_MAIL = (
    b"From: lawyer@example.net\r\nTo: frank@example.com\r\nSubject: settlement terms\r\n"
    b"Message-ID: <old-frank@example.net>\r\nDate: Mon, 02 Mar 2026 09:00:00 +0000\r\n\r\n"
    b"confidential settlement terms\r\n"
)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    mk(directory, "init", "--admin-password-stdin", stdin=f"{ADMIN_PW}\n".encode())
    return directory


@pytest.fixture
def web(data: Path) -> Iterator[str]:
    http = free_port()
    with serving(data, "--bind", "127.0.0.1", "--http-port", str(http), "--https-port", "0"):
        yield wait_healthy(f"http://127.0.0.1:{http}/healthz") and f"http://127.0.0.1:{http}"


def _create(data: Path, name: str) -> dict[str, object]:
    return dict(mkjson(data, "user", "create", name, "--email", "frank@example.com",
                       "--password-stdin", stdin=f"{PW}\n".encode()))  # fmt: skip


def _sees_old_mail(session: WebSession, archive: str = "*") -> bool:
    page = session.get(f"/search?archive={archive}&q=settlement")
    assert page.status == 200, page.status
    return "settlement terms" in page.text


def test_a_recreated_user_gets_a_fresh_archive(data: Path, tmp_path: Path, web: str) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    (mail / "old.eml").write_bytes(OLD_MAIL)
    assert _create(data, "frank")["archive"] == "frank"
    mkjson(data, "import", "eml", str(mail), "--user", "frank")
    mkjson(data, "user", "delete", "frank")

    assert _create(data, "frank")["archive"] == "frank (2)"
    status, shown = on_terminal(data, "search", "settlement", "--user", "frank")
    assert status == 0 and "settlement terms" not in shown, shown
    frank = WebSession(web)
    assert frank.login("frank", PW).status == 303
    assert not _sees_old_mail(frank)
    assert frank.get("/search?archive=frank").status == 403

    admin = WebSession(web)
    assert admin.login("admin", ADMIN_PW).status == 303
    page = admin.get("/admin/users/frank").text
    assert "Attach a kept archive" in page and "<option>frank</option>" in page
    attached = admin.post(
        "/admin/users/frank", {"csrf": admin.csrf(), "action": "attach_archive", "archive": "frank"}
    )
    assert attached.status == 303, attached.text[:300]  # fmt: skip
    assert _sees_old_mail(frank, "frank")
    with Runtime(data) as runtime:
        event = runtime.audit.recent(5, "user.archive_attached")[0]
    assert (event.actor, event.target, event.detail["previous"]) == ("admin", "frank", "frank (2)")


def test_attach_archive_on_the_command_line(data: Path) -> None:
    for name in ("gina", "hal"):
        mkjson(data, "user", "create", name)
    mkjson(data, "user", "delete", "gina")  # an empty archive: its name is reserved all the same
    assert mkjson(data, "user", "create", "gina")["archive"] == "gina (2)"
    status, shown = on_terminal(data, "user", "attach-archive", "gina", "hal")
    assert status != 0 and "belongs to another user" in shown, shown
    status, shown = on_terminal(data, "user", "attach-archive", "gina", "nobody")
    assert status != 0 and "Unknown user archive 'nobody'" in shown, shown
    status, shown = on_terminal(data, "user", "attach-archive", "GINA", "gina")
    assert status == 0 and "gina's archive is now gina (was gina (2))" in shown, shown
    assert mkjson(data, "user", "show", "gina")["archive"] == "gina"
    mkjson(data, "user", "delete", "hal")
    assert mkjson(data, "user", "create", "hal")["archive"] == "hal (2)"
    assert mkjson(data, "user", "create", "gina (2)")["archive"] == "gina (2) (2)"


def test_a_non_ascii_user_is_one_user(data: Path, web: str) -> None:
    status, shown = on_terminal(data, "user", "create", "Élise", "--password-stdin",
                                stdin=f"{PW}\n")  # fmt: skip
    assert status == 0, shown
    decomposed = unicodedata.normalize("NFD", "élise")
    for spelling in ("Élise", "élise", "ÉLISE", decomposed):
        assert mkjson(data, "user", "show", spelling)["name"] == "Élise", spelling
    status, shown = on_terminal(data, "user", "create", "élise")
    assert status != 0 and "already exists" in shown, shown
    for spelling in ("Élise", "élise"):
        assert WebSession(web).login(spelling, PW).status == 303, spelling
    mkjson(data, "user", "create", "Ölaf")
    assert mkjson(data, "user", "delete", "ölaf")["name"] == "Ölaf"
    assert [u["name"] for u in mkjson(data, "user", "list")] == ["admin", "Élise"]
