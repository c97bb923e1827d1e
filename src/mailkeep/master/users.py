"""Users of mailkeep: each has an own user archive named after the user at creation.

Renaming a user later does not rename the archive; deleting a user keeps the archive and
reserves its name, so a new user of the same name gets a fresh archive (``archives.py``).
Names are found by their key (NFC + case folding, ``names.py``), never by SQL ``lower()``.
Passwords are hashed with argon2id (slow on purpose: callers in an event loop run these
methods in a thread). Privileges on other users' archives are grants (see ``grants.py``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from mailkeep.errors import ConflictError, InvalidInputError, NotFoundError
from mailkeep.master.archives import (
    ArchivesWithMail,
    attach_archive,
    free_archive_name,
    reserve_archive,
    taken_archive_keys,
)
from mailkeep.master.models import AccessSession, ArchivingProfile, User
from mailkeep.master.names import display_name, name_key

PRIVILEGES = (
    "none",
    "admin",
    "login",
    "changePassword",
    "archive",
    "modifyArchiveProfiles",
    "export",
    "modifyExportProfiles",
    "delete",
)
DEFAULT_PRIVILEGES = ("login", "changePassword")
AUTH_MODES = ("integrated", "directoryServices")
_NAME = re.compile(r"^[^\s/\\:*?\"<>|][^/\\:*?\"<>|]{0,254}$")
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when the user is unknown, so that a wrong name costs as long as a wrong
    password. Made on first use: hashing at import would slow every command's start."""
    return _hasher.hash("mailkeep-timing-equaliser")


@dataclass(frozen=True)
class UserInfo:
    """A user as the CLI, web pages and API show it (never the password hash)."""

    id: int
    name: str
    full_name: str
    emails: tuple[str, ...]
    privileges: tuple[str, ...]
    auth_mode: str
    archive: str
    distinguished_name: str = ""
    pop3_user_names: tuple[str, ...] = ()
    has_password: bool = False

    @property
    def is_admin(self) -> bool:
        return "admin" in self.privileges

    def may(self, privilege: str) -> bool:
        """True when the user holds a global privilege (admins hold all of them)."""
        return self.is_admin or privilege in self.privileges

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "fullName": self.full_name,
            "emails": list(self.emails),
            "privileges": list(self.privileges),
            "authMode": self.auth_mode,
            "archive": self.archive,
            "distinguishedName": self.distinguished_name,
            "pop3UserNames": list(self.pop3_user_names),
        }


@dataclass(frozen=True)
class UserRecord:
    """A user's properties for bulk changes (``create_many``, ``update_many``); no password."""

    name: str
    full_name: str = ""
    emails: tuple[str, ...] = ()
    privileges: tuple[str, ...] = DEFAULT_PRIVILEGES
    auth_mode: str = "integrated"
    distinguished_name: str = ""


def parse_privileges(text: str) -> tuple[str, ...]:
    """Validate a comma-separated privilege list (``none`` alone clears them)."""
    values = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in values if p not in PRIVILEGES]
    if unknown:
        raise InvalidInputError(
            f"Unknown privilege {unknown[0]!r}; known privileges: {', '.join(PRIVILEGES)}."
        )
    return tuple(dict.fromkeys(p for p in values if p != "none"))


def check_emails(emails: tuple[str, ...]) -> tuple[str, ...]:
    """Validated, de-duplicated email addresses (order kept: the first is primary)."""
    for email in emails:
        if "@" not in email or any(c.isspace() for c in email):
            raise InvalidInputError(f"Invalid email address {email!r}.")
    return tuple(dict.fromkeys(emails))


def _lines(text: str) -> tuple[str, ...]:
    return tuple(e for e in text.split("\n") if e) if text else ()


# The columns of a user in the order :func:`_info_of_row` takes them.
_COLUMNS = (
    User.id,
    User.name,
    User.full_name,
    User.emails,
    User.privileges,
    User.auth_mode,
    User.archive,
    User.distinguished_name,
    User.pop3_user_names,
    User.password_hash,
)


def _info_of_row(row: tuple[Any, ...]) -> UserInfo:
    (user_id, name, full_name, emails, privileges, auth_mode, archive, dn, pop3, hashed) = row
    return UserInfo(
        id=user_id,
        name=name,
        full_name=full_name,
        emails=_lines(emails),
        privileges=tuple(p for p in privileges.split(",") if p),
        auth_mode=auth_mode,
        archive=archive,
        distinguished_name=dn,
        pop3_user_names=_lines(pop3),
        has_password=bool(hashed),
    )


