"""User commands: list, inspect, create, change, rename and delete users."""

from __future__ import annotations

from typing import Any

from mailkeep.access.api.registry import COMMANDS, Arg, Call, split_list
from mailkeep.errors import InvalidInputError
from mailkeep.master.login_privileges import (
    LOGIN_PRIVILEGES,
    LoginPrivileges,
    parse_login_privileges,
    render,
)
from mailkeep.master.users import UserInfo, parse_privileges

USER = Arg("userName", help="The user name.")
LOGIN_PRIVILEGES_HELP = "Comma-separated: none, or " + ", ".join(LOGIN_PRIVILEGES) + "."


def user_summary(user: UserInfo) -> dict[str, Any]:
    """A user as GetUsers lists it."""
    return {
        "userName": user.name,
        "fullName": user.full_name,
        "distinguishedName": user.distinguished_name,
    }


def global_privileges(text: str) -> tuple[str, ...]:
    """The guide's privilege list: ``none`` alone, or privileges (``admin`` implies all)."""
    values = split_list(text)
    if "none" in values and len(values) > 1:
        raise InvalidInputError("The privilege none must be the only value in the list.")
    return parse_privileges(text)


def _list_users(call: Call) -> list[dict[str, Any]]:
    return [user_summary(u) for u in call.runtime.users.list()]


COMMANDS.command("GetUsers", "Every user (name, full name, distinguished name).")(_list_users)
COMMANDS.command("GetUserList", "Every user (the reference guide's name for GetUsers).")(
    _list_users
)


@COMMANDS.command("GetUserInfo", "Everything about one user.", USER)
def get_user_info(call: Call) -> dict[str, Any]:
    runtime = call.runtime
    user = runtime.users.get(call.get("userName"))
    grants = runtime.grants.of_user(user.id)
    return {
        **user_summary(user),
        "authentication": user.auth_mode,
        "emailAddresses": list(user.emails),
        "pop3UserNames": list(user.pop3_user_names),
        "privileges": list(user.privileges) or ["none"],
        "privilegesOnFolders": [
            {"folder": archive, "privileges": list(privileges)}
            for archive, privileges in sorted(grants.items())
        ],
        "loginPrivileges": render(LoginPrivileges(runtime.sessions).of_user(user.id)),
        "archive": user.archive,
    }


@COMMANDS.command(
    "CreateUser",
    "Create a user (and the user archive of the same name).",
    USER,
    Arg("privileges", help="Comma-separated global privileges."),
    Arg("fullName", nullable=True),
    Arg("distinguishedName", nullable=True),
    Arg("authentication", nullable=True, help="integrated (default) or directoryServices."),
    Arg("password", nullable=True, verbatim=True),
    Arg("loginPrivileges", nullable=True, help=LOGIN_PRIVILEGES_HELP + " Default: all."),
)
def create_user(call: Call) -> None:
    users = call.runtime.users
    name = call.get("userName")
    given = call.get("loginPrivileges")
    logins = parse_login_privileges(given) if given else None  # refused before creating
    user = users.create(
        name,
        privileges=global_privileges(call.get("privileges")),
        password=call.get("password") or None,
        full_name=call.get("fullName", ""),
        auth_mode=call.get("authentication", "integrated"),
    )
    if call.get("distinguishedName"):
        users.update(user.name, distinguished_name=call.get("distinguishedName"))
    if logins is not None:
        LoginPrivileges(call.runtime.sessions).set(user.id, logins)
    call.audit("user.created", user.name, privileges=list(user.privileges))


@COMMANDS.command("DeleteUser", "Delete a user; the user archive and its mail are kept.", USER)
def delete_user(call: Call) -> None:
    user = call.runtime.users.delete(call.get("userName"))
    call.audit("user.deleted", user.name)


@COMMANDS.command(
    "RenameUser",
    "Rename a user; the user archive keeps its name.",
    Arg("oldUserName"),
    Arg("newUserName"),
)
def rename_user(call: Call) -> None:
    old, new = call.get("oldUserName"), call.get("newUserName")
    call.runtime.users.rename(old, new)
    call.audit("user.renamed", old, new_name=new)


@COMMANDS.command(
    "SetUserPrivileges", "Replace a user's global privileges.", USER, Arg("privileges")
)
def set_user_privileges(call: Call) -> None:
    privileges = global_privileges(call.get("privileges"))
    user = call.runtime.users.set_privileges(call.get("userName"), privileges)
    call.audit("user.privileges_changed", user.name, privileges=list(privileges))


@COMMANDS.command(
    "SetUserLoginPrivileges",
    "Replace the interfaces a user may log on through (web and api are enforced).",
    USER,
    Arg("loginPrivileges", help=LOGIN_PRIVILEGES_HELP),
)
def set_user_login_privileges(call: Call) -> None:
    logins = parse_login_privileges(call.get("loginPrivileges"))
    user = call.runtime.users.get(call.get("userName"))
    LoginPrivileges(call.runtime.sessions).set(user.id, logins)
    call.audit("user.login_privileges_changed", user.name, loginPrivileges=render(logins))


@COMMANDS.command("SetUserPassword", "Set a user's password.", USER, Arg("password", verbatim=True))
def set_user_password(call: Call) -> None:
    user = call.runtime.users.set_password(call.get("userName"), call.get("password"))
    call.audit("user.password_changed", user.name)


@COMMANDS.command(
    "SetUserAuthentication",
    "Set how a user logs on (integrated or directoryServices).",
    USER,
    Arg("authentication"),
)
def set_user_authentication(call: Call) -> None:
    _update(call, "authentication", auth_mode=call.get("authentication"))


@COMMANDS.command(
    "SetUserFullName",
    "Set (or, without fullName, remove) a user's full name.",
    USER,
    Arg("fullName", nullable=True),
)
def set_user_full_name(call: Call) -> None:
    _update(call, "fullName", full_name=call.get("fullName", ""))


@COMMANDS.command(
    "SetUserDistinguishedName",
    "Set (or, without distinguishedName, remove) a user's LDAP distinguished name.",
    USER,
    Arg("distinguishedName", nullable=True),
)
def set_user_distinguished_name(call: Call) -> None:
    _update(call, "distinguishedName", distinguished_name=call.get("distinguishedName", ""))


@COMMANDS.command(
    "SetUserEmailAddresses",
    "Set a user's email addresses (comma-separated; the first is the primary one).",
    USER,
    Arg("emailAddresses", nullable=True),
)
def set_user_email_addresses(call: Call) -> None:
    _update(call, "emailAddresses", emails=split_list(call.get("emailAddresses")))


@COMMANDS.command(
    "SetUserPop3UserNames",
    "Set a user's POP3 user names (comma-separated).",
    USER,
    Arg("pop3UserNames", nullable=True),
)
def set_user_pop3_user_names(call: Call) -> None:
    _update(call, "pop3UserNames", pop3_user_names=split_list(call.get("pop3UserNames")))


def _update(call: Call, changed: str, **values: Any) -> None:
    user = call.runtime.users.update(call.get("userName"), **values)
    call.audit("user.updated", user.name, changed=changed)
