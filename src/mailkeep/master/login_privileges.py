"""Login privileges: the interfaces through which a user may log on (MailStore's
``loginPrivileges``), beside the global ``login`` privilege, which still gates every logon.

mailkeep enforces ``web`` (web access) and ``api`` (the administration API). MailStore's other
values name clients mailkeep does not have (the Windows client and its command line, the
Outlook add-in, mobile access, IMAP access): they are kept as given, so a script that sets and
reads them back sees what it set, and they take effect if mailkeep gains such an interface. A
user whose privileges were never restricted may use every interface.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from mailkeep.errors import InvalidInputError
from mailkeep.master.models import LoginPrivilege

LOGIN_PRIVILEGES = ("windows", "windowsCmd", "outlook", "web", "mobile", "imap", "api")
ENFORCED = ("web", "api")


def parse_login_privileges(text: str) -> tuple[str, ...]:
    """A comma-separated list (``none`` alone: no interface), in the canonical order."""
    values = [v.strip() for v in text.split(",") if v.strip()]
    if "none" in values:
        if len(values) > 1:
            raise InvalidInputError("The login privilege none must be the only value.")
        return ()
    known = {p.lower(): p for p in LOGIN_PRIVILEGES}
    unknown = [v for v in values if v.lower() not in known]
    if unknown:
        raise InvalidInputError(
            f"Unknown login privilege {unknown[0]!r}: use none or {', '.join(LOGIN_PRIVILEGES)}."
        )
    if not values:
        raise InvalidInputError("Name the login privileges, or none.")
    chosen = {known[v.lower()] for v in values}
    return tuple(p for p in LOGIN_PRIVILEGES if p in chosen)


def render(privileges: tuple[str, ...]) -> str:
    """The wire form: comma-separated, or ``none``."""
    return ",".join(privileges) or "none"


class LoginPrivileges:
    """Reading and setting users' login privileges in the master database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def of_user(self, user_id: int) -> tuple[str, ...]:
        """The interfaces user ``user_id`` may log on through."""
        with self._sessions() as session:
            row = session.get(LoginPrivilege, user_id)
        if row is None:
            return LOGIN_PRIVILEGES
        return tuple(p for p in row.privileges.split(",") if p)

    def set(self, user_id: int, privileges: tuple[str, ...]) -> None:
        """Replace a user's login privileges."""
        with self._sessions.begin() as session:
            row = session.get(LoginPrivilege, user_id)
            if row is None:
                session.add(LoginPrivilege(user_id=user_id, privileges=",".join(privileges)))
            else:
                row.privileges = ",".join(privileges)

    def may_use(self, user_id: int, interface: str) -> bool:
        """Whether the user may log on through ``interface`` (one of :data:`ENFORCED`)."""
        assert interface in ENFORCED
        return interface in self.of_user(user_id)
