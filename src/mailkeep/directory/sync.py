"""Synchronising mailkeep's users with the configured directory.

A sync reads every directory user first and changes nothing until that has succeeded, so a
directory that fails (unreachable, wrong password, bad filter, untrusted certificate) leaves
every user as it was. Users are matched by name (case-insensitive):

- missing in mailkeep: created with ``directoryServices`` authentication and the configured
  default privileges (no password: they log on with their directory password);
- present with ``directoryServices`` authentication: full name, email addresses and DN follow
  the directory; a user renamed in the directory (same DN, old name gone) is renamed;
- present with ``integrated`` authentication: left alone (a directory must not take over a
  local account such as ``admin``), and reported as skipped;
- ``directoryServices`` users the directory no longer lists: deleted when
  ``directory.delete_missing`` is on; their user archives are kept. A directory that returns no
  users at all deletes nobody: the sync fails instead, as that is far likelier a
  misconfiguration than an empty organisation.

The scheduler (another issue) calls :func:`sync_directory` on its schedule and before
archiving profiles that ask for it; the admin API's ``SyncUsersWithDirectoryServices`` too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mailkeep.directory import config as directory_config
from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.model import DirectoryError, DirectorySource, DirectoryUser
from mailkeep.directory.sources import source_for
from mailkeep.errors import InvalidInputError
from mailkeep.master.users import UserInfo, UserRecord, check_emails, valid_name

if TYPE_CHECKING:
    from mailkeep.runtime import Runtime

DIRECTORY_AUTH = "directoryServices"


@dataclass
class SyncResult:
    """What a sync changed (or, in a dry run, would change)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The CLI and API contract: names created, updated and deleted; count unchanged."""
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
        }


@dataclass
class _Plan:
    result: SyncResult
    create: list[UserRecord] = field(default_factory=list)
    update: list[UserRecord] = field(default_factory=list)
    rename: list[tuple[str, str]] = field(default_factory=list)


def _clean(user: DirectoryUser) -> DirectoryUser | None:
    """The user with only valid addresses; None when the name cannot be a mailkeep user."""
    if not valid_name(user.name):
        return None
    emails: list[str] = []
    for email in user.emails:
        try:
            emails.extend(check_emails((email,)))
        except InvalidInputError:
            continue  # one odd address in a directory must not stop the user's sync
    return DirectoryUser(
        user.name, user.full_name, tuple(dict.fromkeys(emails)), user.distinguished_name
    )


def _difference(current: UserInfo, wanted: DirectoryUser) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if current.full_name != wanted.full_name:
        changes["fullName"] = wanted.full_name
    if current.emails != wanted.emails:
        changes["emails"] = list(wanted.emails)
    if current.distinguished_name != wanted.distinguished_name:
        changes["distinguishedName"] = wanted.distinguished_name
    return changes


@dataclass
class _Known:
    """mailkeep's users indexed for matching, and the names the directory lists."""

    by_name: dict[str, UserInfo]
    by_dn: dict[str, UserInfo]
    found_names: set[str]
    listed: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, existing: list[UserInfo], found: list[DirectoryUser]) -> _Known:
        by_dn = {
            u.distinguished_name.lower(): u
            for u in existing
            if u.auth_mode == DIRECTORY_AUTH and u.distinguished_name
        }
        names = {u.name.lower() for u in found}
        return cls({u.name.lower(): u for u in existing}, by_dn, names)

    def renamed(self, user: DirectoryUser) -> UserInfo | None:
        """The directory user mailkeep knows under an old name (same DN, old name gone)."""
        old = self.by_dn.get(user.distinguished_name.lower()) if user.distinguished_name else None
        return old if old is not None and old.name.lower() not in self.found_names else None


def _record(user: DirectoryUser, privileges: tuple[str, ...] = ()) -> UserRecord:
    return UserRecord(
        user.name, user.full_name, user.emails, privileges, DIRECTORY_AUTH, user.distinguished_name
    )


