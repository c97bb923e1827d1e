"""Helpers for profile tests: create profiles against the test Dovecot and run them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mailkeep.jobs.profiles import ProfileDirectory, ProfileSpec
from mailkeep.jobs.results import JobOutcome
from mailkeep.jobs.runner import JobRunner
from mailkeep.runtime import Runtime
from tests.dovecot import Dovecot
from tests.integration.conftest import PASSWORD


def server_settings(server: Dovecot, security: str = "none", **extra: Any) -> dict[str, Any]:
    """Host settings for the test Dovecot (self-signed: insecure)."""
    ports = {"none": server.imap, "starttls": server.imap, "tls": server.imaps}
    return {
        "host": "127.0.0.1",
        "port": ports[security],
        "security": security,
        "insecure": True,
        **extra,
    }


def create(
    rt: Runtime,
    name: str,
    kind: str,
    settings: dict[str, Any],
    archive: str | None = None,
    secrets: dict[str, Any] | None = None,
    timeout: int = 0,
) -> None:
    """Save a profile (password ``PASSWORD`` unless ``secrets`` is given)."""
    spec = ProfileSpec(
        name, kind, settings, secrets or {"password": PASSWORD}, archive, timeout_seconds=timeout
    )
    ProfileDirectory(rt.sessions, rt.master_key).create(spec, datetime.now(UTC))


def run(rt: Runtime, name: str) -> JobOutcome:
    """Run a profile now."""
    return JobRunner(rt).run(name)


def folders(rt: Runtime, archive: str) -> dict[str, int]:
    """Message counts per folder of a user archive."""
    from mailkeep.access.browse import folder_counts

    return folder_counts(rt.stores, archive)
