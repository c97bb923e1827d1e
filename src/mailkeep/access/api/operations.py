"""Long-running commands: run in a background thread, observed through status versions.

Each change of an operation's status (progress, a log line, the end) increases its
``statusVersion``; ``get-status`` waits until the version differs from the one the client
knows. Cancellation is cooperative: the work sees it at its next progress report, at a point
where stopping leaves the archive consistent.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mailkeep.errors import MailkeepError, recognise

log = logging.getLogger("mailkeep.api")
KEEP_SECONDS = 3600  # a finished operation can be asked about for an hour
POLL_SECONDS = 0.05
MAX_WAIT_SECONDS = 120.0


class OperationCancelledError(MailkeepError):
    """Raised inside the work when a client asked to cancel it."""

    code = "cancelled"


@dataclass
class Operation:
    """One running (or finished) long-running command."""

    command: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    version: int = 1
    status: str = "running"  # running, succeeded, failed, cancelled
    percent: int | None = None
    text: str | None = None
    log_lines: list[str] = field(default_factory=list)
    result: Any = None
    error: str | None = None
    finished_at: float | None = None
    on_change: Callable[[Operation], None] | None = None
    _cancel: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def progress(self, percent: int | None = None, text: str | None = None) -> None:
        """Report progress; raises :class:`OperationCancelledError` once cancel was asked."""
        with self._lock:
            if percent is not None:
                self.percent = max(0, min(100, percent))
            if text is not None:
                self.text = text
            self._changed()
        self.check_cancelled()

    def log(self, line: str) -> None:
        """Add a line to the operation's log output."""
        with self._lock:
            self.log_lines.append(line)
            self._changed()

    def check_cancelled(self) -> None:
        """Raise :class:`OperationCancelledError` when a client asked to cancel."""
        if self._cancel.is_set():
            raise OperationCancelledError("The operation was cancelled.")

    def cancel(self) -> None:
        """Ask the work to stop at its next safe point."""
        self._cancel.set()

    def finish(self, status: str, result: Any = None, error: str | None = None) -> None:
        """Record the end of the work."""
        with self._lock:
            self.status, self.result, self.error = status, result, error
            if status == "succeeded":
                self.percent = 100
            self.finished_at = time.monotonic()
            self._changed()

    def _changed(self) -> None:
        self.version += 1
        if self.on_change is not None:
            self.on_change(self)

    @property
    def running(self) -> bool:
        return self.status == "running"


def run_work(operation: Operation, work: Callable[[Operation], Any]) -> None:
    """Run ``work`` to its end, recording the outcome on ``operation`` (never raises)."""
    try:
        result = work(operation)
    except OperationCancelledError:
        operation.finish("cancelled", error="The operation was cancelled.")
    except MailkeepError as exc:
        operation.finish("failed", error=exc.message)
    except Exception as exc:  # the client sees a message; the log has the traceback
        if (known := recognise(exc)) is not None:
            operation.finish("failed", error=known.message)
            return
        log.exception("API operation %s failed", operation.command)
        operation.finish("failed", error=f"Internal error: {type(exc).__name__}.")
    else:
        operation.finish("succeeded", result)


class OperationBoard:
    """The operations of this process, by token."""

    def __init__(self) -> None:
        self._operations: dict[str, Operation] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(
        self,
        command: str,
        work: Callable[[Operation], Any],
        on_change: Callable[[Operation], None] | None = None,
    ) -> Operation:
        """Start ``work`` in a thread; returns its operation at once."""
        operation = Operation(command, on_change=on_change)
        with self._lock:
            self._forget_old()
            self._operations[operation.token] = operation
        thread = threading.Thread(
            target=run_work, args=(operation, work), name=f"api-{command}", daemon=True
        )
        thread.start()
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        return operation

    def stop(self, timeout: float) -> list[str]:
        """Cancel every running operation and wait up to ``timeout`` seconds for them to
        reach a safe point (server shutdown); returns the commands still running then."""
        with self._lock:
            running = [op for op in self._operations.values() if op.running]
            threads = list(self._threads)
        for operation in running:
            operation.cancel()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [t.name for t in threads if t.is_alive()]

    def get(self, token: str) -> Operation | None:
        """The operation of ``token`` (None when unknown or forgotten)."""
        with self._lock:
            return self._operations.get(token)

    async def wait(self, operation: Operation, known_version: int, timeout: float) -> None:
        """Return when the operation's version differs from ``known_version``, or on timeout."""
        deadline = time.monotonic() + max(0.0, min(timeout, MAX_WAIT_SECONDS))
        while operation.version == known_version and time.monotonic() < deadline:
            await asyncio.sleep(POLL_SECONDS)

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - KEEP_SECONDS
        for token in [
            t for t, op in self._operations.items() if op.finished_at and op.finished_at < cutoff
        ]:
            del self._operations[token]
