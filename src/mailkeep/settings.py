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
    """One setting: ``kind`` is int, float, str or list (comma-separated str)."""

    name: str
    kind: type
    default: Any
    help: str
    minimum: float | None = None
    secret: bool = False  # sealed with the master key in the database; never shown

    def parse(self, text: str) -> Any:
        """Validate and convert a value given as text."""
        try:
            if self.kind is list:
                return [part.strip() for part in text.split(",") if part.strip()]
            value = self.kind(text)
        except ValueError as exc:
            raise InvalidInputError(
                f"Setting {self.name} must be {self.kind.__name__}, not {text!r}."
            ) from exc
        if self.minimum is not None and value < self.minimum:
            raise InvalidInputError(f"Setting {self.name} must be at least {self.minimum}.")
        return value

    def render(self, value: Any) -> str:
        """The text form of a value."""
        return ",".join(value) if self.kind is list else str(value)


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
        "ingest.workers",
        int,
        0,
        "Worker processes that parse mail and extract attachment text (0: one per CPU core).",
        minimum=0,
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
        ["text", "html", "pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "rtf", "csv"],
        "Attachment kinds whose text is extracted and indexed.",
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
        "web.bind",
        str,
        "0.0.0.0",  # noqa: S104 - web access is meant to be reached by the users' browsers
        "Address the web access listeners bind to.",
    ),
    Setting("web.http_port", int, 8461, "HTTP port of web access (0: off).", minimum=0),
    Setting("web.https_port", int, 8462, "HTTPS port of web access (0: off).", minimum=0),
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
        "Failed logons per user name within 15 minutes before further attempts are refused.",
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
)

SETTINGS: dict[str, Setting] = {s.name: s for s in _ALL}


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
