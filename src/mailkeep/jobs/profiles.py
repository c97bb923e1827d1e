"""Saved archiving profiles in the master database.

A profile names a source kind, its settings (host, folders, filters, ...), the target user
archive (for single-mailbox kinds), an owner, an optional schedule and timeout. Credentials are
kept apart in ``secrets``, sealed with the master key: they are opened only to connect and
never appear in listings, results, logs or JSON output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mailkeep.crypto.keys import open_secret, seal_secret
from mailkeep.errors import ConflictError, InvalidInputError, NotFoundError
from mailkeep.jobs.schedule import Schedule, parse_schedule
from mailkeep.master.models import ArchivingProfile, JobResult

KINDS = ("imap", "pop3", "imap-multi", "imap-csv", "multidrop", "journal")
SINGLE_ARCHIVE_KINDS = ("imap", "pop3")
_NAME = re.compile(r"^[^\s/\\][^/\\]{0,254}$")


@dataclass(frozen=True)
class ProfileSpec:
    """What is needed to create a profile."""

    name: str
    kind: str
    settings: dict[str, Any]
    secrets: dict[str, Any]
    archive: str | None = None
    owner: str = ""
    schedule: str = ""
    timeout_seconds: int = 0


@dataclass(frozen=True)
class ProfileInfo:
    """A profile as shown to people and scripts (never its secrets)."""

    id: int
    name: str
    kind: str
    archive: str | None
    owner: str
    settings: dict[str, Any]
    schedule: str
    timeout_seconds: int
    next_run_at: datetime | None
    last_run_at: datetime | None
    secret_names: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``profile list/show``."""
        return {
            "name": self.name,
            "kind": self.kind,
            "user": self.archive,
            "owner": self.owner,
            "settings": self.settings,
            "schedule": self.schedule or None,
            "timeoutSeconds": self.timeout_seconds or None,
            "nextRunAt": self.next_run_at,
            "lastRunAt": self.last_run_at,
            "credentials": "stored encrypted" if self.secret_names else "none",
        }


def _info(row: ArchivingProfile, master_key: bytes | None = None) -> ProfileInfo:
    names: tuple[str, ...] = ()
    if row.secrets and master_key is not None:
        names = tuple(sorted(json.loads(open_secret(master_key, row.secrets))))
    elif row.secrets:
        names = ("sealed",)
    return ProfileInfo(
        row.id,
        row.name,
        row.kind,
        row.archive,
        row.owner,
        json.loads(row.settings),
        row.schedule,
        row.timeout_seconds,
        row.next_run_at,
        row.last_run_at,
        names,
    )


def _validated_schedule(spec: ProfileSpec) -> Schedule | None:
    """Check a profile about to be saved (created or edited); its parsed schedule."""
    if not _NAME.match(spec.name):
        raise InvalidInputError(f"Invalid profile name {spec.name!r}.")
    if spec.kind not in KINDS:
        raise InvalidInputError(f"Unknown profile kind {spec.kind!r}: use {', '.join(KINDS)}.")
    if spec.kind in SINGLE_ARCHIVE_KINDS and not spec.archive:
        raise InvalidInputError(f"A {spec.kind} profile needs --user (the target archive).")
    if spec.timeout_seconds < 0:
        raise InvalidInputError("--timeout must not be negative.")
    return parse_schedule(spec.schedule)


