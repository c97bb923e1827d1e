"""Which user archive names are taken, and giving a user a kept archive back.

A user archive is known by its name in every store's catalog, so a name, once used, belongs to
that archive for good: deleting a user keeps the archive and reserves its name
(``reserved_archives``), and a new user whose name is taken gets a fresh archive ``name (2)``.
Without this a re-created ``frank`` would read the deleted ``frank``'s mail. Giving an old archive
to a user is an explicit administrator action (:func:`attach_archive`), audited by its caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mailkeep.errors import ConflictError, NotFoundError
from mailkeep.master.models import ReservedArchive, User
from mailkeep.master.names import name_key

# Archive names that hold messages in the attached stores: covers archives of users deleted
# before names were reserved, and stores attached from another installation.
ArchivesWithMail = Callable[[], Iterable[str]]


def taken_archive_keys(session: Session, with_mail: ArchivesWithMail) -> set[str]:
    """Keys of every archive name a new user must not get."""
    taken = {name_key(a) for a in session.scalars(select(User.archive))}
    taken.update(session.scalars(select(ReservedArchive.name_key)))
    taken.update(name_key(a) for a in with_mail())
    return taken


def free_archive_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``, ... whichever is first not taken."""
    candidate, n = name, 1
    while name_key(candidate) in taken:
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def reserve_archive(session: Session, archive: str) -> None:
    """Keep ``archive``'s name from ever being given to a new user."""
    key = name_key(archive)
    if session.scalars(select(ReservedArchive).where(ReservedArchive.name_key == key)).first():
        return
    session.add(ReservedArchive(name=archive, name_key=key))


def attach_archive(session: Session, user: User, archive: str, with_mail: ArchivesWithMail) -> str:
    """Make ``archive`` (a kept archive no user holds) ``user``'s own archive; the user's
    previous archive is kept and reserved. Returns the previous archive's name."""
    key = name_key(archive)
    others = session.scalars(select(User.archive).where(User.id != user.id))
    if any(name_key(other) == key for other in others):
        raise ConflictError(f"The archive {archive!r} belongs to another user.")
    previous = user.archive
    if name_key(previous) == key:
        return previous
    reserved = session.scalars(
        select(ReservedArchive).where(ReservedArchive.name_key == key)
    ).first()
    spelling = reserved.name if reserved is not None else None
    if spelling is None:
        spelling = next((a for a in with_mail() if name_key(a) == key), None)
    if spelling is None:
        raise NotFoundError(f"Unknown user archive {archive!r}.")
    session.execute(delete(ReservedArchive).where(ReservedArchive.name_key == key))
    reserve_archive(session, previous)
    user.archive = spelling
    return previous
