"""The audit log: named events stored in the master database and echoed to the log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mailkeep.audit.events import check_event
from mailkeep.master.models import AuditEvent

log = logging.getLogger("mailkeep.audit")


@dataclass(frozen=True)
class AuditRecord:
    """One recorded event."""

    id: int
    at: datetime
    name: str
    actor: str
    address: str
    target: str
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "event": self.name,
            "actor": self.actor,
            "address": self.address,
            "target": self.target,
            "detail": self.detail,
        }


class AuditLog:
    """Records events of the catalogue; never records secrets (callers pass none)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(
        self, event: str, actor: str = "", address: str = "", target: str = "", **detail: Any
    ) -> None:
        """Store one event durably and write it to the structured log."""
        name = check_event(event)
        with self._sessions.begin() as session:
            session.add(
                AuditEvent(
                    name=name,
                    actor=actor,
                    address=address,
                    target=target,
                    detail=json.dumps(detail, default=str, sort_keys=True),
                )
            )
        fields = {"event": name, "actor": actor, "address": address, "target": target, **detail}
        log.info(name, extra={"fields": fields})

    def recent(self, limit: int = 100, name_prefix: str = "") -> list[AuditRecord]:
        """The newest events first, optionally only those whose name starts with a prefix."""
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if name_prefix:
            query = query.where(AuditEvent.name.startswith(name_prefix))
        with self._sessions() as session:
            rows = list(session.scalars(query))
        return [_record(r) for r in rows]

    def recent_excluding(self, names: Iterable[str], limit: int = 20) -> list[AuditRecord]:
        """The newest events first, leaving out the events named (routine ones such as
        ``api.called``, which monitoring checks record every few minutes)."""
        query = (
            select(AuditEvent)
            .where(AuditEvent.name.not_in([check_event(n) for n in names]))
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
        with self._sessions() as session:
            return [_record(r) for r in session.scalars(query)]

    def latest(self, event: str, targets: Iterable[str]) -> dict[str, AuditRecord]:
        """{target: its newest ``event``} for those of ``targets`` that have one."""
        found: dict[str, AuditRecord] = {}
        with self._sessions() as session:
            for target in targets:
                query = (
                    select(AuditEvent)
                    .where(AuditEvent.name == check_event(event), AuditEvent.target == target)
                    .order_by(AuditEvent.id.desc())
                    .limit(1)
                )
                if (row := session.scalars(query).first()) is not None:
                    found[target] = _record(row)
        return found


def _record(row: AuditEvent) -> AuditRecord:
    return AuditRecord(
        row.id, row.at, row.name, row.actor, row.address, row.target, json.loads(row.detail)
    )
