"""The root of mailkeep's error hierarchy.

Every package defines its own subclasses; errors carry data (``detail``) so that the CLI, the web
layer and the API can render one consistent shape without parsing messages.
"""

from __future__ import annotations

import errno
import re
from typing import Any


class MailkeepError(Exception):
    """Base class of every error mailkeep raises on purpose.

    ``str(error)`` is a complete one-line sentence a user can act on.
    """

    code = "error"

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def as_dict(self) -> dict[str, Any]:
        """The one error shape used by every interface: ``{"error": code, "message": ...}``."""
        return {"error": self.code, "message": self.message, **self.detail}


class NotFoundError(MailkeepError):
    """A named thing (user, store, message, file) does not exist."""

    code = "not_found"


class InvalidInputError(MailkeepError):
    """The caller supplied something malformed (bad path, bad query, bad option)."""

    code = "invalid_input"


class AccessDeniedError(MailkeepError):
    """The caller lacks the privilege for what they asked."""

    code = "access_denied"


class ConflictError(MailkeepError):
    """The request conflicts with the current state (duplicate name, wrong store state)."""

    code = "conflict"


class DiskFullError(MailkeepError):
    """A disk (or a quota) has no room left for what had to be written."""

    code = "disk_full"


class DiskIOError(MailkeepError):
    """The disk refused a write or read with an I/O error (full, failing or gone)."""

    code = "disk_io"


_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
# How libraries report a full disk without an OSError: SQLite, and tantivy (a ValueError
# carrying the Rust io::Error's text).
_FULL_TEXTS = ("no space left on device", "database or disk is full", "disk quota exceeded")
_TANTIVY_PATH = re.compile(r'at path "([^"]+)"')


def recognise(exc: BaseException) -> MailkeepError | None:
    """The mailkeep error ``exc`` is, or was caused by (anywhere in its chain); None for an
    unexpected failure. A full disk is recognised however a library reported it, so every
    interface says "disk full" instead of an internal error."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MailkeepError):
            return current
        storage = _disk_full(current) or _disk_io(current)
        if storage is not None:
            return storage
        current = current.__cause__ or current.__context__
    return None


def _disk_full(exc: BaseException) -> DiskFullError | None:
    text = str(exc)
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        path = str(exc.filename) if exc.filename else None
    elif any(marker in text.lower() for marker in _FULL_TEXTS):
        found = _TANTIVY_PATH.search(text)
        path = found.group(1) if found else None
    else:
        return None
    where = f" (writing {path})" if path else ""
    return DiskFullError(
        f"Disk full{where}: there is no space left to write. Free space on that disk (or move "
        "archive stores to a larger one) and try again; messages already reported archived "
        "are safe.",
        path=path,
    )


def _disk_io(exc: BaseException) -> DiskIOError | None:
    # SQLite reports a journal write on a full disk as SQLITE_IOERR, without an errno.
    if (isinstance(exc, OSError) and exc.errno == errno.EIO) or "disk i/o error" in str(
        exc
    ).lower():
        return DiskIOError(
            "Disk I/O error: the disk holding the data directory refused a write. It may be "
            "full or failing: check its free space (df) and the system log, then try again."
        )
    return None
