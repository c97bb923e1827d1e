"""Who sees which archiving profiles in the browser, shared by the profile pages and forms.

Administrators see every profile; other users only the profiles they own. A profile someone
may not see answers as if it did not exist.
"""

from __future__ import annotations

from mailkeep.access.permissions import AccessDeniedError
from mailkeep.access.web.context import WebContext
from mailkeep.access.web.guard import Visit
from mailkeep.errors import NotFoundError
from mailkeep.jobs.profiles import ProfileInfo

KIND_TITLES = {
    "imap": "One IMAP mailbox",
    "pop3": "One POP3 mailbox",
    "imap-multi": "Many IMAP mailboxes (master login)",
    "imap-csv": "Many IMAP mailboxes (CSV list)",
    "multidrop": "Catch-all (multidrop) mailbox",
    "journal": "Exchange / Microsoft 365 journal mailbox",
}


def may_see(current: Visit, profile: ProfileInfo) -> bool:
    """Whether the visitor may see (and, with the privileges, run or change) ``profile``."""
    return current.user.is_admin or profile.owner.lower() == current.user.name.lower()


def visible_profiles(context: WebContext, current: Visit) -> list[ProfileInfo]:
    """The profiles the visitor may see, by name."""
    return [p for p in context.jobs.profiles.list() if may_see(current, p)]


def find_profile(context: WebContext, current: Visit, name: str) -> ProfileInfo:
    """A profile the visitor may see, else ``NotFoundError``."""
    try:
        profile = context.jobs.profiles.get(name)
    except NotFoundError:
        raise NotFoundError("No such profile.") from None
    if not may_see(current, profile):
        raise NotFoundError("No such profile.")
    return profile


def require(current: Visit, privilege: str) -> None:
    """Refuse unless the visitor holds ``privilege``."""
    if not current.user.may(privilege):
        raise AccessDeniedError(f"This needs the {privilege} privilege.")
