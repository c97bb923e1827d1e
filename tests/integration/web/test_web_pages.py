"""The pages users and administrators use, through the application in-process."""

from __future__ import annotations

import mailbox
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import build_message
from tests.integration.web.conftest import WebArchive, csrf_of

Make = Callable[..., TestClient]


def wait_task(client: TestClient, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        task: dict[str, Any] = client.get(url).json()
        if task["state"] != "running":
            return task
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_folder_tree_counts_and_exact_folder_listing(
    web_archive: WebArchive, client_factory: Make
) -> None:
    admin = client_factory("admin")
    page = admin.get("/search", params={"archive": "bob"}).text
    assert ">Inbox</a>" in page and ">Work</a>" in page
    assert (
        admin.get("/search", params={"archive": "bob", "folder": "Inbox"}).text.count('class="row"')
        == 0
    )  # all of bob's mail is in Inbox/Work, a subfolder
    work = admin.get("/search", params={"archive": "bob", "folder": "Inbox/Work"}).text
    assert work.count('class="row"') == 3


def test_filter_form_and_paging(web_archive: WebArchive, client_factory: Make) -> None:
    alice = client_factory("alice")
    found = alice.get("/search", params={"archive": "alice", "subject": "attachment", "has": "1"})
    assert found.text.count('class="row"') == 1
    dated = alice.get("/search", params={"archive": "alice", "after": "2024-01-01",
                                         "before": "2024-01-02"})  # fmt: skip
    assert dated.text.count('class="row"') == 4  # messages 0, 1, 2 and 10 of 2024-01-01
    bad = alice.get("/search", params={"archive": "alice", "q": '"unclosed'})
    assert bad.status_code == 200 and 'id="query-error"' in bad.text
    assert "unterminated quote" in bad.text


def test_upload_into_own_archive_and_refusals(
    web_archive: WebArchive, client_factory: Make, tmp_path: Path
) -> None:
    alice = client_factory("alice")
    token = csrf_of(alice)
    box = mailbox.mbox(tmp_path / "in.mbox")
    for n in (201, 202, 203):
        box.add(build_message(n))
    box.close()
    headers = {"X-CSRF-Token": token, "X-Filename": "in.mbox", "X-Folder": "Uploads"}
    response = alice.post("/upload", content=(tmp_path / "in.mbox").read_bytes(), headers=headers)
    assert response.status_code == 202
    task = wait_task(alice, f"/tasks/{response.json()['task']}")
    assert task["state"] == "succeeded" and task["result"]["archived"] == 3
    eml = alice.post("/upload", content=build_message(300), headers={**headers,
                     "X-Filename": "one.eml"})  # fmt: skip
    assert wait_task(alice, f"/tasks/{eml.json()['task']}")["result"]["archived"] == 1
    assert alice.post("/upload", content=b"", headers=headers).status_code == 400
    into_bob = alice.post("/upload", content=build_message(1), headers={**headers,
                          "X-Archive": "bob"})  # fmt: skip
    assert into_bob.status_code == 404
    assert alice.post("/upload", content=build_message(1)).status_code == 403  # no CSRF token
    web_archive.runtime.set_setting("web.upload_max_bytes", "100")
    assert alice.post("/upload", content=build_message(2), headers=headers).status_code == 400
    assert not list((web_archive.data_dir / "uploads").rglob("upload-*"))  # nothing left behind
    bob = client_factory("bob")
    assert bob.get(f"/tasks/{response.json()['task']}").status_code == 404


def test_admin_store_pages_with_background_work(
    web_archive: WebArchive, client_factory: Make
) -> None:
    admin = client_factory("admin")
    token = csrf_of(admin)
    assert "Archive stores" in admin.get("/admin/stores").text
    created = admin.post("/admin/stores", data={"csrf": token, "action": "create", "name": "Two"})
    assert created.status_code == 200 and "Two" in created.text
    renamed = admin.post(
        "/admin/stores", data={"csrf": token, "action": "rename", "id": "2", "name": "Second"}
    )
    assert "Second" in renamed.text
    bad = admin.post("/admin/stores", data={"csrf": token, "action": "state", "id": "2",
                                            "state": "bogus"})  # fmt: skip
    assert bad.status_code == 400
    for action, key in (("verify", "ok"), ("rebuild-index", "indexed")):
        started = admin.post(
            "/admin/stores",
            data={"csrf": token, "action": action, "id": "1"},
            follow_redirects=False,
        )
        task_id = started.headers["location"].split("task=")[1]
        task = wait_task(admin, f"/admin/tasks/{task_id}")
        assert task["state"] == "succeeded", task
        assert key in task["result"]
    assert wait_task(admin, f"/admin/tasks/{task_id}")["result"]["indexed"] == 8


def test_dashboard_shows_growth_and_events(client_factory: Make) -> None:
    admin = client_factory("admin")
    page = admin.get("/admin").text
    assert "Archive growth by mail date" in page
    assert "<rect" in page
    assert "A user logged on" in page  # events in words: see test_dashboard.py


def test_indexed_attachment_types(web_archive: WebArchive, client_factory: Make) -> None:
    admin = client_factory("admin")
    token = csrf_of(admin)
    admin.post("/admin/indexing", data={"csrf": token, "kinds": ["pdf", "docx"]})
    assert web_archive.runtime.setting("index.attachment_kinds") == ["pdf", "docx"]


def test_change_own_password(web_archive: WebArchive, client_factory: Make) -> None:
    alice = client_factory("alice")
    token = csrf_of(alice)
    wrong = alice.post("/account/password", data={"csrf": token, "current": "nope",
                       "new": "new password 9", "again": "new password 9"})  # fmt: skip
    assert wrong.status_code == 400
    ok = alice.post(
        "/account/password",
        data={"csrf": token, "current": "correct horse 1", "new": "new password 9",
              "again": "new password 9"},
    )  # fmt: skip
    assert ok.status_code == 200 and "was changed" in ok.text
    assert alice.get("/search").status_code == 200  # still logged on, with a new session
    assert web_archive.runtime.users.verify_password("alice", "new password 9") is not None


def test_admin_user_management(web_archive: WebArchive, client_factory: Make) -> None:
    admin = client_factory("admin")
    token = csrf_of(admin)
    form = {"csrf": token, "name": "erin", "full_name": "Erin E", "emails": "erin@example.com",
            "privileges": ["login"], "password": "erin pass 1"}  # fmt: skip
    assert admin.post("/admin/users", data=form, follow_redirects=False).status_code == 303
    dup = admin.post("/admin/users", data=form)
    assert dup.status_code == 400 and "already exists" in dup.text
    admin.post("/admin/users/erin", data={"csrf": token, "action": "privileges",
               "privileges": ["login", "export"]})  # fmt: skip
    assert web_archive.runtime.users.get("erin").privileges == ("login", "export")
    admin.post("/admin/users/erin", data={"csrf": token, "action": "properties",
               "full_name": "Erin F", "emails": "erin@example.com\nerin@example.org",
               "auth_mode": "directoryServices", "dn": "cn=erin,dc=example",
               "pop3": "erin1 erin2"})  # fmt: skip
    erin = web_archive.runtime.users.get("erin")
    assert erin.emails == ("erin@example.com", "erin@example.org")
    assert (erin.auth_mode, erin.distinguished_name) == ("directoryServices", "cn=erin,dc=example")
    assert erin.pop3_user_names == ("erin1", "erin2")
    admin.post("/admin/users/erin", data={"csrf": token, "action": "rename", "new_name": "erin2"})
    assert web_archive.runtime.users.get("erin2").archive == "erin"
    own = admin.post("/admin/users/admin", data={"csrf": token, "action": "delete"})
    assert own.status_code == 400
    admin.post("/admin/users/erin2", data={"csrf": token, "action": "delete"})
    assert "erin2" not in [u.name for u in web_archive.runtime.users.list()]
    names = [e.name for e in web_archive.runtime.audit.recent(20, "user.")]
    assert {"user.created", "user.privileges_changed", "user.renamed", "user.deleted"} <= set(names)


def test_oldest_first_order(client_factory: Make) -> None:
    alice = client_factory("alice")
    import re

    def subjects(sort: str) -> list[str]:
        page = alice.get("/search", params={"archive": "alice", "sort": sort}).text
        return re.findall(r'<span class="subject">([^<]*)</span>', page)

    newest, oldest = subjects("date"), subjects("oldest")
    assert oldest == list(reversed(newest))
    assert oldest[0] == "Quarterly report 0"


def test_an_uploaded_message_that_cannot_be_archived_waits_in_the_quarantine(
    web_archive: WebArchive, client_factory: Make, monkeypatch: Any
) -> None:
    from mailkeep.ingest.quarantine import Quarantine
    from mailkeep.store.archive_store import ArchiveStore

    def refuses(self: ArchiveStore, items: Any) -> Any:
        raise ValueError("the store refused the batch")

    monkeypatch.setattr(ArchiveStore, "archive", refuses)
    alice = client_factory("alice")
    raw = build_message(400, subject="kept for later")
    headers = {"X-CSRF-Token": csrf_of(alice), "X-Filename": "one.eml", "X-Folder": "Kept"}
    response = alice.post("/upload", content=raw, headers=headers)
    task = wait_task(alice, f"/tasks/{response.json()['task']}")
    assert task["result"]["failed"] == 1
    (kept,) = Quarantine(web_archive.data_dir).list()
    assert (kept.archive, kept.folder, kept.step) == ("alice", "Kept", "store")
    assert "refused the batch" in kept.reason
    assert (web_archive.data_dir / "quarantine" / f"{kept.id}.eml").read_bytes() == raw
    assert not list((web_archive.data_dir / "uploads").rglob("upload-*"))  # the upload is gone
