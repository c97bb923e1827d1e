"""``mailkeep directory ...``: configure the directory service, show it, test it, sync users."""

from __future__ import annotations

from typing import Any

import typer

from mailkeep.access.cli.context import guarded, runtime
from mailkeep.access.cli.output import JsonOption, console, emit_json, table
from mailkeep.access.cli.users import read_password_stdin
from mailkeep.directory import config as directory_config
from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.sources import source_for
from mailkeep.directory.sync import SyncResult, sync_directory
from mailkeep.master.users import parse_privileges
from mailkeep.runtime import Runtime

app = typer.Typer(help="Directory services: LDAP, Active Directory, MDaemon or CSV users.")
configure_app = typer.Typer(help="Configure the directory service (replaces the configuration).")
app.add_typer(configure_app, name="configure")

_privileges_option = typer.Option(
    "login", "--default-privileges", help="Comma-separated privileges of new users."
)
_delete_option = typer.Option(
    False, "--delete-missing", help="Delete directory users no longer in the directory."
)
_login_option = typer.Option("directory", "--login", help="Check passwords by: directory, imap.")
_imap_host_option = typer.Option("", "--imap-host", help="IMAP server checking passwords.")
_imap_port_option = typer.Option(0, "--imap-port", min=0, help="IMAP port (0: by security).")
_imap_security_option = typer.Option("none", "--imap-security", help="none, starttls or tls.")
_imap_insecure_option = typer.Option(
    False, "--imap-insecure", help="Accept an untrusted IMAP certificate."
)


def _store(rt: Runtime, config: DirectoryConfig, json: bool) -> None:
    directory_config.save(rt, config)
    rt.audit.record("directory.configured", "cli", type=config.type, host=config.host)
    shown = config.public()
    if json:
        emit_json(shown)
    else:
        console.print(f"Directory service configured: {config.type}.", markup=False)


def _ldap(kind: str) -> Any:
    def command(
        ctx: typer.Context,
        host: str = typer.Option(..., "--host", help="Directory server name or address."),
        port: int = typer.Option(0, "--port", min=0, help="Port (0: 389, or 636 with tls)."),
        security: str = typer.Option("none", "--security", help="none, starttls or tls."),
        insecure: bool = typer.Option(False, "--insecure", help="Accept untrusted certificates."),
        ca_file: str = typer.Option("", "--ca-file", help="PEM CA certificates to trust."),
        bind_dn: str = typer.Option("", "--bind-dn", help="DN (or UPN) to bind as."),
        password_stdin: bool = typer.Option(
            False, "--password-stdin", help="Read the bind password from stdin."
        ),
        base_dn: str = typer.Option(..., "--base-dn", help="Where users are searched."),
        filter_: str = typer.Option("", "--filter", help="RFC 4515 filter selecting users."),
        user_attr: str = typer.Option("", "--user-attr", help="User name attribute."),
        name_attr: str = typer.Option("", "--name-attr", help="Full name attribute."),
        email_attr: list[str] = typer.Option([], "--email-attr", help="Email attribute (repeat)."),
        group: list[str] = typer.Option([], "--group", help="Only members of this group DN."),
        nested_groups: str = typer.Option("walk", "--nested-groups", help="walk, or chain (AD)."),
        include_disabled: bool = typer.Option(False, "--include-disabled", help="AD: all."),
        include_without_mail: bool = typer.Option(False, "--include-without-mail", help="AD."),
        include_hidden: bool = typer.Option(False, "--include-hidden", help="AD: hidden too."),
        delete_missing: bool = _delete_option,
        default_privileges: str = _privileges_option,
        login: str = _login_option,
        imap_host: str = _imap_host_option,
        imap_port: int = _imap_port_option,
        imap_security: str = _imap_security_option,
        imap_insecure: bool = _imap_insecure_option,
        json: bool = JsonOption,
    ) -> None:
        password = read_password_stdin() if password_stdin else None
        with runtime(ctx) as rt:
            stored = directory_config.load(rt)
            if password is None:  # keep the stored password for the same bind DN
                password = stored.bind_password if stored.bind_dn == bind_dn else ""
            config = DirectoryConfig(
                type=kind, host=host, port=port, security=security, insecure=insecure,
                ca_file=ca_file, bind_dn=bind_dn, bind_password=password, base_dn=base_dn,
                filter=filter_, user_attribute=user_attr, name_attribute=name_attr,
                email_attributes=tuple(email_attr), groups=tuple(group),
                nested_groups=nested_groups, ad_enabled_only=not include_disabled,
                ad_mail_enabled_only=not include_without_mail, ad_skip_hidden=not include_hidden,
                delete_missing=delete_missing,
                default_privileges=parse_privileges(default_privileges), login=login,
                imap_host=imap_host, imap_port=imap_port, imap_security=imap_security,
                imap_insecure=imap_insecure,
            )  # fmt: skip
            _store(rt, config, json)

    command.__doc__ = (
        "Use a generic LDAP directory (OpenLDAP, eDirectory, ...)."
        if kind == "ldap"
        else "Use Active Directory (sAMAccountName, mail + proxyAddresses, enabled users)."
    )
    return command


