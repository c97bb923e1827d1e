"""Taking tantivy's writer lock of an index, waiting a bounded time for another holder."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import tantivy

from mailkeep.errors import MailkeepError

WRITER_HEAP_BYTES = 96_000_000
# One indexing thread: half the segments per commit (a smaller index: terms are not repeated
# per segment), and ingest workers use the other cores anyway.
WRITER_THREADS = 1
BUSY_POLL_SECONDS = 0.2
T = TypeVar("T")


class IndexBusyError(MailkeepError):
    """Another writer (in this or another process) holds the index's writer lock."""

    code = "index_busy"


def retry_while_busy(attempt: Callable[[], T], wait: float) -> T:
    """``attempt()``, tried again every ``BUSY_POLL_SECONDS`` while it raises
    ``BlockingIOError`` (a lock another process holds), for up to ``wait`` seconds; then the
    last ``BlockingIOError`` propagates."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return attempt()
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(BUSY_POLL_SECONDS)


def _writer_now(index: tantivy.Index) -> tantivy.IndexWriter:
    """A writer, or ``BlockingIOError`` while someone else holds the writer lock."""
    try:
        return index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=WRITER_THREADS)
    except ValueError as exc:
        if "lock" in str(exc).lower():
            raise BlockingIOError(str(exc)) from None
        raise


def open_writer(index: tantivy.Index, path: Path, wait: float = 0.0) -> tantivy.IndexWriter:
    """The writer of ``index`` (in ``path``); ``IndexBusyError`` when another holds it for
    longer than ``wait`` seconds."""
    try:
        return retry_while_busy(lambda: _writer_now(index), wait)
    except BlockingIOError:
        raise IndexBusyError(
            f"The search index at {path} is being written by another process or task; "
            "try again when it has finished.",
            path=str(path),
        ) from None