def _plan_user(
    todo: _Plan, known: _Known, user: DirectoryUser, privileges: tuple[str, ...]
) -> None:
    result = todo.result
    mine = known.by_name.get(user.name.lower())
    if mine is None and (old := known.renamed(user)) is not None:
        # Renamed in the directory (same DN): rename, so the user keeps grants and archive.
        known.listed.add(old.name.lower())
        todo.rename.append((old.name, user.name))
        mine = replace(old, name=user.name)
        result.changes[user.name] = {"renamedFrom": old.name}
    if mine is None:
        result.created.append(user.name)
        todo.create.append(_record(user, privileges))
    elif mine.auth_mode != DIRECTORY_AUTH:
        result.skipped.append(mine.name)
    elif (changes := _difference(mine, user)) or mine.name in result.changes:
        result.updated.append(mine.name)
        result.changes[mine.name] = {**result.changes.get(mine.name, {}), **changes}
        todo.update.append(_record(replace(user, name=mine.name)))
    else:
        result.unchanged += 1


def plan(
    existing: list[UserInfo],
    found: list[DirectoryUser],
    privileges: tuple[str, ...],
    delete_missing: bool,
) -> _Plan:
    """Compare the directory with mailkeep's users; nothing is changed here."""
    todo = _Plan(SyncResult())
    result, known = todo.result, _Known.of(existing, found)
    for raw in found:
        user = _clean(raw)
        if user is None or user.name.lower() in known.listed:
            result.skipped.append(raw.name)
            continue
        known.listed.add(user.name.lower())
        _plan_user(todo, known, user, privileges)
    if delete_missing:
        result.deleted = [
            u.name
            for u in existing
            if u.auth_mode == DIRECTORY_AUTH and u.name.lower() not in known.listed
        ]
    if result.deleted and not found:
        raise DirectoryError(
            f"The directory returned no users; refusing to delete {len(result.deleted)} users. "
            "Check the base DN, filter and groups."
        )
    return todo


def _apply(runtime: Runtime, todo: _Plan) -> None:
    users = runtime.users
    for old, new in todo.rename:
        users.rename(old, new)  # the user archive keeps its name
    if todo.create:
        users.create_many(todo.create)
    if todo.update:
        users.update_many(todo.update)
    for name in todo.result.deleted:
        users.delete(name)  # ends their sessions and grants; the user archive is kept


def run_sync(
    runtime: Runtime,
    config: DirectoryConfig,
    source: DirectorySource,
    dry_run: bool,
    actor: str = "system",
) -> SyncResult:
    """Read ``source`` and bring mailkeep's users in line with it, using the sync options of
    ``config`` (or only report, when dry: "test settings" before saving them)."""
    try:
        found = source.users()
        todo = plan(runtime.users.list(), found, config.default_privileges, config.delete_missing)
    except DirectoryError as exc:
        if not dry_run:
            runtime.audit.record("directory.sync_failed", actor, reason=str(exc))
        raise
    todo.result.dry_run = dry_run
    if not dry_run:
        _apply(runtime, todo)
        result = todo.result
        runtime.audit.record(
            "directory.synced",
            actor,
            source=source.kind,
            created=result.created,
            updated=result.updated,
            deleted=result.deleted,
            unchanged=result.unchanged,
            skipped=result.skipped,
        )
    return todo.result


def sync_directory(runtime: Runtime, dry_run: bool = False, actor: str = "scheduler") -> SyncResult:
    """Sync with the configured directory: the hook for the scheduler, the admin API, the
    CLI and the web page. Blocking (network and database): run it in a thread from async
    code. Raises DirectoryError (after recording ``directory.sync_failed``) on failure."""
    # Checked again here: `config set directory.*` can change one option without the others.
    config = directory_config.load(runtime).validate()
    return run_sync(runtime, config, source_for(config), dry_run, actor)
