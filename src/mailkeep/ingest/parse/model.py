"""The parsed view of a message: everything derived from the raw bytes for listing and search.

A :class:`ParsedMessage` is always produced, even for mail that is badly broken: whatever could
not be read is recorded in ``defects`` and the rest is best effort. It is derived data: it can be
recomputed from the archived raw bytes at any time and is never the source of truth.
Instances cross process boundaries (worker pool), so they hold only plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Address:
    """A mailbox address: display name (decoded) and address (may be "" when unparsable)."""

    name: str
    email: str

    def display(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.email or self.name


@dataclass(frozen=True)
class Attachment:
    """An attachment or inline part with a file name, or a nested message.

    ``text`` is the extracted searchable text ("" when the type is not indexed or extraction
    failed); ``problem`` says why there is no text when something went wrong (timeout, corrupt
    file, size cap), so the job protocol can report it.
    """

    filename: str
    content_type: str
    size: int
    text: str = ""
    problem: str | None = None


@dataclass(frozen=True)
class ParsedMessage:
    """Header fields, body text and attachments of one message, decoded to str."""

    subject: str = ""
    sender: tuple[Address, ...] = ()
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    date: datetime | None = None  # from the Date header, timezone-aware (UTC) when present
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    body_text: str = ""  # text/plain parts, or HTML converted to text; nested messages included
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = ()
    headers_only: bool = False  # True when only the header block could be analysed
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def has_attachment(self) -> bool:
        return any(a.filename for a in self.attachments)
