"""Who may do what with which user archive: one place every interface asks (web, API, IMAP).

Rules: a user reads their own archive; grants add read/write/delete on other archives (or on
the own one); administrators read every archive. Every request is checked here on the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mailkeep.access.browse import archive_counts
from mailkeep.errors import AccessDeniedError, NotFoundError
from mailkeep.master.names import name_key
from mailkeep.master.users import UserInfo
from mailkeep.runtime import Runtime

__all__ = [
    "AccessDeniedError",
    "Principal",
    "canonical_archive",
    "known_archives",
    "principal_for",
]


@dataclass(frozen=True)
class Principal:
    """A logged-on user with the grants that were valid when the request started."""

    user: UserInfo
    grants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def _granted(self, archive: str) -> tuple[str, ...]:
        key = name_key(archive)
        return next((p for a, p in self.grants.items() if name_key(a) == key), ())

    def can(self, archive: str, privilege: str = "read") -> bool:
        """True when the user holds ``privilege`` (read/write/delete) on ``archive``."""
        if privilege == "read" and (self.user.is_admin or self.is_own(archive)):
            return True
        return privilege in self._granted(archive)

    def is_own(self, archive: str) -> bool:
        return name_key(archive) == name_key(self.user.archive)

    def readable_archives(self) -> frozenset[str] | None:
        """The archives this user may read; None means every archive (administrators)."""
        if self.user.is_admin:
            return None
        shared = {a for a, p in self.grants.items() if "read" in p}
        return frozenset({self.user.archive, *shared})

    def require(self, archive: str, privilege: str = "read") -> None:
        """Raise when the user may not ``privilege`` ``archive`` (the archive is not named)."""
        if not self.can(archive, privilege):
            raise AccessDeniedError("You do not have access to this archive.")

    def require_privilege(self, privilege: str) -> None:
        """Raise unless the user holds a global privilege (admin implies all)."""
        if not self.user.may(privilege):
            raise AccessDeniedError(f"This needs the {privilege} privilege.")


def principal_for(runtime: Runtime, user: UserInfo) -> Principal:
    """The user's current grants, read fresh from the master database."""
    return Principal(user, runtime.grants.of_user(user.id))


def known_archives(
    runtime: Runtime, counts_by_archive: dict[str, int] | None = None
) -> dict[str, int]:
    """{archive: messages} of every user archive: users' archives (possibly empty) and every
    archive that holds messages (including those of deleted users). ``counts_by_archive``
    may supply (cached) message counts."""
    counts = {u.archive: 0 for u in runtime.users.list()}
    counts.update(
        archive_counts(runtime.stores) if counts_by_archive is None else counts_by_archive
    )
    return dict(sorted(counts.items(), key=lambda kv: kv[0].lower()))


def canonical_archive(runtime: Runtime, name: str) -> str:
    """The archive's stored spelling; NotFoundError when no such archive exists."""
    key = name_key(name)
    for archive in known_archives(runtime):
        if name_key(archive) == key:
            return archive
    raise NotFoundError(f"Unknown user archive {name!r}.")
