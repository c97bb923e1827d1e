"""Which user archives a profile can file mail into, and whether its owner may do that.

The one check every interface runs when a profile is saved (web, CLI, administration API) and
the job runner runs again before each run, because privileges and users change in between.
Rule: administrators (and the operator at the command line) may file into any archive; anyone
else only into their own. Kinds that route by address or pick users by selection
(``multidrop``, ``journal``, ``imap-multi``) reach every user's archive, so they are for
administrators only; ``imap-csv`` names its target archive per account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mailkeep.errors import AccessDeniedError, NotFoundError
from mailkeep.master.names import name_key
from mailkeep.master.users import UserInfo
from mailkeep.sources.routing import UnknownRule

ROUTED_KINDS = ("multidrop", "journal", "imap-multi")  # reach users by address or selection


class TargetedProfile(Protocol):
    """What the check reads of a profile (a saved ``ProfileInfo`` or a new ``ProfileSpec``)."""

    @property
    def kind(self) -> str: ...

    @property
    def archive(self) -> str | None: ...

    @property
    def settings(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class ProfileTargets:
    """The archives a profile names, and whether it also reaches users by address."""

    archives: tuple[str, ...]
    any_user: bool


def profile_targets(profile: TargetedProfile, users: list[UserInfo]) -> ProfileTargets:
    """Every archive ``profile`` can file into; ``unknown=archive:USER`` resolves to USER's
    archive (NotFoundError when no such user exists)."""
    settings = profile.settings
    named = [profile.archive] if profile.archive else []
    named += [str(account["user"]) for account in settings.get("accounts", ())]
    unknown = UnknownRule.parse(str(settings.get("unknown", "skip")))
    if unknown.archive is not None:
        owner = next((u for u in users if name_key(u.name) == name_key(unknown.archive)), None)
        if owner is None:
            raise NotFoundError(f"--unknown names unknown user {unknown.archive!r}.")
        named.append(owner.archive)
    return ProfileTargets(tuple(dict.fromkeys(named)), profile.kind in ROUTED_KINDS)


def check_profile_targets(
    actor: UserInfo | None, profile: TargetedProfile, users: list[UserInfo]
) -> ProfileTargets:
    """Refuse (AccessDeniedError) a profile that would file into archives ``actor`` may not
    write: only administrators file into other users' archives. ``actor`` None is the
    operator at the command line, who administers the server."""
    targets = profile_targets(profile, users)
    if actor is None or actor.is_admin:
        return targets
    if targets.any_user:
        raise AccessDeniedError(
            f"Only administrators may use {profile.kind} profiles: they file mail into other "
            f"users' archives."
        )
    foreign = [a for a in targets.archives if name_key(a) != name_key(actor.archive)]
    if foreign:
        raise AccessDeniedError(
            f"{actor.name} may archive only into their own archive, not into {foreign[0]!r}."
        )
    return targets


def profile_owner(owner: str, users: list[UserInfo]) -> UserInfo | None:
    """The user a saved profile acts for: None for the operator (``owner`` empty);
    AccessDeniedError when the owner no longer exists (their rights went with them)."""
    if not owner:
        return None
    found = next((u for u in users if name_key(u.name) == name_key(owner)), None)
    if found is None:
        raise AccessDeniedError(
            f"The profile's owner {owner!r} no longer exists; an administrator must re-create it."
        )
    return found
