"""Parsing and text extraction on every core, isolated in worker processes.

:class:`WorkerPool` implements the store's ``Deriver``. Each message is analysed in a worker
(pebble process pool with a per-task timeout), whose memory is capped (``RLIMIT_DATA``: heap
and private mappings). When a worker overruns or dies (a hostile PDF, a crash or an
out-of-memory abort in a C or Rust library) it is replaced and the message is analysed again,
in a worker too and under the same caps, with only the plain-text attachment kinds; when that
fails as well, this process reads just its header block (linear work, nothing to convert), so
the message is still archived and findable by its headers, and by its body whenever possible.
"""

from __future__ import annotations

import gc
import logging
import resource
from collections.abc import Callable, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import Any, cast

from pebble import ProcessPool

from mailkeep.ingest.analyze import ExtractionPolicy, analyze
from mailkeep.ingest.forkserver import worker_context
from mailkeep.ingest.parse.mime import parse_headers
from mailkeep.ingest.parse.model import ParsedMessage
from mailkeep.store.model import Derived

log = logging.getLogger(__name__)
_CHUNK = 32
# Parsing allocates many short-lived containers; the default first-generation threshold (700)
# runs a collection every few hundred of them, about 5% of a worker's time on typical mail.
_GC_THRESHOLDS = (50_000, 50, 100)


def cap_memory(limit_bytes: int) -> None:
    """Cap this process's data segment (heap and private writable mappings: what parsers and
    extractors allocate) at ``limit_bytes`` (0: no cap); it cannot be raised again."""
    if limit_bytes <= 0:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _worker_started(memory_bytes: int = 0) -> None:
    """Initializer of each worker: its memory is capped; the modules imported so far live as
    long as the process, so they are moved out of the collector's sight, and collections run
    less often."""
    cap_memory(memory_bytes)
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)


def analyze_chunk(raws: list[bytes], policy: ExtractionPolicy) -> list[Derived]:
    """The worker task: analyse a chunk of messages."""
    return [analyze(raw, policy) for raw in raws]


def _with_defect(derived: Derived, defect: str) -> Derived:
    return replace(derived, defects=(*derived.defects, defect))


def analyze_again(raw: bytes, policy: ExtractionPolicy, reason: str) -> Derived:
    """The worker task for a message whose analysis failed: plain-text attachments only."""
    return _with_defect(analyze(raw, policy.plain_only()), f"analysis: {reason}")


def headers_only(raw: bytes, reason: str) -> Derived:
    """The header block alone, when no worker could analyse the message; never raises."""
    from mailkeep.ingest.analyze import derive

    try:
        parsed = parse_headers(raw)
    except Exception as exc:  # parse_headers promises not to raise; belt and braces
        parsed = ParsedMessage(defects=(f"parse failed: {type(exc).__name__}",))
    return _with_defect(derive(parsed), f"analysis: {reason}; only the header block was read")


class WorkerPool:
    """A pool of analysis workers; use as a context manager or call ``close``."""

    def __init__(
        self,
        policy: ExtractionPolicy,
        workers: int,
        task: Callable[[list[bytes], ExtractionPolicy], list[Derived]] = analyze_chunk,
        memory_bytes: int = 0,
        again: Callable[[bytes, ExtractionPolicy, str], Derived] = analyze_again,
    ) -> None:
        self.policy = policy
        self.workers = max(1, workers)
        self.memory_bytes = memory_bytes
        self._task = task
        self._again_task = again
        self._pool: Any = None

    def _ensure_pool(self) -> Any:
        if self._pool is None:
            # forkserver: never fork a process that holds database and index threads.
            # The server imports the parsers and extractors once; workers fork from it ready.
            context = worker_context()
            self._pool = ProcessPool(
                max_workers=self.workers,
                context=context,
                initializer=_worker_started,
                initargs=(self.memory_bytes,),
            )
        return self._pool

    def start(self) -> None:
        """Start the workers now (they take a moment to import), rather than on first use."""
        self._ensure_pool()

    def task_timeout(self, raw: bytes) -> float:
        """Time allowed for one message: a few attachment caps plus parse time."""
        return self.chunk_timeout([raw])

    def chunk_timeout(self, raws: Sequence[bytes]) -> float:
        """Backstop for a whole task. Attachment caps are enforced inside the worker; this only
        catches a worker stuck where the timer cannot interrupt it (inside C code)."""
        size = sum(len(r) for r in raws)
        return 5 + self.policy.timeout_seconds * 3 + size / 2_000_000 + 0.1 * len(raws)

    def derive(self, raws: Sequence[bytes]) -> list[Derived]:
        """Analyse messages in parallel; results in input order."""
        return self.submit(raws).result()

    def submit(self, raws: Sequence[bytes]) -> PendingAnalysis:
        """Start analysing messages in chunks (one worker task per chunk)."""
        pool = self._ensure_pool()
        size = max(1, min(_CHUNK, -(-len(raws) // (self.workers * 2))))
        chunks = [list(raws[i : i + size]) for i in range(0, len(raws), size)]
        futures = [
            pool.schedule(
                self._task,
                (chunk, self.policy),
                timeout=self.chunk_timeout(chunk),
            )
            for chunk in chunks
        ]
        return PendingAnalysis(self, chunks, futures)

    def one(self, raw: bytes) -> Derived:
        """Analyse a single message in a fresh task; the fallback when its chunk failed."""
        future = self._ensure_pool().schedule(
            self._task, ([raw], self.policy), timeout=self.task_timeout(raw)
        )
        try:
            return cast(Derived, future.result()[0])
        except FutureTimeout:
            reason = "timed out; only plain-text attachments indexed"
        except Exception as exc:
            log.warning("analysis worker failed: %s", type(exc).__name__)
            reason = f"worker failed ({type(exc).__name__}); only plain-text attachments indexed"
        return self._again(raw, reason)

    def _again(self, raw: bytes, reason: str) -> Derived:
        """The second try of a message, in a worker under the same caps (see the module)."""
        future = self._ensure_pool().schedule(
            self._again_task, (raw, self.policy, reason), timeout=self.task_timeout(raw)
        )
        try:
            return cast(Derived, future.result())
        except FutureTimeout:
            return headers_only(raw, f"{reason}; timed out again")
        except Exception as exc:
            return headers_only(raw, f"{reason}; failed again ({type(exc).__name__})")

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class PendingAnalysis:
    """Analysis running in the workers; ``result`` waits for it."""

    def __init__(self, pool: WorkerPool, chunks: list[list[bytes]], futures: list[Any]) -> None:
        self._pool = pool
        self._chunks = chunks
        self._futures = futures

    def result(self) -> list[Derived]:
        """Every message's Derived, in input order; a failed chunk is retried per message."""
        results: list[Derived] = []
        for chunk, future in zip(self._chunks, self._futures, strict=True):
            try:
                results.extend(future.result())
            except Exception:
                results.extend(self._pool.one(raw) for raw in chunk)
        return results
