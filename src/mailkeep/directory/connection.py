"""Connecting to an LDAP server (plain, StartTLS or LDAPS) and turning its failures into
:class:`DirectoryError` messages an administrator can act on (never containing a password)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import ldap
from ldap.controls import SimplePagedResultsControl

from mailkeep.directory.config import DirectoryConfig
from mailkeep.directory.model import BindRefusedError, DirectoryError

PAGE_SIZE = 500
Entry = tuple[str, dict[str, list[bytes]]]


def _info(exc: ldap.LDAPError) -> str:
    detail = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    parts = [str(detail.get("desc", "")), str(detail.get("info", ""))]
    return "; ".join(p for p in parts if p and p != "(unknown error code)") or type(exc).__name__


def _looks_like_tls(text: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in ("certificate", "tls", "ssl", "handshake", "verif"))


def _port_open(config: DirectoryConfig) -> bool:
    """Whether the server accepts TCP connections: libldap reports an LDAPS handshake that
    failed (an untrusted certificate) exactly like an unreachable server."""
    try:
        with socket.create_connection((config.host, config.effective_port), config.timeout_seconds):
            return True
    except OSError:
        return False


def explain(exc: ldap.LDAPError, config: DirectoryConfig, during: str) -> DirectoryError:
    """One clear sentence for an LDAP failure while ``during`` (connecting, binding, ...)."""
    where = f"{config.host}:{config.effective_port}"
    info = _info(exc)
    if isinstance(exc, ldap.INVALID_CREDENTIALS):
        return BindRefusedError(f"The directory server {where} refused the bind DN or password.")
    if isinstance(exc, ldap.FILTER_ERROR):
        return DirectoryError(f"The directory server rejected the search filter: {info}.")
    if isinstance(exc, ldap.TIMEOUT):
        return DirectoryError(f"The directory server {where} did not answer in time.")
    if config.security != "none" and (
        isinstance(exc, ldap.CONNECT_ERROR)
        or _looks_like_tls(info)
        or during == "tls"
        or (isinstance(exc, ldap.SERVER_DOWN) and _port_open(config))
    ):
        return DirectoryError(
            f"TLS with the directory server {where} failed (certificate not trusted or "
            f"handshake refused: {info}); trust its CA (directory.ca_file) or allow "
            "untrusted certificates (--insecure)."
        )
    if isinstance(exc, ldap.SERVER_DOWN):
        return DirectoryError(f"Cannot reach the directory server {where}: {info}.")
    return DirectoryError(f"The directory server {where} failed while {during}: {info}.")


def _open(config: DirectoryConfig) -> Any:
    scheme = "ldaps" if config.security == "tls" else "ldap"
    conn = ldap.initialize(f"{scheme}://{config.host}:{config.effective_port}")
    conn.set_option(ldap.OPT_PROTOCOL_VERSION, 3)
    conn.set_option(ldap.OPT_REFERRALS, 0)  # AD referrals would need credentials elsewhere
    conn.set_option(ldap.OPT_NETWORK_TIMEOUT, config.timeout_seconds)
    conn.set_option(ldap.OPT_TIMEOUT, config.timeout_seconds)
    if config.security != "none":
        demand = ldap.OPT_X_TLS_NEVER if config.insecure else ldap.OPT_X_TLS_DEMAND
        conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, demand)
        if config.ca_file:
            conn.set_option(ldap.OPT_X_TLS_CACERTFILE, config.ca_file)
        conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)  # apply the options to this connection
    return conn


@contextmanager
def connected(config: DirectoryConfig, dn: str, password: str) -> Iterator[Any]:
    """An LDAP connection bound as ``dn`` (anonymous when both are empty), then unbound."""
    conn = _open(config)
    try:
        if config.security == "starttls":
            try:
                conn.start_tls_s()
            except ldap.LDAPError as exc:
                raise explain(exc, config, "tls") from None
        try:
            conn.simple_bind_s(dn, password)
        except ldap.LDAPError as exc:
            raise explain(exc, config, "binding") from None
        yield conn
    finally:
        with suppress(ldap.LDAPError):  # the connection may never have opened
            conn.unbind_s()


def search(
    conn: Any, config: DirectoryConfig, base: str, filter_: str, attrs: list[str], *, scope: int = 2
) -> Iterator[Entry]:
    """Every entry matching, page by page (AD answers at most 1,000 entries per search)."""
    page = SimplePagedResultsControl(True, size=PAGE_SIZE, cookie=b"")
    while True:
        try:
            msgid = conn.search_ext(base, scope, filter_, attrs, serverctrls=[page])
            _type, data, _id, controls = conn.result3(msgid)
        except ldap.NO_SUCH_OBJECT:
            raise DirectoryError(
                f"The DN {base!r} does not exist on {config.host}:{config.effective_port}."
            ) from None
        except ldap.LDAPError as exc:
            raise explain(exc, config, "searching") from None
        for dn, values in data:
            if dn is not None:  # search references (referrals) carry no DN: skipped
                yield dn, values
        cookie = next(
            (c.cookie for c in controls if c.controlType == SimplePagedResultsControl.controlType),
            b"",
        )
        if not cookie:
            return
        page.cookie = cookie


def texts(values: dict[str, list[bytes]], attribute: str) -> list[str]:
    """The values of an attribute as text (attribute names are case-insensitive in LDAP)."""
    wanted = attribute.lower()
    for name, raw in values.items():
        if name.lower() == wanted:
            return [v.decode("utf-8", "replace").strip() for v in raw if v.strip()]
    return []


def normal_dn(dn: str) -> str:
    """A DN in one spelling for comparisons (spacing and case of names do not matter)."""
    try:
        return str(ldap.dn.dn2str(ldap.dn.str2dn(dn))).lower()
    except ldap.DECODING_ERROR:
        return dn.strip().lower()
