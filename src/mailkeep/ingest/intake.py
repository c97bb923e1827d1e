"""Push intake: messages handed to mailkeep one at a time (SMTP, uploads, the API), each
answered with its own outcome as soon as it is durable.

A caller ``submit``s raw bytes for a user archive and gets a future; the intake runs the one
ingest pipeline over everything submitted, closing a batch whenever no message arrived for a
short linger time, and resolves each future once the archive holds the message durably (or
knows why it cannot). Nothing is acknowledged before the catalog commit that makes it durable.

The pipeline runs only while there is mail: after a quiet period its run ends, which lets the
stores give their writers back to other processes (``mailkeep import`` beside the server).
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mailkeep.errors import recognise
from mailkeep.ingest.quarantine import Quarantine
from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from mailkeep.sources.base import SourceMessage, SourceProblem

LINGER_SECONDS = 0.02
IDLE_SECONDS = 2.0

Status = Literal["archived", "duplicate", "failed", "quarantined"]


@dataclass(frozen=True)
class Outcome:
    """What became of one pushed message: ``archived`` or ``duplicate`` (durable either way),
    ``quarantined`` (kept with its reason in the quarantine) or ``failed`` (the sender keeps
    it and may retry), with the ingest step and reason for the last two."""

    status: Status
    step: str = ""
    reason: str = ""
    quarantine_id: str = ""

    @property
    def durable(self) -> bool:
        """Whether mailkeep now holds the message (the sender may forget it)."""
        return self.status != "failed"


class _Arrivals:
    """The intake's queue as a lingering message source for the pipeline."""

    estimate_unit = "messages"

    def __init__(self, owner: PushIntake) -> None:
        self.problems: list[SourceProblem] = []
        self._owner = owner

    def messages(self) -> Iterator[SourceMessage]:
        return (m for m in self.arrivals() if m is not None)

    def estimate(self) -> int | None:
        return None

    def arrivals(self) -> Iterator[SourceMessage | None]:
        owner, pending, quiet_since = self._owner, False, time.monotonic()
        while True:
            try:
                message = owner.queue.get(timeout=owner.linger)
            except queue.Empty:
                if pending:
                    pending, quiet_since = False, time.monotonic()
                    yield None  # close the batch: its senders are waiting
                elif time.monotonic() - quiet_since >= owner.idle and owner.stop_if_idle():
                    return
                continue
            pending = True
            yield message


class PushIntake:
    """Archives pushed messages, each with its own outcome (one per process and purpose)."""

    def __init__(
        self,
        runtime: Runtime,
        quarantine: Quarantine | None = None,
        actor: str = "mailkeep",
        linger: float = LINGER_SECONDS,
        idle: float = IDLE_SECONDS,
    ) -> None:
        self.runtime = runtime
        self.quarantine = quarantine
        self.actor = actor  # who pushes: recorded with what the quarantine keeps
        self.linger = linger
        self.idle = idle
        self.queue: queue.Queue[SourceMessage] = queue.Queue()
        self._waiting: dict[str, Future[Outcome]] = {}
        self._lock = threading.Lock()
        self._running = False
        self._finished = threading.Event()  # set while no pipeline run is in progress
        self._finished.set()
        self._ids = itertools.count(1)

    def submit(
        self,
        raw: bytes,
        archive: str,
        folder: str = "Inbox",
        flags: frozenset[str] = frozenset(),
        received: datetime | None = None,
    ) -> Future[Outcome]:
        """Hand one message for ``archive``/``folder`` to the archive; the future resolves
        once it is durable (or has failed)."""
        future: Future[Outcome] = Future()
        source_id = f"push:{next(self._ids)}"
        message = SourceMessage(raw, folder, source_id, flags, received, archive)
        with self._lock:
            self._waiting[source_id] = future
            self.queue.put(message)
            if not self._running:
                self._running = True
                self._finished.clear()
                threading.Thread(target=self._run, name="push-intake", daemon=True).start()
        return future

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no pipeline run is in progress (its stores' writers given back)."""
        return self._finished.wait(timeout)

    def stop_if_idle(self) -> bool:
        """End the current pipeline run if nothing arrived meanwhile (called by the source)."""
        with self._lock:
            if not self.queue.empty():
                return False
            self._running = False
            return True

    def _run(self) -> None:
        try:
            self._run_pipeline()
        finally:
            with self._lock:
                if not self._running:
                    self._finished.set()

    def _run_pipeline(self) -> None:
        try:
            result = import_source(
                self.runtime, _Arrivals(self), None, on_stored=self._stored, on_failed=self._failed
            )
        except Exception as exc:
            known = recognise(exc)
            self._fail_all(known.message if known else f"{type(exc).__name__}: {exc}")
            return
        if result.aborted:
            self._fail_all(result.aborted)

    def _stored(self, message: SourceMessage, _sha256: bytes, duplicate: bool) -> None:
        self._answer(message.source_id, Outcome("duplicate" if duplicate else "archived"))

    def _failed(self, message: SourceMessage, step: str, reason: str) -> None:
        # A store that cannot write (a full disk) is retried by the sender; anything else
        # (an unknown user archive, say) waits in the quarantine for an administrator.
        if self.quarantine is not None and step != "store":
            kept = self.quarantine.keep(message, step, reason)
            self.runtime.audit.record(
                "quarantine.kept", self.actor, target=kept, archive=message.archive, step=step
            )
            self._answer(message.source_id, Outcome("quarantined", step, reason, kept))
        else:
            self._answer(message.source_id, Outcome("failed", step, reason))

    def _answer(self, source_id: str, outcome: Outcome) -> None:
        with self._lock:
            future = self._waiting.pop(source_id, None)
        if future is not None:
            future.set_result(outcome)

    def _fail_all(self, reason: str) -> None:
        """A run that stopped early (a full disk) answers every waiting message: failed, so
        its sender keeps it and retries. The next submission starts a new run."""
        with self._lock:
            while not self.queue.empty():
                self.queue.get_nowait()
            waiting, self._waiting = self._waiting, {}
            self._running = False
        for future in waiting.values():
            future.set_result(Outcome("failed", "store", reason))
