"""The one typed schema of mailkeep's settings: name, type, default and help for each.

Settings live in the master database (``mailkeep config set NAME VALUE``); every value is
validated against this schema when set and when read, with a clear message. A test fails if a
setting is missing from docs/settings.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from mailkeep.errors import InvalidInputError


@dataclass(frozen=True)
class Setting:
    """One setting: ``kind`` is int, float, str, bool or list (comma-separated str).

    ``choices`` lists the allowed values of a str setting (or of each item of a list setting):
    a misspelt value is refused when it is set, instead of silently meaning something else."""

    name: str
    kind: type
    default: Any
    help: str
    minimum: float | None = None
    secret: bool = False  # sealed with the master key in the database; never shown
    choices: tuple[str, ...] = ()

    def parse(self, text: str) -> Any:
        """Validate and convert a value given as text."""
        try:
            if self.kind is list:
                return self._allowed([part.strip() for part in text.split(",") if part.strip()])
            if self.kind is str:
                return self._allowed([text])[0]
            if self.kind is bool:
                return _parse_bool(text)
            value = self.kind(text)
        except ValueError as exc:
            raise InvalidInputError(
                f"Setting {self.name} must be {self.kind.__name__}, not {text!r}."
            ) from exc
        if self.minimum is not None and value < self.minimum:
            raise InvalidInputError(f"Setting {self.name} must be at least {self.minimum}.")
        return value

    def _allowed(self, values: list[str]) -> list[str]:
        wrong = [v for v in values if self.choices and v not in self.choices]
        if wrong:
            allowed = ", ".join(repr(c) if c == "" else c for c in self.choices)
            raise InvalidInputError(
                f"Setting {self.name} does not allow {wrong[0]!r}; allowed: {allowed}."
            )
        return values

    def render(self, value: Any) -> str:
        """The text form of a value."""
        if self.kind is bool:
            return "true" if value else "false"
        return ",".join(value) if self.kind is list else str(value)


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0", ""):
        return False
    raise ValueError(text)


_SECURITY = ("none", "starttls", "tls")
_ATTACHMENT_KINDS = (
    "text",
    "html",
    "pdf",
    "docx",
    "xlsx",
    "pptx",
    "odt",
    "ods",
    "odp",
    "rtf",
    "csv",
)
_ALL = (
    Setting(
        "store.rollover_messages",
        int,
        500_000,
        "When the current archive store holds this many messages, a new store is created and "
        "made current.",
        minimum=1,
    ),
    Setting(
        "store.container_bytes",
        int,
        1 << 30,
        "Size at which a store starts a new content container file.",
        minimum=1 << 16,
    ),
    Setting(
        "store.base_dir",
        str,
        "",
        "Directory for new standard archive stores (default: <data dir>/stores).",
    ),
    Setting(
        "store.writer_wait_seconds",
        float,
        30.0,
        "How long a command waits for an archive store that another process (a running server's "
        'import, another command) is writing, before it gives up with "store in use".',
        minimum=0,
    ),
    Setting(
        "store.writer_idle_seconds",
        float,
        5.0,
        "The server gives a store's writer lock back after this long without writes, so that "
        "command-line imports and profile runs can write beside it.",
        minimum=0.5,
    ),
    Setting(
        "ingest.workers",
        int,
        0,
        "Worker processes that parse mail and extract attachment text (0: one per CPU core).",
        minimum=0,
    ),
    Setting(
        "ingest.worker_memory_mb",
        int,
        1024,
        "Memory (heap and private mappings, MiB) one analysis worker may use; an attachment "
        "whose extraction needs more is archived without its text.",
        minimum=128,
    ),
    Setting(
        "ingest.batch_size",
        int,
        200,
        "Messages written per durable batch (one fsync and one catalog transaction each).",
        minimum=1,
    ),
    Setting(
        "index.attachment_kinds",
        list,
        list(_ATTACHMENT_KINDS),
        "Attachment kinds whose text is extracted and indexed.",
        choices=_ATTACHMENT_KINDS,
    ),
    Setting(
        "index.attachment_max_bytes",
        int,
        25 * 1024 * 1024,
        "Attachments larger than this are listed but their text is not extracted.",
        minimum=0,
    ),
    Setting(
        "index.attachment_timeout_seconds",
        float,
        20.0,
        "Time allowed to extract the text of one attachment before it is skipped.",
        minimum=0.1,
    ),
    Setting(
        "index.attachment_max_chars",
        int,
        1_000_000,
        "Characters of text indexed from one attachment; the rest is not indexed.",
        minimum=0,
    ),
    Setting(
        "index.message_attachment_max_chars",
        int,
        4_000_000,
        "Characters of attachment text indexed from one message, all attachments together.",
        minimum=0,
    ),
    Setting(
        "web.bind",
        str,
        "0.0.0.0",  # noqa: S104 - web access is meant to be reached by the users' browsers
        "Address the web access listeners bind to.",
    ),
    Setting("web.http_port", int, 8461, "HTTP port of web access (0: off).", minimum=0),
    Setting("web.https_port", int, 8462, "HTTPS port of web access (0: off).", minimum=0),
    Setting(
        "web.http_mode",
        str,
        "redirect",
        "What the HTTP port of web access does: redirect (browsers to HTTPS; /healthz still "
        "answers) or serve (web access over plain HTTP, for a reverse proxy that terminates TLS).",
        choices=("redirect", "serve"),
    ),
    Setting(
        "web.trusted_proxies",
        list,
        [],
        "Addresses or networks of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto "
        "headers are believed (empty: none; the connecting address is the client's).",
    ),
    Setting(
        "web.hsts_max_age_seconds",
        int,
        365 * 24 * 3600,
        "max-age of the Strict-Transport-Security header on HTTPS responses (0: not sent).",
        minimum=0,
    ),
    Setting(
        "web.tls_cert",
        str,
        "",
        "PEM certificate chain for HTTPS (with web.tls_key); empty: a generated self-signed one.",
    ),
    Setting("web.tls_key", str, "", "PEM private key belonging to web.tls_cert."),
    Setting("web.tls_pkcs12", str, "", "PKCS#12 file with certificate and key, instead of PEM."),
    Setting(
        "web.tls_pkcs12_password",
        str,
        "",
        "Password of the PKCS#12 file (stored encrypted with the master key).",
        secret=True,
    ),
    Setting(
        "web.session_idle_minutes",
        int,
        60,
        "A web session ends after this many minutes without a request.",
        minimum=1,
    ),
    Setting(
        "web.login_failures_per_account",
        int,
        5,
        "Failed logons of one user name from one client address within 15 minutes before "
        "further attempts from there are refused; past this many failures from anywhere, "
        "attempts on the name are delayed (never refused).",
        minimum=1,
    ),
    Setting(
        "web.login_failures_per_address",
        int,
        20,
        "Failed logons per client address within 15 minutes before further attempts are refused.",
        minimum=1,
    ),
    Setting(
        "web.login_delay_max_seconds",
        float,
        5.0,
        "Longest wait before a logon of a user name that failed too often from anywhere (the "
        "wait doubles with each further failure, starting at one second).",
        minimum=0,
    ),
    Setting(
        "api.bind",
        str,
        "",
        "Address the administration API listeners bind to (empty: the same as web.bind).",
    ),
    Setting(
        "api.https_port",
        int,
        8463,
        "HTTPS port of the administration API (0: off); it uses web access's certificate.",
        minimum=0,
    ),
    Setting(
        "api.http_port",
        int,
        0,
        "Plain HTTP port of the administration API (0: off, the default; passwords would cross "
        "the network in clear).",
        minimum=0,
    ),
    Setting(
        "web.upload_max_bytes",
        int,
        4 << 30,
        "Largest file a user may upload into an archive from the browser.",
        minimum=1,
    ),
    Setting(
        "jobs.max_parallel",
        int,
        2,
        "Archiving jobs that may run at the same time; further jobs wait for a free slot.",
        minimum=1,
    ),
    Setting(
        "jobs.timeout_seconds",
        int,
        0,
        "Default time limit of an archiving job (0: none); a profile's --timeout overrides it.",
        minimum=0,
    ),
    Setting(
        "jobs.connection_timeout_seconds",
        float,
        60.0,
        "How long a job waits for a mail server to answer before giving up on the connection.",
        minimum=1.0,
    ),
    Setting(
        "notify.smtp_host",
        str,
        "",
        "SMTP relay for notifications about failed jobs (empty: no notifications).",
    ),
    Setting("notify.smtp_port", int, 25, "Port of the SMTP relay.", minimum=1),
    Setting(
        "notify.smtp_security",
        str,
        "none",
        "Transport security towards the SMTP relay: none, starttls or tls.",
        choices=_SECURITY,
    ),
    Setting(
        "notify.from",
        str,
        "mailkeep@localhost",
        "Sender address of notifications.",
    ),
    Setting(
        "notify.recipients",
        list,
        [],
        "Who is notified (empty: every user with the admin privilege and an email address).",
    ),
)

# Directory services (docs/directory.md): one configured directory, read by directory.config.
_DIRECTORY = (
    Setting(
        "directory.type",
        str,
        "",
        "Directory source: ldap, ad, mdaemon, csv (empty: none).",
        choices=("", "ldap", "ad", "mdaemon", "csv"),
    ),
    Setting(
        "directory.sync_schedule",
        str,
        "",
        "When the server syncs users with the directory: every:MINUTES, daily:HH:MM, "
        "weekly:DAYS:HH:MM or cron:EXPRESSION (UTC); empty: only on demand.",
    ),
    Setting("directory.host", str, "", "LDAP or Active Directory server name or address."),
    Setting("directory.port", int, 0, "LDAP port (0: 389, or 636 for LDAPS).", minimum=0),
    Setting(
        "directory.security",
        str,
        "none",
        "LDAP encryption: none, starttls or tls.",
        choices=_SECURITY,
    ),
    Setting("directory.insecure", bool, False, "Accept an untrusted LDAP server certificate."),
    Setting("directory.ca_file", str, "", "PEM file of CA certificates to trust for LDAP TLS."),
    Setting("directory.bind_dn", str, "", "DN (or UPN on AD) mailkeep binds as to read users."),
    Setting(
        "directory.bind_password",
        str,
        "",
        "Password of directory.bind_dn (stored encrypted with the master key).",
        secret=True,
    ),
    Setting("directory.base_dn", str, "", "Where users are searched (subtree)."),
    Setting("directory.filter", str, "", "RFC 4515 filter selecting users (optional)."),
    Setting("directory.user_attribute", str, "", "Attribute holding the user name."),
    Setting("directory.name_attribute", str, "", "Attribute holding the full name."),
    Setting("directory.email_attributes", list, [], "Attributes holding email addresses."),
    Setting("directory.groups", str, "", "Only members of these group DNs (';'-separated)."),
    Setting(
        "directory.nested_groups",
        str,
        "walk",
        "Group membership: walk or chain (AD).",
        choices=("walk", "chain"),
    ),
    Setting("directory.ad_enabled_only", bool, True, "AD: only enabled accounts."),
    Setting("directory.ad_mail_enabled_only", bool, True, "AD: only users with an address."),
    Setting("directory.ad_skip_hidden", bool, True, "AD: skip users hidden from address lists."),
    Setting("directory.file", str, "", "USERLIST.DAT (mdaemon) or CSV file (csv)."),
    Setting("directory.file_encoding", str, "utf-8", "Encoding of directory.file."),
    Setting("directory.delete_missing", bool, False, "Delete users missing from the directory."),
    Setting("directory.default_privileges", list, ["login"], "Privileges of synced new users."),
    Setting("directory.timeout_seconds", float, 10.0, "Directory network timeout.", minimum=0.1),
    Setting(
        "directory.login",
        str,
        "directory",
        "Password check: directory or imap.",
        choices=("directory", "imap"),
    ),
    Setting("directory.imap_host", str, "", "IMAP server that checks passwords (login=imap)."),
    Setting("directory.imap_port", int, 0, "IMAP port (0: 143, or 993 with tls).", minimum=0),
    Setting(
        "directory.imap_security",
        str,
        "none",
        "IMAP encryption: none, starttls or tls.",
        choices=_SECURITY,
    ),
    Setting("directory.imap_insecure", bool, False, "Accept an untrusted IMAP certificate."),
)

SETTINGS: dict[str, Setting] = {s.name: s for s in (*_ALL, *_DIRECTORY)}


def setting(name: str) -> Setting:
    """Look up a setting by name, with a clear error for unknown names."""
    try:
        return SETTINGS[name]
    except KeyError as exc:
        known = ", ".join(sorted(SETTINGS))
        raise InvalidInputError(f"Unknown setting {name!r}. Known settings: {known}.") from exc


def cpu_count() -> int:
    """Cores available to this process."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
