"""Running a command by name, for the HTTP API and the management shell alike.

Every call, successful or not, becomes one ``api.called`` audit event (argument names only,
never their values: some are passwords) and one count in the ``mailkeep_api_calls`` metric.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from mailkeep.access.api.envelope import envelope, operation_envelope
from mailkeep.access.api.operations import Operation, OperationBoard, run_work
from mailkeep.access.api.registry import Call, CommandRegistry
from mailkeep.errors import MailkeepError, recognise
from mailkeep.metrics import API_CALLS
from mailkeep.runtime import Runtime

log = logging.getLogger("mailkeep.api")


class Dispatcher:
    """Parses arguments, runs handlers, starts long-running work, records every call.

    With a ``board``, long-running work runs in the background (the HTTP API); without one it
    runs to its end before ``invoke`` returns (the management shell).
    """

    def __init__(
        self, runtime: Runtime, registry: CommandRegistry, board: OperationBoard | None
    ) -> None:
        self.runtime = runtime
        self.registry = registry
        self.board = board

    def invoke(
        self,
        name: str,
        given: Mapping[str, str],
        actor: str,
        address: str,
        on_change: Callable[[Operation], None] | None = None,
    ) -> dict[str, Any]:
        """Run command ``name``; the answer is the envelope (errors included, never raised)."""
        command = self.registry.find(name)
        if command is None:
            return self._failed(name, actor, address, given, f"Unknown API command {name}.")
        try:
            call = Call(self.runtime, actor, address, command.parse(given), command.name)
            outcome = command.handler(call)
        except MailkeepError as exc:
            return self._failed(command.name, actor, address, given, exc.message, exc.code)
        except Exception as exc:
            known = recognise(exc)
            if known is not None:
                return self._failed(command.name, actor, address, given, known.message, known.code)
            log.exception("API command %s failed", command.name)
            message = f"Internal error ({type(exc).__name__}); the server log has details."
            return self._failed(command.name, actor, address, given, message, "internal")
        if not command.long_running:
            self._record(command.name, actor, address, given, "succeeded")
            return envelope(result=outcome)
        self._record(command.name, actor, address, given, "running")
        if self.board is not None:
            return operation_envelope(self.board.start(command.name, outcome, on_change))
        operation = Operation(command.name, on_change=on_change)
        run_work(operation, outcome)
        return operation_envelope(operation)

    def _failed(
        self,
        name: str,
        actor: str,
        address: str,
        given: Mapping[str, str],
        message: str,
        code: str = "invalid_input",
    ) -> dict[str, Any]:
        self._record(name, actor, address, given, "failed", message)
        return envelope("failed", error=message, details=code)

    def _record(
        self,
        name: str,
        actor: str,
        address: str,
        given: Mapping[str, str],
        status: str,
        error: str = "",
    ) -> None:
        known = name if self.registry.find(name) else "unknown"
        API_CALLS.labels(known, status).inc()
        detail: dict[str, Any] = {"status": status, "arguments": sorted(given)}
        if error:
            detail["error"] = error
        self.runtime.audit.record("api.called", actor, address, name[:100], channel="api", **detail)
