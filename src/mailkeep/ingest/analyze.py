"""Deriving listing fields and an index document from raw message bytes.

Runs inside worker processes. Attachment text extraction is capped per attachment by size,
time (an interval timer raises inside the worker) and text length, and per message by text
length; the worker's memory is capped too (see :mod:`.workers`), and an extraction that hits
that cap fails with MemoryError, which costs that attachment's text. The worker pool kills a
worker that still overruns, so one hostile attachment costs its own text, never the message.

Each worker remembers the text of the attachments it extracted recently, by content: the same
file attached to many messages (a circular sent to every mailbox, a contract carried along a
thread) is extracted once, and a file that timed out once is not tried again.
"""

from __future__ import annotations

import hashlib
import signal
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import FrameType

from mailkeep.index.model import IndexDocument
from mailkeep.index.schema import prepare_text
from mailkeep.ingest.extract import ExtractionError, extract_text, kind_of
from mailkeep.ingest.parse.mime import parse_message
from mailkeep.ingest.parse.model import Address, ParsedMessage
from mailkeep.store.model import Derived

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ExtractionPolicy:
    """Which attachments get their text extracted, and the caps on doing so."""

    kinds: frozenset[str]
    max_bytes: int
    timeout_seconds: float
    use_timer: bool = True  # interval timers work only in a process's main thread
    max_chars: int = 1_000_000  # text kept of one attachment
    message_max_chars: int = 4_000_000  # text kept of all attachments of one message

    def plain_only(self) -> ExtractionPolicy:
        """This policy for kinds whose extractors are Python code only: where a memory cap
        raises MemoryError (caught per attachment) instead of aborting a C or Rust library
        and the worker with it. For the second try of a message whose worker died."""
        return replace(self, kinds=self.kinds & PLAIN_KINDS)


PLAIN_KINDS = frozenset({"text", "csv"})


class _TimeoutError(BaseException):
    """Raised by the interval timer; a BaseException so that extractors' (and libraries')
    ``except Exception`` handlers cannot swallow it."""


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _TimeoutError


@contextmanager
def _time_limit(seconds: float, enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class TextCache:
    """Extracted attachment texts by content, least recently used first out; thread-safe.

    The key is the attachment's kind, SHA-256 and the time cap it was extracted under (a
    result that timed out under a short cap says nothing about a longer one). Bounded by the
    characters it holds. Small attachments are not kept: extracting them again costs about
    as much as hashing them.
    """

    MIN_BYTES = 1024

    def __init__(self, max_chars: int = 4_000_000) -> None:
        self.max_chars = max_chars
        self._texts: OrderedDict[bytes, tuple[str, str | None]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def key(self, policy: ExtractionPolicy, kind: str, data: bytes) -> bytes | None:
        """The cache key of an attachment (None: too small to be worth keeping)."""
        if len(data) < self.MIN_BYTES:
            return None
        return f"{kind}\0{policy.timeout_seconds!r}\0".encode() + hashlib.sha256(data).digest()

    def get(self, key: bytes) -> tuple[str, str | None] | None:
        with self._lock:
            found = self._texts.get(key)
            if found is not None:
                self._texts.move_to_end(key)
            return found

    def put(self, key: bytes, value: tuple[str, str | None]) -> None:
        if len(value[0]) > self.max_chars:
            return
        with self._lock:
            if key in self._texts:
                return
            self._texts[key] = value
            self._chars += len(value[0])
            while self._chars > self.max_chars:
                _key, (text, _problem) = self._texts.popitem(last=False)
                self._chars -= len(text)

    def __len__(self) -> int:
        return len(self._texts)


_CACHE = TextCache()  # one per worker process


def attachment_text(
    policy: ExtractionPolicy,
    filename: str,
    content_type: str,
    data: bytes,
    cache: TextCache | None = None,
) -> tuple[str, str | None]:
    """(text, problem) for one attachment under ``policy`` (``cache``: this process's
    own by default); never raises."""
    cache = _CACHE if cache is None else cache
    kind = kind_of(filename, content_type)
    if kind is None or kind not in policy.kinds:
        return "", None
    if len(data) > policy.max_bytes:
        return "", f"not indexed: larger than {policy.max_bytes} bytes"
    key = cache.key(policy, kind, data)
    found = cache.get(key) if key is not None else None
    if found is None:
        found = _extract(policy, kind, data)
        if key is not None:
            cache.put(key, found)
    return found


def _extract(policy: ExtractionPolicy, kind: str, data: bytes) -> tuple[str, str | None]:
    try:
        with _time_limit(policy.timeout_seconds, policy.use_timer):
            return extract_text(data, kind, policy.max_chars), None
    except _TimeoutError:
        return "", f"not indexed: text extraction took longer than {policy.timeout_seconds:g}s"
    except MemoryError:
        return "", "not indexed: text extraction needed more memory than a worker may use"
    except ExtractionError as exc:
        return "", str(exc)
    except Exception as exc:  # a library bug must not cost the message
        return "", f"{kind}: {type(exc).__name__}: {exc}"


def _addresses(values: tuple[Address, ...]) -> str:
    return ", ".join(a.display() for a in values)


def derive(parsed: ParsedMessage) -> Derived:
    """Listing fields and index document template of a parsed message."""
    attachments = [a for a in parsed.attachments if a.filename]
    problems = tuple(f"{a.filename}: {a.problem}" for a in parsed.attachments if a.problem)
    document = IndexDocument(
        entry_id=0,
        archive="",
        folder="",
        date=parsed.date or _EPOCH,
        size=0,
        sender=_addresses(parsed.sender),
        to=_addresses(parsed.to),
        cc=_addresses(parsed.cc),
        bcc=_addresses(parsed.bcc),
        subject=parsed.subject,
        body=parsed.body_text,
        attachment_names="\n".join(a.filename for a in attachments),
        attachment_text="\n".join(a.text for a in parsed.attachments if a.text),
        has_attachment=bool(attachments),
    )
    document = replace(document, prepared=prepare_text(document))  # off the writer's back
    return Derived(
        date=parsed.date,
        subject=parsed.subject,
        sender=document.sender,
        recipients=", ".join(x for x in (document.to, document.cc) if x),
        message_id=parsed.message_id,
        has_attachment=bool(attachments),
        defects=parsed.defects + problems,
        document=document,
    )


class _MessageBudget:
    """The attachment-text callback of one message: text beyond the per-message cap is cut."""

    def __init__(self, policy: ExtractionPolicy) -> None:
        self.policy = policy
        self.left = policy.message_max_chars

    def __call__(self, name: str, ctype: str, data: bytes) -> tuple[str, str | None]:
        text, problem = attachment_text(self.policy, name, ctype, data)
        if len(text) > self.left:
            text = text[: self.left]
            problem = f"text cut at the {self.policy.message_max_chars} characters per message"
        self.left -= len(text)
        return text, problem


def analyze(raw: bytes, policy: ExtractionPolicy | None) -> Derived:
    """Parse and extract one message (``policy`` None: list attachments without text)."""
    if policy is None:
        return derive(parse_message(raw))
    return derive(parse_message(raw, _MessageBudget(policy)))
