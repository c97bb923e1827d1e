"""The sync ledger of one profile, kept in the master database.

Confirmations arrive one message at a time from the import's writer thread; they are buffered
and written in batches (one transaction each) so a 10,000-message run does not cost 10,000
fsyncs. Losing a buffer in a crash only means those messages are read again next run, where
the archive recognises them by content: nothing is archived twice.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session, sessionmaker

from mailkeep.master.models import SyncFolder, SyncMessage
from mailkeep.sources.sync import FolderState, SeenMessage

FLUSH_EVERY = 500


class DatabaseLedger:
    """:class:`~mailkeep.sources.sync.SyncLedger` for one profile in the master database."""

    def __init__(self, sessions: sessionmaker[Session], profile_id: int) -> None:
        self._sessions = sessions
        self._profile = profile_id
        self._buffer: list[tuple[str, str, int, SeenMessage]] = []
        self._lock = threading.Lock()

    def folder(self, mailbox: str, folder: str) -> FolderState | None:
        with self._sessions() as session:
            row = session.get(SyncFolder, (self._profile, mailbox, folder))
            if row is None:
                return None
            query = select(SyncMessage).where(*self._where(mailbox, folder))
            messages = {m.uid: _seen(m) for m in session.scalars(query)}
        return FolderState(row.uidvalidity, messages)

    def folders(self, mailbox: str) -> dict[str, FolderState]:
        with self._sessions() as session:
            query = select(SyncFolder.folder).where(
                SyncFolder.profile_id == self._profile, SyncFolder.mailbox == mailbox
            )
            names = list(session.scalars(query))
        return {name: state for name in names if (state := self.folder(mailbox, name))}

    def reset(self, mailbox: str, folder: str, uidvalidity: int) -> None:
        self.flush()
        with self._sessions.begin() as session:
            session.execute(delete(SyncMessage).where(*self._where(mailbox, folder)))
            row = session.get(SyncFolder, (self._profile, mailbox, folder))
            if row is None:
                session.add(
                    SyncFolder(
                        profile_id=self._profile,
                        mailbox=mailbox,
                        folder=folder,
                        uidvalidity=uidvalidity,
                    )
                )
            else:
                row.uidvalidity = uidvalidity

    def record(self, mailbox: str, folder: str, uidvalidity: int, seen: SeenMessage) -> None:
        with self._lock:
            self._buffer.append((mailbox, folder, uidvalidity, seen))
            full = len(self._buffer) >= FLUSH_EVERY
        if full:
            self.flush()

    def forget(self, mailbox: str, folder: str, uids: list[str]) -> None:
        self.flush()
        with self._sessions.begin() as session:
            for start in range(0, len(uids), 500):
                chunk = uids[start : start + 500]
                session.execute(
                    delete(SyncMessage).where(
                        *self._where(mailbox, folder), SyncMessage.uid.in_(chunk)
                    )
                )

    def flush(self) -> None:
        with self._lock:
            buffer, self._buffer = self._buffer, []
        if not buffer:
            return
        with self._sessions.begin() as session:
            query = select(SyncFolder).where(SyncFolder.profile_id == self._profile)
            validity = {(r.mailbox, r.folder): r.uidvalidity for r in session.scalars(query)}
            by_folder: dict[tuple[str, str], dict[str, SeenMessage]] = {}
            for mailbox, folder, uidvalidity, seen in buffer:
                known = validity.setdefault((mailbox, folder), uidvalidity)
                if known != uidvalidity:
                    continue  # confirmed under a UIDVALIDITY that has since changed
                if (mailbox, folder) not in by_folder and not session.get(
                    SyncFolder, (self._profile, mailbox, folder)
                ):
                    session.add(
                        SyncFolder(
                            profile_id=self._profile,
                            mailbox=mailbox,
                            folder=folder,
                            uidvalidity=uidvalidity,
                        )
                    )
                by_folder.setdefault((mailbox, folder), {})[seen.uid] = seen
            for (mailbox, folder), seen_by_uid in by_folder.items():
                self._replace(session, mailbox, folder, list(seen_by_uid.values()))

    def _replace(
        self, session: Session, mailbox: str, folder: str, seen: list[SeenMessage]
    ) -> None:
        uids = [s.uid for s in seen]
        for start in range(0, len(uids), 500):
            chunk = uids[start : start + 500]
            session.execute(
                delete(SyncMessage).where(*self._where(mailbox, folder), SyncMessage.uid.in_(chunk))
            )
        session.add_all(
            SyncMessage(
                profile_id=self._profile,
                mailbox=mailbox,
                folder=folder,
                uid=s.uid,
                sha256=s.sha256,
                archives="\n".join(s.archives),
                # SQLite keeps no zone: store UTC, read back as UTC (see _seen).
                message_date=s.date.astimezone(UTC) if s.date else None,
            )
            for s in seen
        )

    def _where(self, mailbox: str, folder: str) -> tuple[ColumnElement[bool], ...]:
        return (
            SyncMessage.profile_id == self._profile,
            SyncMessage.mailbox == mailbox,
            SyncMessage.folder == folder,
        )


def _seen(row: SyncMessage) -> SeenMessage:
    date: datetime | None = row.message_date
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return SeenMessage(row.uid, row.sha256, tuple(a for a in row.archives.split("\n") if a), date)
