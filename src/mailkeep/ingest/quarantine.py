"""The quarantine: pushed messages that could not be archived, kept until someone retries them.

A message pushed to mailkeep (an upload, later SMTP and the API) that fails for a reason its
sender cannot fix by retrying (an unknown user archive, say) is kept here with its raw bytes,
its intended placement and the reason, in ``<data dir>/quarantine/``: one ``.eml`` file with the
exact bytes and one ``.json`` file beside it, each written atomically and fsynced before the
sender is told anything. ``mailkeep quarantine list`` shows them; ``mailkeep quarantine retry``
runs them through the ingest pipeline again and removes each one the archive then holds.

The bytes are stored as they came, unencrypted, like an upload in progress: the data directory
is the administrator's to protect, and the quarantine is meant to be emptied soon.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailkeep.errors import NotFoundError
from mailkeep.sources.base import SourceMessage, SourceProblem
from mailkeep.store.content.containers import fsync_dir

DIRECTORY = "quarantine"
_PREFIX = "quarantine:"


@dataclass(frozen=True)
class Quarantined:
    """One kept message: where it was meant to go and why it is here."""

    id: str
    archive: str
    folder: str
    step: str
    reason: str
    kept_at: str
    size: int
    origin: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "archive": self.archive,
            "folder": self.folder,
            "step": self.step,
            "reason": self.reason,
            "keptAt": self.kept_at,
            "size": self.size,
            "origin": self.origin,
        }


class Quarantine:
    """The quarantine folder of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.directory = data_dir / DIRECTORY

    def keep(self, message: SourceMessage, step: str, reason: str) -> str:
        """Keep ``message`` durably with its reason; returns its quarantine id."""
        self.directory.mkdir(mode=0o700, exist_ok=True)
        kept_id = f"{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(4)}"
        meta = {
            "archive": message.archive or "",
            "folder": message.folder,
            "flags": sorted(message.flags),
            "received": message.received.isoformat() if message.received else None,
            "step": step,
            "reason": reason,
            "keptAt": datetime.now(UTC).isoformat(),
            "size": len(message.raw),
            "origin": message.source_id,
        }
        # The bytes first: a listed entry always has its message.
        _write_atomically(self.directory / f"{kept_id}.eml", message.raw)
        _write_atomically(self.directory / f"{kept_id}.json", json.dumps(meta).encode())
        fsync_dir(self.directory)
        return kept_id

    def list(self) -> list[Quarantined]:
        """Every kept message, oldest first."""
        if not self.directory.is_dir():
            return []
        return [self._entry(path.stem) for path in sorted(self.directory.glob("*.json"))]

    def source(self, ids: Sequence[str] = ()) -> QuarantineSource:
        """The kept messages (or those named) as a message source for a retry."""
        chosen = list(ids) or [q.id for q in self.list()]
        for kept_id in chosen:
            self._entry(kept_id)  # an unknown id is refused before anything runs
        return QuarantineSource(self, chosen)

    def release(self, source_id: str) -> None:
        """Remove a message the archive now holds (``source_id`` from a retry's source)."""
        kept_id = source_id.removeprefix(_PREFIX)
        for suffix in (".json", ".eml"):
            (self.directory / f"{kept_id}{suffix}").unlink(missing_ok=True)
        fsync_dir(self.directory)

    def failed_again(self, source_id: str, step: str, reason: str) -> None:
        """Record the newest reason of a kept message a retry could not archive."""
        kept_id = source_id.removeprefix(_PREFIX)
        meta = {**self._meta(kept_id), "step": step, "reason": reason}
        _write_atomically(self.directory / f"{kept_id}.json", json.dumps(meta).encode())

    def discard(self, kept_id: str) -> None:
        """Delete a kept message without archiving it."""
        self._meta(kept_id)  # NotFoundError for an unknown id
        self.release(kept_id)

    def message(self, kept_id: str) -> SourceMessage:
        """A kept message as it was pushed, ready to be archived again."""
        meta = self._meta(kept_id)
        raw = (self.directory / f"{kept_id}.eml").read_bytes()
        received = datetime.fromisoformat(meta["received"]) if meta["received"] else None
        flags = frozenset(meta["flags"])
        archive = meta["archive"] or None
        return SourceMessage(raw, meta["folder"], f"{_PREFIX}{kept_id}", flags, received, archive)

    def _entry(self, kept_id: str) -> Quarantined:
        meta = self._meta(kept_id)
        fields = ("archive", "folder", "step", "reason", "keptAt", "size", "origin")
        return Quarantined(kept_id, *(meta[name] for name in fields))

    def _meta(self, kept_id: str) -> dict[str, Any]:
        path = self.directory / f"{kept_id}.json"
        if not kept_id or "/" in kept_id or not path.is_file():
            raise NotFoundError(f"No quarantined message {kept_id!r}.")
        loaded: dict[str, Any] = json.loads(path.read_bytes())
        return loaded


class QuarantineSource:
    """Kept messages as a message source (``mailkeep quarantine retry``)."""

    estimate_unit = "messages"

    def __init__(self, quarantine: Quarantine, ids: list[str]) -> None:
        self.problems: list[SourceProblem] = []
        self._quarantine = quarantine
        self._ids = ids

    def messages(self) -> Iterator[SourceMessage]:
        for kept_id in self._ids:
            try:
                yield self._quarantine.message(kept_id)
            except (OSError, NotFoundError, ValueError, KeyError) as exc:
                self.problems.append(SourceProblem(f"{_PREFIX}{kept_id}", str(exc)))

    def estimate(self) -> int | None:
        return len(self._ids)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
