"""The root of mailkeep's error hierarchy.

Every package defines its own subclasses; errors carry data (``detail``) so that the CLI, the web
layer and the API can render one consistent shape without parsing messages.
"""

from __future__ import annotations

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
