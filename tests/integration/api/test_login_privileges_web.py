"""Login privileges set through the API decide web access logons too: the management shell's
``SetUserLoginPrivileges`` (the same command as over HTTP), then a logon form post."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from mailkeep.access.api.commands import load_commands
from mailkeep.access.api.dispatch import Dispatcher
from mailkeep.access.web.app import create_app
from mailkeep.runtime import Runtime

PASSWORD = "web secret 1"


def test_without_the_web_login_privilege_the_web_logon_is_refused(tmp_path: Path) -> None:
    with Runtime.init(tmp_path / "data") as runtime:
        runtime.users.create("dora", password=PASSWORD)
        shell = Dispatcher(runtime, load_commands(), None)

        def restrict(privileges: str) -> None:
            given = {"userName": "dora", "loginPrivileges": privileges}
            answer = shell.invoke("SetUserLoginPrivileges", given, "local:test", "")
            assert answer["statusCode"] == "succeeded", answer

        with TestClient(create_app(runtime), client=("127.0.0.1", 40000)) as client:
            form = {"username": "dora", "password": PASSWORD}
            restrict("api,imap")
            refused = client.post("/login", data=form, follow_redirects=False)
            assert refused.status_code == 401
            restrict("web")
            accepted = client.post("/login", data=form, follow_redirects=False)
            assert accepted.status_code == 303
        failures = [e.detail for e in runtime.audit.recent(20, "login.failed")]
        assert {"channel": "web", "reason": "no web login privilege"} in failures