def _info(user: User) -> UserInfo:
    return _info_of_row(tuple(getattr(user, column.key) for column in _COLUMNS))


def valid_name(name: str) -> bool:
    """True when ``name`` may be a user name (and so an archive name)."""
    return bool(_NAME.match(name))


def _check_name(name: str) -> None:
    if not valid_name(name):
        raise InvalidInputError(f"Invalid user name {name!r}.")


def _no_archives() -> Iterable[str]:
    return ()


class UserDirectory:
    """Creating, finding, changing and listing users in the master database.

    ``archives_with_mail`` names the archives holding messages in the stores (the Runtime
    supplies it): a new user's archive never takes one of those names.
    """

    def __init__(
        self, sessions: sessionmaker[Session], archives_with_mail: ArchivesWithMail = _no_archives
    ) -> None:
        self._sessions = sessions
        self._with_mail = archives_with_mail

    def create(
        self,
        name: str,
        emails: tuple[str, ...] = (),
        privileges: tuple[str, ...] = DEFAULT_PRIVILEGES,
        password: str | None = None,
        full_name: str = "",
        auth_mode: str = "integrated",
    ) -> UserInfo:
        """Create a user and (implicitly) a fresh user archive: named after the user unless that
        name is taken by another archive (kept from a deleted user, say): then ``name (2)``."""
        name = display_name(name)
        _check_name(name)
        emails = check_emails(emails)
        if auth_mode not in AUTH_MODES:
            raise InvalidInputError(f"Authentication mode must be one of {', '.join(AUTH_MODES)}.")
        with self._sessions.begin() as session:
            if self._find(session, name) is not None:
                raise ConflictError(f"A user named {name!r} already exists.")
            user = User(
                name=name,
                name_key=name_key(name),
                full_name=full_name,
                emails="\n".join(emails),
                privileges=",".join(privileges),
                password_hash=_hasher.hash(password) if password else "",
                auth_mode=auth_mode,
                archive=free_archive_name(name, taken_archive_keys(session, self._with_mail)),
            )
            session.add(user)
        return _info(user)

    def create_many(self, users: list[UserRecord]) -> list[UserInfo]:
        """Create many users in one transaction, all or none (directory sync creates
        thousands: one query for the taken names instead of one per user)."""
        with self._sessions.begin() as session:
            names = set(session.scalars(select(User.name_key)))
            taken = taken_archive_keys(session, self._with_mail)
            rows = []
            for new in users:
                name = display_name(new.name)
                _check_name(name)
                if new.auth_mode not in AUTH_MODES:
                    raise InvalidInputError(f"Unknown authentication mode {new.auth_mode!r}.")
                if name_key(name) in names:
                    raise ConflictError(f"A user named {name!r} already exists.")
                names.add(name_key(name))
                archive = free_archive_name(name, taken)
                taken.add(name_key(archive))
                rows.append(
                    User(
                        name=name,
                        name_key=name_key(name),
                        full_name=new.full_name,
                        emails="\n".join(check_emails(new.emails)),
                        privileges=",".join(new.privileges),
                        password_hash="",
                        auth_mode=new.auth_mode,
                        archive=archive,
                        distinguished_name=new.distinguished_name,
                    )
                )
            session.add_all(rows)
        return [_info(u) for u in rows]

    def update_many(self, users: list[UserRecord]) -> None:
        """Set full name, email addresses and DN of many users in one transaction, all or
        none (privileges and authentication mode are left as they are)."""
        wanted = {name_key(u.name): u for u in users}
        names = list(wanted)
        with self._sessions.begin() as session:
            found = 0
            # In chunks: databases limit the parameters of one statement (SQLite: 32,766).
            chunks = (names[i : i + 500] for i in range(0, len(names), 500))
            rows = (
                row
                for chunk in chunks
                for row in session.scalars(select(User).where(User.name_key.in_(chunk)))
            )
            for row in rows:
                record = wanted[row.name_key]
                row.full_name = record.full_name
                row.emails = "\n".join(check_emails(record.emails))
                row.distinguished_name = record.distinguished_name
                found += 1
            if found != len(wanted):
                raise NotFoundError("Some users to update no longer exist.")

    @staticmethod
    def _find(session: Session, name: str) -> User | None:
        return find_user(session, name)

    def _require(self, session: Session, name: str) -> User:
        user = self._find(session, name)
        if user is None:
            raise NotFoundError(f"Unknown user {name!r}.")
        return user

    def get(self, name: str) -> UserInfo:
        """A user by name (any case, any Unicode form); NotFoundError names the missing user."""
        with self._sessions() as session:
            return _info(self._require(session, name))

    def by_id(self, user_id: int) -> UserInfo | None:
        """A user by database id (None when deleted)."""
        with self._sessions() as session:
            user = session.get(User, user_id)
            return None if user is None else _info(user)

    def list(self) -> list[UserInfo]:
        """Every user, by name."""
        # Plain rows, not ORM objects: listing is on hot paths (the API's GetUsers, archive
        # lists) and the ORM's bookkeeping costs ~60 µs per user.
        with self._sessions() as session:
            rows = session.execute(select(*_COLUMNS).order_by(User.name))
            return [_info_of_row(tuple(row)) for row in rows]

    def verify_password(self, name: str, password: str) -> UserInfo | None:
        """The user when ``password`` is theirs (argon2id), else None; constant-ish time."""
        with self._sessions() as session:
            user = self._find(session, name)
            stored = user.password_hash if user is not None else ""
        try:
            _hasher.verify(stored or _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or not stored:
            return None
        return _info(user)

    def set_password(self, name: str, password: str) -> UserInfo:
        """Set a user's password and end every session the user has (an empty password is
        refused)."""
        if not password:
            raise InvalidInputError("The password must not be empty.")
        hashed = _hasher.hash(password)
        with self._sessions.begin() as session:
            user = self._require(session, name)
            user.password_hash = hashed
            session.execute(delete(AccessSession).where(AccessSession.user_id == user.id))
        return _info(user)

    def set_privileges(self, name: str, privileges: tuple[str, ...]) -> UserInfo:
        """Replace a user's global privileges."""
        with self._sessions.begin() as session:
            user = self._require(session, name)
            user.privileges = ",".join(privileges)
        return _info(user)

    def update(
        self,
        name: str,
        *,
        full_name: str | None = None,
        emails: tuple[str, ...] | None = None,
        auth_mode: str | None = None,
        distinguished_name: str | None = None,
        pop3_user_names: tuple[str, ...] | None = None,
    ) -> UserInfo:
        """Change the given properties of a user; others stay as they are."""
        if auth_mode is not None and auth_mode not in AUTH_MODES:
            raise InvalidInputError(f"Authentication mode must be one of {', '.join(AUTH_MODES)}.")
        with self._sessions.begin() as session:
            user = self._require(session, name)
            if full_name is not None:
                user.full_name = full_name
            if emails is not None:
                user.emails = "\n".join(check_emails(emails))
            if auth_mode is not None:
                user.auth_mode = auth_mode
            if distinguished_name is not None:
                user.distinguished_name = distinguished_name
            if pop3_user_names is not None:
                user.pop3_user_names = "\n".join(pop3_user_names)
        return _info(user)

    def rename(self, name: str, new_name: str) -> UserInfo:
        """Rename a user; the user archive keeps its name and the user keeps their archiving
        profiles (a profile acts for its owner, found by name at every run)."""
        new_name = display_name(new_name)
        _check_name(new_name)
        with self._sessions.begin() as session:
            user = self._require(session, name)
            other = self._find(session, new_name)
            if other is not None and other.id != user.id:
                raise ConflictError(f"A user named {new_name!r} already exists.")
            owned = session.scalars(select(ArchivingProfile).where(ArchivingProfile.owner != ""))
            for profile in owned:
                if name_key(profile.owner) == user.name_key:
                    profile.owner = new_name
            user.name, user.name_key = new_name, name_key(new_name)
        return _info(user)

    def delete(self, name: str) -> UserInfo:
        """Delete a user (and their sessions and grants); the user archive is kept and its name
        reserved, so that a new user of the same name cannot read it."""
        with self._sessions.begin() as session:
            user = self._require(session, name)
            info = _info(user)
            reserve_archive(session, user.archive)
            session.delete(user)
        return info

    def attach_archive(self, name: str, archive: str) -> tuple[UserInfo, str]:
        """Give a user a kept archive (of a deleted user, say) as their own archive; the user's
        previous archive is kept and reserved. Returns the user and the previous archive."""
        with self._sessions.begin() as session:
            user = self._require(session, name)
            previous = attach_archive(session, user, archive, self._with_mail)
        return _info(user), previous


def find_user(session: Session, name: str) -> User | None:
    """The user called ``name`` (compared by name key: any case, any Unicode form)."""
    return session.scalars(select(User).where(User.name_key == name_key(name))).first()
