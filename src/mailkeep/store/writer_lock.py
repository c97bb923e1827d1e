"""The writer lock file of an archive store: one writing process at a time."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from mailkeep.errors import MailkeepError
from mailkeep.index.writer_lock import retry_while_busy


class StoreBusyError(MailkeepError):
    """Another process is writing to this store."""

    code = "store_busy"


def take_writer_lock(path: Path, wait: float) -> IO[bytes]:
    """The store's writer lock file, locked; waits up to ``wait`` seconds for another holder
    (a server gives it back when its import ends or it is idle) before ``StoreBusyError``."""
    handle = path.open("ab")
    try:
        retry_while_busy(lambda: fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB), wait)
    except BlockingIOError:
        handle.close()
        raise StoreBusyError(
            f"Archive store at {path.parent} is in use by another mailkeep process (a running "
            f"`mailkeep serve` archiving, or another import); waited {wait:g} s for it. Run "
            "this again when that has finished, or raise store.writer_wait_seconds.",
            path=str(path.parent),
        ) from None
    os.set_inheritable(handle.fileno(), False)
    return handle
