"""Long-running commands in-process: status versions, long-polling and cancellation, with
commands whose pace the test controls."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mailkeep.access.api.app import create_api_app
from mailkeep.access.api.operations import Operation, OperationBoard
from mailkeep.access.api.registry import Arg, Call, CommandRegistry, Work
from mailkeep.runtime import Runtime

PASSWORD = "operations pass"
STEP = threading.Event()


def _paced(call: Call) -> Work:
    steps = call.get("steps")

    def work(operation: Operation) -> dict[str, Any]:
        for done in range(steps):
            assert STEP.wait(10)
            STEP.clear()
            operation.progress(done * 100 // steps, f"step {done + 1} of {steps}")
        return {"steps": steps}

    return work


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    runtime.users.create("root", privileges=("admin",), password=PASSWORD)
    registry = CommandRegistry()
    registry.command("Paced", "Test work.", Arg("steps", "number"), long_running=True)(_paced)
    token = base64.b64encode(f"root:{PASSWORD}".encode()).decode()
    with TestClient(create_api_app(runtime, registry)) as test_client:
        test_client.headers["Authorization"] = f"Basic {token}"
        yield test_client


def _body(response: Any) -> Any:
    assert response.content.startswith(b"\xef\xbb\xbf")
    body: Any = json.loads(response.content.decode("utf-8-sig"))
    return body


def _status(client: TestClient, token: str, known: int, timeout_ms: int) -> dict[str, Any]:
    fields = {
        "token": token,
        "lastKnownStatusVersion": str(known),
        "millisecondsTimeout": str(timeout_ms),
    }
    return _body(client.post("/api/get-status", data=fields))


def test_get_status_waits_for_the_next_version(client: TestClient) -> None:
    STEP.clear()
    started = _body(client.post("/api/invoke/Paced", data={"steps": "2"}))
    assert started["statusCode"] == "running"
    token, version = started["token"], started["statusVersion"]
    began = time.monotonic()
    same = _status(client, token, version, 300)
    assert time.monotonic() - began >= 0.25 and same["statusVersion"] == version
    threading.Timer(0.1, STEP.set).start()
    changed = _status(client, token, version, 5000)
    assert changed["statusVersion"] > version and changed["statusText"] == "step 1 of 2"
    assert changed["statusCode"] == "running"
    STEP.set()
    final = changed
    while final["statusCode"] == "running":
        final = _status(client, token, final["statusVersion"], 5000)
    assert final["statusCode"] == "succeeded" and final["result"] == {"steps": 2}


def test_cancel_async_stops_the_work_at_its_next_step(client: TestClient) -> None:
    STEP.clear()
    started = _body(client.post("/api/invoke/Paced", data={"steps": "5"}))
    token = started["token"]
    cancelled = _body(client.post("/api/cancel-async", data={"token": token}))
    assert cancelled["token"] == token
    STEP.set()
    final = cancelled
    deadline = time.monotonic() + 10
    while final["statusCode"] == "running" and time.monotonic() < deadline:
        final = _status(client, token, final["statusVersion"], 2000)
    assert final["statusCode"] == "cancelled"
    assert final["error"]["message"] == "The operation was cancelled."
    assert final["result"] is None


def test_get_metadata_lists_only_the_registry(client: TestClient) -> None:
    response = client.post("/api/get-metadata")
    assert _body(response) == [
        {"name": "Paced", "args": [{"name": "steps", "type": "number", "nullable": False}]}
    ]


def test_stopping_the_board_cancels_running_work() -> None:
    board = OperationBoard()

    def endless(operation: Operation) -> None:
        while True:
            time.sleep(0.01)
            operation.progress(None, "working")

    operation = board.start("Endless", endless)
    assert board.stop(10) == []
    assert operation.status == "cancelled" and operation.finished_at is not None