configure_app.command("ldap")(guarded(_ldap("ldap")))
configure_app.command("ad")(guarded(_ldap("ad")))


def _file(kind: str) -> Any:
    def command(
        ctx: typer.Context,
        file: str = typer.Option(..., "--file", help="The user file."),
        encoding: str = typer.Option(
            "cp1252" if kind == "mdaemon" else "utf-8", "--encoding", help="File encoding."
        ),
        delete_missing: bool = _delete_option,
        default_privileges: str = _privileges_option,
        login: str = typer.Option("imap", "--login", help="Check passwords by: imap."),
        imap_host: str = _imap_host_option,
        imap_port: int = _imap_port_option,
        imap_security: str = _imap_security_option,
        imap_insecure: bool = _imap_insecure_option,
        json: bool = JsonOption,
    ) -> None:
        config = DirectoryConfig(
            type=kind, file=file, file_encoding=encoding, delete_missing=delete_missing,
            default_privileges=parse_privileges(default_privileges),
            login=login if imap_host else "directory", imap_host=imap_host,
            imap_port=imap_port, imap_security=imap_security, imap_insecure=imap_insecure,
        )  # fmt: skip
        with runtime(ctx) as rt:
            _store(rt, config, json)

    command.__doc__ = (
        "Use an MDaemon USERLIST.DAT file (log on through MDaemon's IMAP server)."
        if kind == "mdaemon"
        else "Use a CSV file with columns name, full_name, email, dn."
    )
    return command


configure_app.command("mdaemon")(guarded(_file("mdaemon")))
configure_app.command("csv")(guarded(_file("csv")))


@app.command("show")
@guarded
def show(ctx: typer.Context, json: bool = JsonOption) -> None:
    """Show the directory configuration (the bind password only as set or not)."""
    with runtime(ctx) as rt:
        shown = directory_config.load(rt).public()
    if json:
        emit_json(shown)
    else:
        table(["option", "value"], [(k, v) for k, v in shown.items()])


@app.command("test")
@guarded
def test(ctx: typer.Context, json: bool = JsonOption) -> None:
    """Connect to the directory and count the users it would sync (changes nothing)."""
    with runtime(ctx) as rt:
        source = source_for(directory_config.load(rt))
        users = source.users()
    result = {"type": source.kind, "users": len(users), "sample": [u.name for u in users[:10]]}
    if json:
        emit_json(result)
    else:
        console.print(f"{source.kind}: {len(users)} users.", markup=False)


def _print(result: SyncResult) -> None:
    verb = "would be " if result.dry_run else ""
    for label, names in (
        ("created", result.created),
        ("updated", result.updated),
        ("deleted", result.deleted),
    ):
        console.print(f"{len(names)} {verb}{label}: {', '.join(names)}", markup=False)
    console.print(f"{result.unchanged} unchanged", markup=False)
    if result.skipped:
        console.print(f"skipped (local or invalid): {', '.join(result.skipped)}", markup=False)


@app.command("sync")
@guarded
def sync(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="List the changes; make none."),
    json: bool = JsonOption,
) -> None:
    """Create, update (and optionally delete) users to match the directory."""
    with runtime(ctx) as rt:
        result = sync_directory(rt, dry_run, actor="cli")
    if json:
        emit_json(result.as_dict())
    else:
        _print(result)
