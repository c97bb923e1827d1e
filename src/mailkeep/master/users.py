"""Users of mailkeep: each has an own user archive named after the user at creation.

Renaming a user later does not rename the archive; deleting a user keeps the archive.
Passwords are hashed with argon2id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mailkeep.errors import ConflictError, InvalidInputError, NotFoundError
from mailkeep.master.models import User

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
_NAME = re.compile(r"^[^\s/\\:*?\"<>|][^/\\:*?\"<>|]{0,254}$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class UserInfo:
    """A user as shown by ``user list``."""

    name: str
    full_name: str
    emails: tuple[str, ...]
    privileges: tuple[str, ...]
    auth_mode: str
    archive: str

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "fullName": self.full_name,
            "emails": list(self.emails),
            "privileges": list(self.privileges),
            "authMode": self.auth_mode,
            "archive": self.archive,
        }


def parse_privileges(text: str) -> tuple[str, ...]:
    """Validate a comma-separated privilege list."""
    values = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in values if p not in PRIVILEGES]
    if unknown:
        raise InvalidInputError(
            f"Unknown privilege {unknown[0]!r}; known privileges: {', '.join(PRIVILEGES)}."
        )
    return tuple(p for p in values if p != "none")


def _info(user: User) -> UserInfo:
    return UserInfo(
        user.name,
        user.full_name,
        tuple(e for e in user.emails.split("\n") if e),
        tuple(p for p in user.privileges.split(",") if p),
        user.auth_mode,
        user.archive,
    )


class UserDirectory:
    """Creating, finding and listing users in the master database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(
        self,
        name: str,
        emails: tuple[str, ...] = (),
        privileges: tuple[str, ...] = DEFAULT_PRIVILEGES,
        password: str | None = None,
        full_name: str = "",
    ) -> UserInfo:
        """Create a user and (implicitly) the user archive of the same name."""
        if not _NAME.match(name):
            raise InvalidInputError(f"Invalid user name {name!r}.")
        for email in emails:
            if "@" not in email:
                raise InvalidInputError(f"Invalid email address {email!r}.")
        with self._sessions.begin() as session:
            if self._find(session, name) is not None:
                raise ConflictError(f"A user named {name!r} already exists.")
            user = User(
                name=name,
                full_name=full_name,
                emails="\n".join(emails),
                privileges=",".join(privileges),
                password_hash=_hasher.hash(password) if password else "",
                archive=name,
            )
            session.add(user)
        return _info(user)

    @staticmethod
    def _find(session: Session, name: str) -> User | None:
        query = select(User).where(func.lower(User.name) == name.lower())
        return session.scalars(query).first()

    def get(self, name: str) -> UserInfo:
        """A user by name (case-insensitive); NotFoundError names the missing user."""
        with self._sessions() as session:
            user = self._find(session, name)
        if user is None:
            raise NotFoundError(f"Unknown user {name!r}.")
        return _info(user)

    def list(self) -> list[UserInfo]:
        """Every user, by name."""
        with self._sessions() as session:
            return [_info(u) for u in session.scalars(select(User).order_by(User.name))]

    def verify_password(self, name: str, password: str) -> bool:
        """True when ``password`` is the user's password (argon2id)."""
        with self._sessions() as session:
            user = self._find(session, name)
        if user is None or not user.password_hash:
            return False
        try:
            return _hasher.verify(user.password_hash, password)
        except Exception:
            return False
