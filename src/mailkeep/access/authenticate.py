"""Checking a user's password: the one place every interface (web, admin API, later IMAP)
asks whether a name and password log someone on.

``integrated`` users are checked against their argon2id hash. ``directoryServices`` users are
checked by the directory: a bind with their own DN and password (LDAP, Active Directory), or a
logon to the configured IMAP server (``directory.login = imap``, as for MDaemon or Kerio). Their
directory password is never stored. Blocking (hashing, network): call it in a thread.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from typing import TYPE_CHECKING

from mailkeep.directory import config as directory_config
from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.ldap_source import LdapSource
from mailkeep.directory.model import DirectoryError
from mailkeep.errors import NotFoundError
from mailkeep.master.users import UserInfo

if TYPE_CHECKING:
    from mailkeep.runtime import Runtime

log = logging.getLogger("mailkeep.authenticate")


def _tls_context(insecure: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def imap_logon(config: DirectoryConfig, name: str, password: str) -> bool:
    """True when the IMAP server accepts ``name`` and ``password`` (then logs out)."""
    security = config.imap_security
    port = config.imap_port or (993 if security == "tls" else 143)
    timeout = config.timeout_seconds
    try:
        if security == "tls":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                config.imap_host,
                port,
                ssl_context=_tls_context(config.imap_insecure),
                timeout=timeout,
            )
        else:
            client = imaplib.IMAP4(config.imap_host, port, timeout=timeout)
            if security == "starttls":
                client.starttls(_tls_context(config.imap_insecure))
    except (OSError, imaplib.IMAP4.error) as exc:
        raise DirectoryError(
            f"Cannot reach the IMAP server {config.imap_host}:{port}: {exc}."
        ) from None
    try:
        client.login(name, password)
    except imaplib.IMAP4.error:
        return False
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            log.debug("IMAP logout failed after the logon check")
    return True


def _directory_password_ok(runtime: Runtime, user: UserInfo, password: str) -> bool:
    config = directory_config.load(runtime)
    if config.login == "imap" and config.imap_host:
        return imap_logon(config, user.name, password)
    if config.type not in ("ldap", "ad"):
        return False  # USERLIST.DAT and CSV hold no passwords: IMAP logon is the way there
    source = LdapSource(config)
    dn = user.distinguished_name or source.find_dn(user.name)
    return dn is not None and source.check_password(dn, password)


def authenticate(runtime: Runtime, name: str, password: str) -> UserInfo | None:
    """The user when ``password`` logs them on, else None (privileges are the caller's to
    check). A directory that cannot be reached refuses the logon and is logged."""
    if not name or not password:
        return None
    try:
        user = runtime.users.get(name)
    except NotFoundError:
        user = None
    if user is None or user.auth_mode != "directoryServices":
        return runtime.users.verify_password(name, password)
    try:
        return user if _directory_password_ok(runtime, user, password) else None
    except DirectoryError as exc:
        log.warning("directory logon of %s failed: %s", user.name, exc)
        return None


# As in MailStore: an administrator whose password is still "admin" logs on only locally.
LOCAL_ADDRESSES = frozenset({"127.0.0.1", "::1", "localhost"})


def logon_refusal(user: UserInfo | None, password: str, address: str) -> str | None:
    """Why ``user`` (as :func:`authenticate` returned it) may not log on from ``address``;
    None when they may. The reasons go to the audit log, never to the client."""
    if user is None:
        return "wrong user name or password"
    if not user.may("login"):
        return "no login privilege"
    if user.is_admin and password == "admin" and address not in LOCAL_ADDRESSES:  # noqa: S105
        return "default admin password from a remote address"
    return None


def interface_refusal(runtime: Runtime, user: UserInfo | None, interface: str) -> str | None:
    """Why ``user`` may not log on through ``interface`` (``web`` or ``api``) by their login
    privileges; None when they may (or when there is no user: :func:`logon_refusal` says so)."""
    from mailkeep.master.login_privileges import LoginPrivileges

    if user is None or LoginPrivileges(runtime.sessions).may_use(user.id, interface):
        return None
    return f"no {interface} login privilege"
