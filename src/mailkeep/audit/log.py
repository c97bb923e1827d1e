"""The audit log: named events stored in the master database and echoed to the log."""

from __future__ import annotations

import json
import logging
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
        return [
            AuditRecord(r.id, r.at, r.name, r.actor, r.address, r.target, json.loads(r.detail))
            for r in rows
        ]