class ProfileDirectory:
    """Creating, finding, listing and deleting archiving profiles."""

    def __init__(self, sessions: sessionmaker[Session], master_key: bytes) -> None:
        self._sessions = sessions
        self._key = master_key

    def create(self, spec: ProfileSpec, now: datetime) -> ProfileInfo:
        """Validate and save a new profile; its first scheduled run is computed from ``now``."""
        schedule = _validated_schedule(spec)
        with self._sessions.begin() as session:
            if self._find(session, spec.name) is not None:
                raise ConflictError(f"A profile named {spec.name!r} already exists.")
            row = ArchivingProfile(
                id=self._next_id(session),
                name=spec.name,
                kind=spec.kind,
                archive=spec.archive,
                owner=spec.owner,
                settings=json.dumps(spec.settings, sort_keys=True),
                secrets=seal_secret(self._key, json.dumps(spec.secrets)) if spec.secrets else "",
                schedule=schedule.text if schedule else "",
                timeout_seconds=spec.timeout_seconds,
                next_run_at=schedule.next_after(now) if schedule else None,
                created_at=now,
            )
            session.add(row)
        return _info(row, self._key)

    def update(self, name: str, spec: ProfileSpec, now: datetime) -> ProfileInfo:
        """Replace a profile's settings, secrets, target, schedule and time limit with those of
        ``spec``, validated as ``create`` validates. Name, kind and owner stay (a profile's
        sync ledger and results follow it); the next run is computed again from ``now``."""
        schedule = _validated_schedule(spec)
        with self._sessions.begin() as session:
            row = self._find(session, name)
            if row is None:
                raise NotFoundError(f"Unknown profile {name!r}.")
            if spec.name.lower() != row.name.lower() or spec.kind != row.kind:
                raise InvalidInputError("A profile's name and source kind cannot be changed.")
            row.archive = spec.archive
            row.settings = json.dumps(spec.settings, sort_keys=True)
            row.secrets = seal_secret(self._key, json.dumps(spec.secrets)) if spec.secrets else ""
            row.schedule = schedule.text if schedule else ""
            row.timeout_seconds = spec.timeout_seconds
            row.next_run_at = schedule.next_after(now) if schedule else None
            return _info(row, self._key)

    @staticmethod
    def _next_id(session: Session) -> int:
        """An id no profile and no job result ever had: SQLite reuses the highest id after a
        delete, and a new profile must not inherit a deleted one's results (scripts ask for
        results by ``profileID``)."""
        highest = session.scalar(select(func.max(ArchivingProfile.id))) or 0
        recorded = session.scalar(select(func.max(JobResult.profile_id))) or 0
        return max(highest, recorded) + 1

    @staticmethod
    def _find(session: Session, name: str) -> ArchivingProfile | None:
        query = select(ArchivingProfile).where(func.lower(ArchivingProfile.name) == name.lower())
        return session.scalars(query).first()

    def get(self, name: str) -> ProfileInfo:
        """A profile by name (case-insensitive)."""
        with self._sessions() as session:
            row = self._find(session, name)
        if row is None:
            raise NotFoundError(f"Unknown profile {name!r}.")
        return _info(row, self._key)

    def list(self) -> list[ProfileInfo]:
        """Every profile, by name."""
        with self._sessions() as session:
            rows = list(session.scalars(select(ArchivingProfile).order_by(ArchivingProfile.name)))
        return [_info(r, self._key) for r in rows]

    def secrets(self, name: str) -> dict[str, Any]:
        """The opened credentials of a profile: only for connecting."""
        with self._sessions() as session:
            row = self._find(session, name)
        if row is None:
            raise NotFoundError(f"Unknown profile {name!r}.")
        return dict(json.loads(open_secret(self._key, row.secrets))) if row.secrets else {}

    def delete(self, name: str) -> ProfileInfo:
        """Delete a profile and its sync ledger; its job results stay."""
        with self._sessions.begin() as session:
            row = self._find(session, name)
            if row is None:
                raise NotFoundError(f"Unknown profile {name!r}.")
            info = _info(row, self._key)
            session.delete(row)
        return info

    def set_runs(
        self, profile_id: int, next_run_at: datetime | None, last_run_at: datetime | None
    ) -> None:
        """Persist scheduling state (before a scheduled run starts: no double runs)."""
        with self._sessions.begin() as session:
            row = session.get(ArchivingProfile, profile_id)
            if row is not None:
                row.next_run_at = next_run_at
                if last_run_at is not None:
                    row.last_run_at = last_run_at

    def note_run(self, profile_id: int, started_at: datetime) -> None:
        """Record when the profile last ran (every run: manual, CLI, API or schedule)."""
        with self._sessions.begin() as session:
            row = session.get(ArchivingProfile, profile_id)
            if row is not None:  # deleted meanwhile: its results stay, nothing to note on
                row.last_run_at = started_at
