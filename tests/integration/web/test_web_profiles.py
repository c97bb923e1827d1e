"""Archiving profiles in the browser's pages, against a real Dovecot."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from mailkeep.jobs.results import JobResults
from tests.conftest import build_message
from tests.dovecot import Dovecot
from tests.integration.conftest import PASSWORD as MAIL_PASSWORD
from tests.integration.conftest import fill
from tests.integration.web.conftest import WebArchive, csrf_of

Make = Callable[..., TestClient]


def imap_form(server: Dovecot, token: str, **extra: str) -> dict[str, Any]:
    return {
        "csrf": token,
        "kind": "imap",
        "name": "alice-mail",
        "host": "127.0.0.1",
        "port": str(server.imap),
        "security": "none",
        "username": "alice@example.com",
        "password": MAIL_PASSWORD,
        "archive": "alice",
        "action": "save",
        **extra,
    }


def wait_result(web_archive: WebArchive, profile: str) -> Any:
    results = JobResults(web_archive.runtime.sessions)
    deadline = time.monotonic() + 60
    while True:
        found = [r for r in results.list(profile) if r.ended_at is not None]
        if found:
            return found[0]
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.2)


def test_create_test_run_and_read_results(
    web_archive: WebArchive, client_factory: Make, dovecot: Dovecot
) -> None:
    fill(dovecot, "alice@example.com", "INBOX", [build_message(n) for n in (501, 502)])
    fill(dovecot, "alice@example.com", "Projects", [build_message(503)])
    admin = client_factory("admin")
    token = csrf_of(admin)
    assert "Test" in admin.get("/profiles/new", params={"kind": "imap"}).text
    tested = admin.post("/profiles/new", data=imap_form(dovecot, token, action="test"))
    assert tested.status_code == 200
    assert "INBOX" in tested.text and "Projects" in tested.text
    assert MAIL_PASSWORD not in tested.text
    wrong = admin.post(
        "/profiles/new", data=imap_form(dovecot, token, action="test", password="nope")
    )
    assert 'id="test-report"' in wrong.text and "ok</td>" not in wrong.text
    saved = admin.post("/profiles/new", data=imap_form(dovecot, token), follow_redirects=False)
    assert saved.headers["location"] == "/profiles/alice-mail"
    page = admin.get("/profiles/alice-mail").text
    assert "stored encrypted" in page and MAIL_PASSWORD not in page
    admin.post("/profiles/alice-mail", data={"csrf": token, "action": "run"})
    result = wait_result(web_archive, "alice-mail")
    assert (result.status, result.archived) == ("succeeded", 3)
    page = admin.get("/profiles/alice-mail").text
    assert "succeeded" in page and "Projects" in page
    listing = admin.get("/profiles").text
    assert "alice-mail" in listing and "succeeded" in listing
    deleted = admin.post("/profiles/alice-mail", data={"csrf": token, "action": "delete"})
    assert deleted.status_code == 200 and "alice-mail" not in deleted.text.split("<h2>")[0]


def test_users_manage_only_their_own_profiles(
    web_archive: WebArchive, client_factory: Make, dovecot: Dovecot
) -> None:
    runtime = web_archive.runtime
    runtime.users.set_privileges("alice", ("login", "archive", "modifyArchiveProfiles"))
    alice = client_factory("alice")
    token = csrf_of(alice)
    into_bob = alice.post("/profiles/new", data=imap_form(dovecot, token, archive="bob"))
    assert into_bob.status_code == 400
    multi = alice.post("/profiles/new", data={**imap_form(dovecot, token), "kind": "imap-csv",
                       "accounts": "a,b"})  # fmt: skip
    assert multi.status_code in (400, 403)
    for kind in ("multidrop", "journal", "imap-multi", "imap-csv"):  # not even the empty form
        assert alice.get(f"/profiles/new?kind={kind}").status_code == 403
    assert alice.get("/profiles/new?kind=pop3").status_code == 200
    own = alice.post("/profiles/new", data=imap_form(dovecot, token), follow_redirects=False)
    assert own.status_code == 303
    admin = client_factory("admin")
    admin_token = csrf_of(admin)
    admin.post("/profiles/new", data=imap_form(dovecot, admin_token, name="company",
               archive="bob", username="bob@example.org"), follow_redirects=False)  # fmt: skip
    assert "company" not in alice.get("/profiles").text
    assert alice.get("/profiles/company").status_code == 404
    assert alice.post("/profiles/company", data={"csrf": token, "action": "run"}).status_code == 404
    # Editing: another's profile does not exist for alice; her own cannot be turned on bob.
    assert alice.get("/profiles/company/edit").status_code == 404
    edit = {**imap_form(dovecot, token, name="company"), "password": ""}
    assert alice.post("/profiles/company/edit", data=edit).status_code == 404
    assert admin.get("/profiles/company").text.count("bob@example.org") == 1  # unchanged
    retarget = {**imap_form(dovecot, token), "archive": "bob", "password": ""}
    refused = alice.post("/profiles/alice-mail/edit", data=retarget)
    assert refused.status_code == 400 and 'id="form-error"' in refused.text
    assert runtime.jobs.profiles.get("alice-mail").archive == "alice"
    no_csrf = {**imap_form(dovecot, "forged"), "password": ""}
    assert alice.post("/profiles/alice-mail/edit", data=no_csrf).status_code == 403
    bob = client_factory("bob")  # default privileges: no archive privilege
    assert bob.get("/profiles").status_code == 403
    assert bob.get("/profiles/new").status_code == 403
