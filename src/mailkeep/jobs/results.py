"""Job results in the master database: one row per run, written at start and at the end."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mailkeep.master.models import JobResult

STATUSES = (
    "running",
    "succeeded",
    "failed",
    "cancelled",
    "completedWithErrors",
    "completedWithWarnings",
)


@dataclass
class JobOutcome:
    """How one run ended: status, counts and the readable protocol.

    ``archived`` and ``duplicates`` count *filings*: a message filed into several user archives
    (multidrop, journal) counts once per archive. The protocol's folder rows count *messages*
    read from the mailbox; :meth:`message_counts` adds them up, so both can be named.
    """

    status: str
    archived: int = 0
    duplicates: int = 0
    failed: int = 0
    deleted: int = 0
    protocol: list[dict[str, Any]] | None = None
    id: int = 0
    profile: str = ""
    trigger: str = "manual"
    started_at: datetime | None = None
    ended_at: datetime | None = None
    profile_id: int | None = None

    def message_counts(self) -> tuple[int, int]:
        """``(archived, duplicates)`` in messages, from the protocol's folder rows.

        A message counts as archived once every copy of it is durably filed (as a duplicate
        when every copy already was). Without folder rows (the run ended before reading any
        mailbox, or a result older than the rows) each filing is taken as one message.
        """
        rows = [e for e in self.protocol or [] if "archived" in e and "duplicates" in e]
        if not rows:
            return self.archived, self.duplicates
        return sum(int(e["archived"]) for e in rows), sum(int(e["duplicates"]) for e in rows)

    def counts_text(self) -> str:
        """The counts as a person reads them: "archived 3 messages (4 filings), ..."."""
        messages, duplicate_messages = self.message_counts()
        return (
            f"archived {_both(messages, self.archived)}, "
            f"already archived {_both(duplicate_messages, self.duplicates)}, "
            f"failed {self.failed}, deleted at source {self.deleted}"
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``profile run --json`` and ``profile results --json``.

        ``archived``/``duplicates`` are filings (as always); ``archivedMessages`` and
        ``duplicateMessages`` count messages, as the protocol's folder rows do.
        """
        messages, duplicate_messages = self.message_counts()
        return {
            "id": self.id,
            "profile": self.profile,
            "trigger": self.trigger,
            "startedAt": self.started_at,
            "endedAt": self.ended_at,
            "status": self.status,
            "archived": self.archived,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "deleted": self.deleted,
            "archivedMessages": messages,
            "duplicateMessages": duplicate_messages,
            "protocol": self.protocol or [],
        }


def _both(messages: int, filings: int) -> str:
    """``3 messages (4 filings)``; just ``3 messages`` when each message was filed once."""
    text = f"{messages} message{'' if messages == 1 else 's'}"
    return (
        text if filings == messages else f"{text} ({filings} filing{'' if filings == 1 else 's'})"
    )


def _outcome(row: JobResult) -> JobOutcome:
    return JobOutcome(
        row.status,
        row.archived,
        row.duplicates,
        row.failed,
        row.deleted,
        json.loads(row.protocol),
        row.id,
        row.profile_name,
        row.trigger,
        row.started_at,
        row.ended_at,
        row.profile_id,
    )


class JobResults:
    """Recording and listing job results."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def start(self, profile_id: int, profile: str, trigger: str) -> JobOutcome:
        """Record that a run started (status ``running``)."""
        with self._sessions.begin() as session:
            row = JobResult(
                profile_id=profile_id,
                profile_name=profile,
                trigger=trigger,
                started_at=datetime.now(UTC),
                status="running",
            )
            session.add(row)
        return _outcome(row)

    def finish(self, outcome: JobOutcome) -> JobOutcome:
        """Record how a run ended."""
        with self._sessions.begin() as session:
            row = session.get(JobResult, outcome.id)
            assert row is not None
            row.status = outcome.status
            row.ended_at = datetime.now(UTC)
            row.archived, row.duplicates = outcome.archived, outcome.duplicates
            row.failed, row.deleted = outcome.failed, outcome.deleted
            row.protocol = json.dumps(outcome.protocol or [], ensure_ascii=False)
        return _outcome(row)

    def between(
        self, start: datetime, end: datetime, profile_id: int | None = None
    ) -> list[JobOutcome]:
        """Results of runs started in ``[start, end)``, oldest first (optionally one profile)."""
        query = (
            select(JobResult)
            .where(JobResult.started_at >= start, JobResult.started_at < end)
            .order_by(JobResult.id)
        )
        if profile_id is not None:
            query = query.where(JobResult.profile_id == profile_id)
        with self._sessions() as session:
            return [_outcome(r) for r in session.scalars(query)]

    def get(self, result_id: int) -> JobOutcome | None:
        """One result by its id, or None."""
        with self._sessions() as session:
            row = session.get(JobResult, result_id)
            return None if row is None else _outcome(row)

    def with_status(self, statuses: tuple[str, ...], limit: int = 10) -> list[JobOutcome]:
        """The newest results whose status is one of ``statuses``, newest first."""
        query = (
            select(JobResult)
            .where(JobResult.status.in_(statuses))
            .order_by(JobResult.id.desc())
            .limit(limit)
        )
        with self._sessions() as session:
            return [_outcome(r) for r in session.scalars(query)]

    def list(self, profile: str | None = None, limit: int = 50) -> list[JobOutcome]:
        """The newest results first, optionally for one profile."""
        query = select(JobResult).order_by(JobResult.id.desc()).limit(limit)
        if profile is not None:
            query = query.where(JobResult.profile_name == profile)
        with self._sessions() as session:
            return [_outcome(r) for r in session.scalars(query)]

    def mark_interrupted(self) -> int:
        """Runs left ``running`` by a stopped process become ``failed``; returns how many."""
        note = {
            "mailbox": "",
            "folder": "",
            "level": "error",
            "message": "interrupted: "
            "mailkeep stopped during the run; a rerun continues where it stopped",
        }
        with self._sessions.begin() as session:
            rows = list(session.scalars(select(JobResult).where(JobResult.status == "running")))
            for row in rows:
                row.status = "failed"
                row.ended_at = datetime.now(UTC)
                row.protocol = json.dumps([*json.loads(row.protocol), note])
        return len(rows)
