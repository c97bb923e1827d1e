"""The directory contract: what a directory source returns, and how it fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mailkeep.errors import MailkeepError


class DirectoryError(MailkeepError):
    """The directory could not be read: unreachable, refused the bind, bad filter, TLS, file.

    Raised before any user is changed; the message never contains a password.
    """

    code = "directory_error"


class BindRefusedError(DirectoryError):
    """The directory refused the DN and password of a bind (wrong password, unknown DN,
    disabled account): for a user's logon an answer, not a failure."""


@dataclass(frozen=True)
class DirectoryUser:
    """One user as a directory describes them (the first email address is the primary one)."""

    name: str
    full_name: str = ""
    emails: tuple[str, ...] = ()
    distinguished_name: str = ""


class DirectorySource(Protocol):
    """A directory of users that mailkeep reads and never changes.

    ``users()`` returns every user in scope, all or nothing: on any failure it raises
    :class:`DirectoryError` rather than returning a partial list, because a sync treats a
    user missing from the result as deleted in the directory.
    """

    kind: str

    def users(self) -> list[DirectoryUser]:
        """Every user the configuration selects."""
        ...
