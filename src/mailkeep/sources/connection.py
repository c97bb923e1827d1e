"""How mailkeep reaches a mail server: host, port, transport security, timeouts.

Shared by the IMAP and POP3 sources. ``security`` is ``none`` (plain text), ``starttls``
(upgrade after connecting) or ``tls`` (implicit TLS). ``insecure`` accepts untrusted
certificates (self-signed servers); otherwise certificates and host names are verified.
"""

from __future__ import annotations

import imaplib
import poplib
import socket
import ssl
from dataclasses import dataclass
from typing import Literal

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from mailkeep.sources.base import SourceError

Security = Literal["none", "starttls", "tls"]
SECURITY_CHOICES: tuple[Security, ...] = ("none", "starttls", "tls")
# Errors meaning "the connection or the server failed", as opposed to a bad message.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    imaplib.IMAP4.abort,
    poplib.error_proto,
    EOFError,
)


@dataclass(frozen=True)
class Endpoint:
    """Where a mail server listens and how to talk to it safely."""

    host: str
    port: int
    security: Security = "tls"
    insecure: bool = False
    timeout: float = 60.0

    def ssl_context(self) -> ssl.SSLContext:
        """Verifying by default; accepting any certificate only when asked to."""
        context = ssl.create_default_context()
        if self.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def describe(self) -> str:
        """``host:port (security)`` for protocols and errors."""
        return f"{self.host}:{self.port} ({self.security})"


@dataclass(frozen=True)
class Credentials:
    """A login. ``act_as`` logs in as ``username`` but opens the mailbox of ``act_as``
    (SASL PLAIN authorization identity, RFC 4616: a master user reading a user's mailbox)."""

    username: str
    password: str
    act_as: str = ""

    def __repr__(self) -> str:  # never show the password in logs or tracebacks
        return f"Credentials(username={self.username!r}, act_as={self.act_as!r})"


def open_imap(endpoint: Endpoint, credentials: Credentials) -> IMAPClient:
    """A logged-in IMAP connection; SourceError with a clear reason otherwise."""
    where = endpoint.describe()
    try:
        client = IMAPClient(
            endpoint.host,
            port=endpoint.port,
            ssl=endpoint.security == "tls",
            ssl_context=endpoint.ssl_context(),
            timeout=endpoint.timeout,
        )
    except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
        raise SourceError(f"Cannot connect to IMAP server {where}: {reason(exc)}") from None
    try:
        if endpoint.security == "starttls":
            client.starttls(endpoint.ssl_context())
        if credentials.act_as:
            client.plain_login(
                credentials.username,
                credentials.password,
                authorization_identity=credentials.act_as,
            )
        else:
            client.login(credentials.username, credentials.password)
    except LoginError:
        _close_quietly(client)
        who = credentials.act_as or credentials.username
        raise SourceError(f"IMAP login as {who} on {where} was refused.") from None
    except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
        _close_quietly(client)
        raise SourceError(f"IMAP server {where} failed during login: {reason(exc)}") from None
    return client


def open_pop3(endpoint: Endpoint, username: str, password: str) -> poplib.POP3:
    """A logged-in POP3 connection; SourceError with a clear reason otherwise."""
    where = endpoint.describe()
    try:
        if endpoint.security == "tls":
            client: poplib.POP3 = poplib.POP3_SSL(
                endpoint.host,
                endpoint.port,
                timeout=endpoint.timeout,
                context=endpoint.ssl_context(),
            )
        else:
            client = poplib.POP3(endpoint.host, endpoint.port, timeout=endpoint.timeout)
        if endpoint.security == "starttls":
            client.stls(endpoint.ssl_context())
    except (OSError, poplib.error_proto) as exc:
        raise SourceError(f"Cannot connect to POP3 server {where}: {reason(exc)}") from None
    try:
        client.user(username)
        client.pass_(password)
    except poplib.error_proto:
        _quit_quietly(client)
        raise SourceError(f"POP3 login as {username} on {where} was refused.") from None
    except OSError as exc:
        raise SourceError(f"POP3 server {where} failed during login: {reason(exc)}") from None
    return client


def reason(exc: BaseException) -> str:
    """A short user-facing reason for a network or protocol error."""
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = exc.args[0] if exc.args else exc
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text) or type(exc).__name__


def _close_quietly(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:  # already broken; nothing more to release
        return


def _quit_quietly(client: poplib.POP3) -> None:
    try:
        client.close()
    except Exception:  # already broken; nothing more to release
        return
