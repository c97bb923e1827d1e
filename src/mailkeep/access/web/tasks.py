"""Long work started from the browser (uploads' imports, verify, index rebuild) runs in a
background thread; the page polls its progress. Tasks live in this process's memory: their
results are also recorded durably where it matters (the archive itself, the audit log)."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mailkeep.errors import recognise

_KEEP_SECONDS = 3600


@dataclass
class Task:
    """One piece of background work and what the page shows about it."""

    id: str
    title: str
    owner_id: int
    done: int = 0
    total: int | None = None
    state: str = "running"  # running, succeeded, failed
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    finished_at: float | None = None
    started_at: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "done": self.done,
            "total": self.total,
            "state": self.state,
            "result": self.result,
            "error": self.error,
        }


class TaskBoard:
    """Starts tasks in threads and keeps them visible for an hour after they finish."""

    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}
        self._lock = threading.Lock()

    def start(self, title: str, owner_id: int, work: Callable[[Task], dict[str, Any]]) -> Task:
        """Run ``work(task)`` in a thread; it updates ``task.done``/``total`` as it goes."""
        task = Task(secrets.token_urlsafe(12), title, owner_id)
        with self._lock:
            self._forget_old()
            self._tasks[task.id] = task

        def run() -> None:
            try:
                task.result = work(task)
                task.state = "succeeded"
            except Exception as exc:  # shown to the user; the work itself logs details
                known = recognise(exc)
                task.error = known.message if known else str(exc) or type(exc).__name__
                task.state = "failed"
            finally:
                task.finished_at = time.monotonic()

        threading.Thread(target=run, name=f"task-{task.id}", daemon=True).start()
        return task

    def get(self, task_id: str) -> Task | None:
        with self._lock:
            return self._tasks.get(task_id)

    def running(self) -> list[Task]:
        """Tasks still running, oldest first."""
        with self._lock:
            tasks = [t for t in self._tasks.values() if t.state == "running"]
        return sorted(tasks, key=lambda t: t.started_at)

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - _KEEP_SECONDS
        for key in [k for k, t in self._tasks.items() if t.finished_at and t.finished_at < cutoff]:
            del self._tasks[key]
