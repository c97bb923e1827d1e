"""``mailkeep profile create ...``: one command per source kind, all saving a profile."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from mailkeep.access.cli.context import guarded, runtime
from mailkeep.access.cli.output import JsonOption, console, emit_json
from mailkeep.errors import InvalidInputError
from mailkeep.jobs.accounts import UserSelection, read_accounts_csv
from mailkeep.jobs.profiles import ProfileDirectory, ProfileSpec
from mailkeep.jobs.schedule import HELP as SCHEDULE_HELP
from mailkeep.jobs.specs import folder_settings, server_settings
from mailkeep.jobs.targets import check_profile_targets
from mailkeep.runtime import Runtime
from mailkeep.sources.routing import UnknownRule

create_app = typer.Typer(help="Create an archiving profile.")

Host = typer.Option(..., "--host", help="Mail server host name.")
Port = typer.Option(None, "--port", help="Port (default by protocol and security).")
Security = typer.Option("tls", "--security", help="none, starttls or tls.")
Insecure = typer.Option(False, "--insecure", help="Accept untrusted (self-signed) certificates.")
Username = typer.Option(..., "--username", help="Login name at the mail server.")
PasswordStdin = typer.Option(False, "--password-stdin", help="Read the password from stdin.")
Archive = typer.Option(..., "--user", help="Target user archive.")
Include = typer.Option([], "--include", help="Archive only this folder and below (repeat).")
Exclude = typer.Option([], "--exclude", help="Skip this folder and below (repeat).")
SkipSpecial = typer.Option(
    "", "--skip-special", help="Skip folders by special use, e.g. junk,trash (RFC 6154)."
)
SkipUnread = typer.Option(False, "--skip-unread", help="Leave unread mail for a later run.")
OlderThan = typer.Option(None, "--older-than-days", min=1, help="Only mail at least N days old.")
NewerThan = typer.Option(None, "--newer-than-days", min=1, help="Only mail at most N days old.")
DeleteAfter = typer.Option(
    None,
    "--delete-after-days",
    min=0,
    help="Delete archived mail at the source once N days old (0: right after archiving). "
    "Off unless given.",
)
Schedule = typer.Option("", "--schedule", help=SCHEDULE_HELP)
Timeout = typer.Option(0, "--timeout", min=0, help="Stop a run after N seconds (0: setting).")
Unknown = typer.Option("skip", "--unknown", help="skip or archive:USER/FOLDER.")
Protocol = typer.Option("imap", "--protocol", help="imap or pop3.")
SyncDirectory = typer.Option(
    False, "--sync-directory", help="Sync users with the directory service before each run."
)


def _password(password_stdin: bool) -> str:
    if not password_stdin:
        raise InvalidInputError("Give the password on standard input with --password-stdin.")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InvalidInputError("No password on standard input.")
    return password


def _save(ctx: typer.Context, spec: ProfileSpec, json: bool, rt: Runtime | None = None) -> None:
    def create(opened: Runtime) -> dict[str, Any]:
        if spec.archive is not None:
            spec_archive = opened.users.get(spec.archive).archive
            final = ProfileSpec(**{**spec.__dict__, "archive": spec_archive})
        else:
            final = spec
        # The operator at the command line administers the server (actor None): the check
        # still refuses targets that do not exist, such as --unknown archive:NOBODY.
        check_profile_targets(None, final, opened.users.list())
        profiles = ProfileDirectory(opened.sessions, opened.master_key)
        return profiles.create(final, datetime.now(UTC)).as_dict()

    if rt is not None:
        info = create(rt)
    else:
        with runtime(ctx) as opened:
            info = create(opened)
    if json:
        emit_json(info)
    else:
        console.print(f"Created profile {info['name']} ({info['kind']}).")


@create_app.command("imap")
@guarded
def create_imap(
    ctx: typer.Context,
    name: str,
    host: str = Host,
    port: int | None = Port,
    security: str = Security,
    insecure: bool = Insecure,
    username: str = Username,
    password_stdin: bool = PasswordStdin,
    user: str = Archive,
    include: list[str] = Include,
    exclude: list[str] = Exclude,
    skip_special: str = SkipSpecial,
    skip_unread: bool = SkipUnread,
    older_than_days: int | None = OlderThan,
    newer_than_days: int | None = NewerThan,
    delete_after_days: int | None = DeleteAfter,
    schedule: str = Schedule,
    timeout: int = Timeout,
    json: bool = JsonOption,
) -> None:
    """Archive one IMAP mailbox into one user archive."""
    settings = {
        **server_settings("imap", host, port, security, insecure),
        **folder_settings(
            include, exclude, skip_unread, older_than_days, newer_than_days, skip_special
        ),
        "username": username,
        "delete_after_days": delete_after_days,
    }
    secrets = {"password": _password(password_stdin)}
    _save(ctx, ProfileSpec(name, "imap", settings, secrets, user, "", schedule, timeout), json)


@create_app.command("pop3")
@guarded
def create_pop3(
    ctx: typer.Context,
    name: str,
    host: str = Host,
    port: int | None = Port,
    security: str = Security,
    insecure: bool = Insecure,
    username: str = Username,
    password_stdin: bool = PasswordStdin,
    user: str = Archive,
    delete_after_days: int | None = DeleteAfter,
    schedule: str = Schedule,
    timeout: int = Timeout,
    json: bool = JsonOption,
) -> None:
    """Archive one POP3 mailbox into one user archive."""
    settings = {
        **server_settings("pop3", host, port, security, insecure),
        "username": username,
        "delete_after_days": delete_after_days,
    }
    secrets = {"password": _password(password_stdin)}
    _save(ctx, ProfileSpec(name, "pop3", settings, secrets, user, "", schedule, timeout), json)


@create_app.command("imap-multi")
@guarded
def create_imap_multi(
    ctx: typer.Context,
    name: str,
    host: str = Host,
    port: int | None = Port,
    security: str = Security,
    insecure: bool = Insecure,
    master_username: str = typer.Option(..., "--master-username", help="Privileged login."),
    password_stdin: bool = PasswordStdin,
    users: str = typer.Option("all", "--users", help="all, except:a,b or only:a,b."),
    master_separator: str = typer.Option(
        "",
        "--master-separator",
        help="Log in as USER<sep>MASTER (e.g. '*' for Dovecot); default SASL PLAIN authzid.",
    ),
    include: list[str] = Include,
    exclude: list[str] = Exclude,
    skip_special: str = SkipSpecial,
    skip_unread: bool = SkipUnread,
    older_than_days: int | None = OlderThan,
    newer_than_days: int | None = NewerThan,
    delete_after_days: int | None = DeleteAfter,
    sync_directory: bool = SyncDirectory,
    schedule: str = Schedule,
    timeout: int = Timeout,
    json: bool = JsonOption,
) -> None:
    """Archive the mailboxes of many users through a master login (each user's email)."""
    settings = {
        **server_settings("imap", host, port, security, insecure),
        **folder_settings(
            include, exclude, skip_unread, older_than_days, newer_than_days, skip_special
        ),
        "sync_directory": sync_directory,
        "master_username": master_username,
        "master_separator": master_separator,
        "users": UserSelection.parse(users).render(),
        "delete_after_days": delete_after_days,
    }
    secrets = {"password": _password(password_stdin)}
    spec = ProfileSpec(name, "imap-multi", settings, secrets, None, "", schedule, timeout)
    _save(ctx, spec, json)


@create_app.command("imap-csv")
@guarded
def create_imap_csv(
    ctx: typer.Context,
    name: str,
    host: str = Host,
    port: int | None = Port,
    security: str = Security,
    insecure: bool = Insecure,
    csv: Path = typer.Option(..., "--csv", help="user name, password, [email], [mailkeep user]."),
    include: list[str] = Include,
    exclude: list[str] = Exclude,
    skip_special: str = SkipSpecial,
    skip_unread: bool = SkipUnread,
    older_than_days: int | None = OlderThan,
    newer_than_days: int | None = NewerThan,
    delete_after_days: int | None = DeleteAfter,
    sync_directory: bool = SyncDirectory,
    schedule: str = Schedule,
    timeout: int = Timeout,
    json: bool = JsonOption,
) -> None:
    """Archive the IMAP mailboxes listed in a CSV file; missing users are created."""
    accounts = read_accounts_csv(csv.read_text(encoding="utf-8-sig"))
    server = server_settings("imap", host, port, security, insecure)
    with runtime(ctx) as rt:
        rows = []
        known = {u.name.lower(): u for u in rt.users.list()}
        for account in accounts:
            user = known.get(account.user_name().lower())
            if user is None:
                emails = (account.email,) if account.email else ()
                user = rt.users.create(account.user_name(), emails)
                known[user.name.lower()] = user
            rows.append({"login": account.login, "email": account.email, "user": user.archive})
        settings = {
            **server,
            **folder_settings(
                include, exclude, skip_unread, older_than_days, newer_than_days, skip_special
            ),
            "accounts": rows,
            "sync_directory": sync_directory,
            "delete_after_days": delete_after_days,
        }
        secrets = {"passwords": {a.login: a.password for a in accounts}}
        spec = ProfileSpec(name, "imap-csv", settings, secrets, None, "", schedule, timeout)
        _save(ctx, spec, json, rt)


def _routed(
    ctx: typer.Context,
    kind: str,
    name: str,
    server: dict[str, Any],
    username: str,
    password_stdin: bool,
    extra: dict[str, Any],
) -> ProfileSpec:
    settings = {**server, "username": username, "protocol": extra.pop("protocol"), **extra}
    secrets = {"password": _password(password_stdin)}
    schedule, timeout = settings.pop("schedule"), settings.pop("timeout")
    return ProfileSpec(name, kind, settings, secrets, None, "", schedule, timeout)


@create_app.command("multidrop")
@guarded
def create_multidrop(
    ctx: typer.Context,
    name: str,
    host: str = Host,
    port: int | None = Port,
    security: str = Security,
    insecure: bool = Insecure,
    username: str = Username,
    password_stdin: bool = PasswordStdin,
    protocol: str = Protocol,
    unknown: str = Unknown,
    include: list[str] = Include,
    exclude: list[str] = Exclude,
    skip_special: str = SkipSpecial,
    delete_after_days: int | None = DeleteAfter,
    schedule: str = Schedule,
    timeout: int = Timeout,
    json: bool = JsonOption,
) -> None:
    """Archive a catch-all mailbox: each message goes to the users whose addresses it names."""
    extra = {
        "protocol": protocol,
        "unknown": UnknownRule.parse(unknown).render(),
        **folder_settings(include, exclude, False, None, None, skip_special),
        "delete_after_days": delete_after_days,
        "schedule": schedule,
        "timeout": timeout,
    }
    server = server_settings(protocol, host, port, security, insecure)
    _save(ctx, _routed(ctx, "multidrop", name, server, username, password_stdin, extra), json)


@create_app.command("journal")
@guarded
def create_journal(
    ctx: typer.Context,
    name: str,
    host: str = Host,
    port: int | None = Port,
    security: str = Security,
    insecure: bool = Insecure,
    username: str = Username,
    password_stdin: bool = PasswordStdin,
    protocol: str = Protocol,
    unknown: str = Unknown,
    delete_after_days: int | None = DeleteAfter,
    schedule: str = Schedule,
    timeout: int = Timeout,
    json: bool = JsonOption,
) -> None:
    """Archive an Exchange / Microsoft 365 journal mailbox by each report's envelope."""
    extra = {
        "protocol": protocol,
        "unknown": UnknownRule.parse(unknown).render(),
        "delete_after_days": delete_after_days,
        "schedule": schedule,
        "timeout": timeout,
    }
    server = server_settings(protocol, host, port, security, insecure)
    _save(ctx, _routed(ctx, "journal", name, server, username, password_stdin, extra), json)
