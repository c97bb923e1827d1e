"""Privileges of users on user archives (``none``, or a set of ``read``, ``write``, ``delete``).

A user always reads their own archive; grants give access to other archives (or more rights on
the own one). Administrators read every archive (compliance settings may restrict that later).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from mailkeep.errors import InvalidInputError, NotFoundError
from mailkeep.master.models import ArchiveGrant, User
from mailkeep.master.names import name_key
from mailkeep.master.users import find_user

ARCHIVE_PRIVILEGES = ("read", "write", "delete")


def parse_archive_privileges(text: str) -> tuple[str, ...]:
    """``none`` or a comma-separated set of read/write/delete, validated."""
    values = [p.strip() for p in text.split(",") if p.strip()]
    if values == ["none"]:
        return ()
    unknown = [p for p in values if p not in ARCHIVE_PRIVILEGES]
    if unknown or not values:
        raise InvalidInputError(
            f"Archive privileges must be none or a comma-separated set of "
            f"{', '.join(ARCHIVE_PRIVILEGES)}, not {text!r}."
        )
    return tuple(p for p in ARCHIVE_PRIVILEGES if p in values)


class ArchiveGrants:
    """Reading and changing grants in the master database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @staticmethod
    def _user(session: Session, name: str) -> User:
        user = find_user(session, name)
        if user is None:
            raise NotFoundError(f"Unknown user {name!r}.")
        return user

    def set(self, user_name: str, archive: str, privileges: tuple[str, ...]) -> None:
        """Replace the user's privileges on one archive (an empty tuple removes the grant)."""
        with self._sessions.begin() as session:
            user = self._user(session, user_name)
            # Compared in Python by name key: SQL lower() misses non-ASCII archive names.
            mine = session.scalars(select(ArchiveGrant).where(ArchiveGrant.user_id == user.id))
            stale = [g.id for g in mine if name_key(g.archive) == name_key(archive)]
            if stale:
                session.execute(delete(ArchiveGrant).where(ArchiveGrant.id.in_(stale)))
                session.flush()
            if privileges:
                session.add(
                    ArchiveGrant(user_id=user.id, archive=archive, privileges=",".join(privileges))
                )

    def clear(self, user_name: str) -> None:
        """Remove every grant of a user."""
        with self._sessions.begin() as session:
            user = self._user(session, user_name)
            session.execute(delete(ArchiveGrant).where(ArchiveGrant.user_id == user.id))

    def of_user(self, user_id: int) -> dict[str, tuple[str, ...]]:
        """{archive: privileges} granted to one user."""
        with self._sessions() as session:
            rows = session.scalars(select(ArchiveGrant).where(ArchiveGrant.user_id == user_id))
            return {r.archive: tuple(r.privileges.split(",")) for r in rows}

    def on_archive(self, archive: str) -> dict[str, tuple[str, ...]]:
        """{user name: privileges} of everyone granted access to one archive."""
        query = select(User.name, ArchiveGrant.archive, ArchiveGrant.privileges).join(
            User, User.id == ArchiveGrant.user_id
        )
        key = name_key(archive)
        with self._sessions() as session:
            rows = session.execute(query)
            return {name: tuple(p.split(",")) for name, a, p in rows if name_key(a) == key}
