"""The process analysis workers are forked from, startable before anything heavy is imported.

Workers use the forkserver start method: the import never forks a process that holds database
and index threads. The fork server imports the parsers and extractors once (``PRELOAD``), and
every worker forks from it ready. This module imports only the standard library, so the CLI can
start the fork server first thing, and the server loads the parsers on the other core while the
caller imports the rest and opens the archive.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from multiprocessing import forkserver
from multiprocessing.context import ForkServerContext, ForkServerProcess

PRELOAD = ["mailkeep.ingest.analyze"]


class _WorkerProcess(ForkServerProcess):
    """A worker process that skips re-running the parent's main script.

    multiprocessing starts every child by re-importing the parent's ``__main__`` file (for the
    ``mailkeep`` console script: the whole CLI and SQLAlchemy, about half a second of CPU per
    worker, at the start of every import). Workers only run functions of importable modules,
    so while a worker is started the main module is given the name ``__main__``, which
    multiprocessing never re-imports.
    """

    def start(self) -> None:
        with _main_not_reimported():
            super().start()


@contextmanager
def _main_not_reimported() -> Iterator[None]:
    """While starting processes, name the main module so multiprocessing does not re-run it
    (see :class:`_WorkerProcess`)."""
    main = sys.modules["__main__"]
    if getattr(main, "__spec__", None) is not None:
        yield  # run with -m: multiprocessing imports it by name, cheaply
        return
    main.__spec__ = ModuleSpec("__main__", None)
    try:
        yield
    finally:
        main.__spec__ = None


def start_forkserver() -> None:
    """Start the process that workers are forked from (it imports the parsers and extractors)
    now, so that it does so on another core while the caller opens the archive, instead of
    when the first messages are waiting to be analysed."""
    forkserver.set_forkserver_preload(PRELOAD)
    with _main_not_reimported():
        forkserver.ensure_running()


class _WorkerContext(ForkServerContext):
    """The forkserver start method with :class:`_WorkerProcess` workers."""

    Process = _WorkerProcess


def worker_context() -> ForkServerContext:
    """The multiprocessing context the worker pool starts its workers with."""
    context = _WorkerContext()
    context.set_forkserver_preload(PRELOAD)
    return context
