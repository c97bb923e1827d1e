"""One running ``mailkeep serve`` (API on HTTP and HTTPS) over a data directory with users and
archived mail, shared by the API and monitoring-plugin tests of a session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from tests.conftest import build_message, source_of
from tests.integration.api.wire import WireClient
from tests.integration.test_serve import serving, wait_healthy
from tests.ports import free_port

PASSWORD = "api secret 1"


@dataclass
class ApiServer:
    data_dir: Path
    http_url: str
    https_url: str
    http_port: int

    def client(self, user: str = "admin", password: str = PASSWORD) -> WireClient:
        return WireClient(self.http_url, user, password)


def _populate(directory: Path) -> None:
    with Runtime.init(directory) as rt:
        rt.set_setting("ingest.workers", "1")
        rt.set_setting("web.login_failures_per_account", "3")
        rt.users.create("admin", privileges=("admin",), password=PASSWORD)
        rt.users.create("alice", ("alice@example.com",), password=PASSWORD)
        rt.users.create("johndoe", password=PASSWORD)
        inbox = [build_message(i) for i in range(3)]
        import_source(rt, source_of(inbox, "Outlook/Inbox"), "johndoe")
        project = [build_message(i, subject=f"Project {i}") for i in range(10, 12)]
        import_source(rt, source_of(project, "Outlook/Project A"), "johndoe")
        import_source(rt, source_of([build_message(20)], "Inbox"), "alice")


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    root = tmp_path_factory.mktemp("api")
    data = root / "data"
    _populate(data)
    http, https = free_port(), free_port()
    args = ("--bind", "127.0.0.1", "--http-port", "0", "--https-port", "0")
    with serving(data, *args, "--api-http-port", str(http), "--api-port", str(https)):
        wait_healthy(f"http://127.0.0.1:{http}/healthz")
        yield ApiServer(data, f"http://127.0.0.1:{http}", f"https://127.0.0.1:{https}", http)


@pytest.fixture
def admin(api_server: ApiServer) -> WireClient:
    return api_server.client()
