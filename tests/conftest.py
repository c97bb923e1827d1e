"""Fixtures shared by every tier: message builders, data directories, PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from mailkeep.runtime import Runtime
from mailkeep.sources.base import SourceMessage, SourceProblem
from tests.pgserver import private_server, reachable

MakeMessage = Callable[..., bytes]
PG_ADMIN_URL = os.environ.get("MAILKEEP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def build_message(
    n: int = 0,
    subject: str | None = None,
    body: str | None = None,
    sender: str = "Alice Example <alice@example.com>",
    to: str = "Bob Example <bob@example.org>",
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    date: datetime | None = None,
) -> bytes:
    """A well-formed message; ``n`` makes subject, body, date and Message-ID unique."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject if subject is not None else f"Quarterly report {n}"
    when = date or datetime(2024, 1, 1, 9, 0, tzinfo=UTC) + timedelta(hours=n)
    message["Date"] = format_datetime(when)
    message["Message-ID"] = f"<msg-{n}@example.com>"
    message.set_content(
        body if body is not None else f"Hello number {n}. The falcon flies at dawn.\n"
    )
    for filename, ctype, data in attachments:
        maintype, subtype = ctype.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


@pytest.fixture
def make_message() -> MakeMessage:
    """The message builder as a fixture."""
    return build_message


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An initialised data directory with users alice and bob."""
    directory = tmp_path / "data"
    with Runtime.init(directory) as runtime:
        runtime.set_setting("ingest.workers", "2")
        runtime.users.create("alice", ("alice@example.com",))
        runtime.users.create("bob", ("bob@example.org",))
    return directory


@pytest.fixture
def runtime(data_dir: Path) -> Iterator[Runtime]:
    """An open Runtime on ``data_dir``."""
    with Runtime(data_dir) as opened:
        yield opened


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """An admin URL of a real PostgreSQL server: the configured one, or a private one.

    Skipped (loudly) when neither is available, except under CI where it must be.
    """
    if reachable(PG_ADMIN_URL):
        yield PG_ADMIN_URL
        return
    with private_server() as url:
        if url is None:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is not reachable in CI")
            pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} is not reachable and not installed")
        yield url


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"mailkeep_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ListSource:
    """A message source over messages held in memory (tests only)."""

    estimate_unit = "messages"

    def __init__(self, messages: list[SourceMessage]) -> None:
        self._messages = messages
        self.problems: list[SourceProblem] = []

    def messages(self) -> Iterator[SourceMessage]:
        yield from self._messages

    def estimate(self) -> int | None:
        return len(self._messages)


def source_of(raws: list[bytes], folder: str = "Inbox", archive: str | None = None) -> ListSource:
    """A ListSource of raw messages in one folder."""
    return ListSource(
        [SourceMessage(raw, folder, f"mem:{i}", archive=archive) for i, raw in enumerate(raws)]
    )


# Test files that must run in the same pytest-xdist worker, in collection order: the API wire
# tests check at the end that together they called every command.
_SHARED_WORKER = {
    "tests/integration/api/test_api_clients.py": "api-wire",
    "tests/integration/api/test_api_wire.py": "api-wire",
}


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """A file per worker at a time (``--dist loadfile``), with the files above kept together."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return _SHARED_WORKER.get(scope, scope)

    return Scheduling(config, log)  # type: ignore[arg-type]
