"""From a saved profile to the message source a job reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mailkeep.errors import InvalidInputError
from mailkeep.jobs.accounts import UserSelection
from mailkeep.jobs.profiles import ProfileInfo
from mailkeep.master.names import name_key
from mailkeep.master.users import UserInfo
from mailkeep.sources.connection import Credentials, Endpoint
from mailkeep.sources.imap import FolderRules, ImapMailboxSource
from mailkeep.sources.journal import journal_router
from mailkeep.sources.mailbox import ConfirmableSource
from mailkeep.sources.multi import MailboxAccount, MultiMailboxSource
from mailkeep.sources.pop3 import Pop3Source
from mailkeep.sources.routing import AddressBook, RoutedSource, UnknownRule, multidrop_router
from mailkeep.sources.sync import RunProtocol, SyncLedger

Mailbox = ImapMailboxSource | Pop3Source


@dataclass
class JobSource:
    """What a job reads, plus the mailboxes behind it for the steps after the import."""

    source: ConfirmableSource
    archive: str | None
    mailboxes: list[Mailbox] = field(default_factory=list)


def endpoint_of(settings: dict[str, Any], timeout: float) -> Endpoint:
    """The server a profile connects to."""
    return Endpoint(
        settings["host"], int(settings["port"]), settings["security"], settings["insecure"], timeout
    )


def rules_of(settings: dict[str, Any]) -> FolderRules:
    """Folder and message filters of an IMAP profile."""
    return FolderRules(
        tuple(settings.get("include", ())),
        tuple(settings.get("exclude", ())),
        tuple(settings.get("skip_special", ())),
        bool(settings.get("skip_unread", False)),
        settings.get("older_than_days"),
        settings.get("newer_than_days"),
    )


def build_source(
    profile: ProfileInfo,
    secrets: dict[str, Any],
    users: list[UserInfo],
    ledger: SyncLedger,
    protocol: RunProtocol,
    should_stop: Callable[[], bool],
    timeout: float,
) -> JobSource:
    """The source of one run of ``profile``."""
    settings, kind = profile.settings, profile.kind
    endpoint = endpoint_of(settings, timeout)
    if kind in ("imap-multi", "imap-csv"):
        accounts = (
            _master_accounts(settings, secrets, users)
            if kind == "imap-multi"
            else _csv_accounts(settings, secrets)
        )
        rules = rules_of(settings)
        multi = MultiMailboxSource(endpoint, accounts, rules, ledger, protocol, should_stop)
        return JobSource(multi, None, list(multi.mailboxes))
    archive = profile.archive if kind in ("imap", "pop3") else None
    mailbox = _one_mailbox(profile, endpoint, secrets, archive, ledger, protocol, should_stop)
    if kind in ("imap", "pop3"):
        return JobSource(mailbox, archive, [mailbox])
    return JobSource(_routed(kind, mailbox, settings, users), None, [mailbox])


def _one_mailbox(
    profile: ProfileInfo,
    endpoint: Endpoint,
    secrets: dict[str, Any],
    archive: str | None,
    ledger: SyncLedger,
    protocol: RunProtocol,
    should_stop: Callable[[], bool],
) -> Mailbox:
    settings = profile.settings
    username, password = settings["username"], secrets["password"]
    if settings.get("protocol", profile.kind) == "pop3":
        return Pop3Source(endpoint, username, password, archive, ledger, protocol, should_stop)
    return ImapMailboxSource(
        endpoint,
        Credentials(username, password),
        username,
        archive,
        rules_of(settings),
        ledger,
        protocol,
        should_stop,
    )


def _routed(
    kind: str, mailbox: Mailbox, settings: dict[str, Any], users: list[UserInfo]
) -> RoutedSource:
    book = AddressBook({email: u.archive for u in users for email in u.emails})
    router = journal_router(book) if kind == "journal" else multidrop_router(book)
    unknown = UnknownRule.parse(settings.get("unknown", "skip"))
    if unknown.archive is not None:
        known = {name_key(u.name): u.archive for u in users}
        if name_key(unknown.archive) not in known:
            raise InvalidInputError(f"--unknown names unknown user {unknown.archive!r}.")
        unknown = UnknownRule(known[name_key(unknown.archive)], unknown.folder)
    return RoutedSource(mailbox, router, unknown)


def _master_accounts(
    settings: dict[str, Any], secrets: dict[str, Any], users: list[UserInfo]
) -> list[MailboxAccount]:
    master, password = settings["master_username"], secrets["password"]
    separator = settings.get("master_separator", "")
    accounts = []
    for user in UserSelection.parse(settings["users"]).choose(users):
        login = user.emails[0]
        if separator:  # the server's own syntax, e.g. Dovecot's user*master
            credentials = Credentials(f"{login}{separator}{master}", password)
        else:  # SASL PLAIN with an authorization identity (RFC 4616)
            credentials = Credentials(master, password, act_as=login)
        accounts.append(MailboxAccount(login, credentials, user.archive))
    return accounts


def _csv_accounts(settings: dict[str, Any], secrets: dict[str, Any]) -> list[MailboxAccount]:
    passwords = secrets["passwords"]
    return [
        MailboxAccount(a["login"], Credentials(a["login"], passwords[a["login"]]), a["user"])
        for a in settings["accounts"]
    ]
