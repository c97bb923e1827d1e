"""A small hand-made mail corpus for the index tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from mailkeep.index.model import IndexDocument


def make_doc(entry_id: int, **fields: Any) -> IndexDocument:
    """An IndexDocument with harmless defaults for the fields a test does not care about."""
    values: dict[str, Any] = {
        "archive": "alice",
        "folder": "Inbox",
        "date": datetime(2024, 1, 1, 12, tzinfo=UTC),
        "size": 5000,
        "sender": "",
        "to": "",
        "cc": "",
        "bcc": "",
        "subject": "",
        "body": "",
        "attachment_names": "",
        "attachment_text": "",
        "has_attachment": False,
    }
    values.update(fields)
    return IndexDocument(entry_id=entry_id, **values)


def _day(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


CORPUS: list[IndexDocument] = [
    make_doc(
        1,
        date=_day(2024, 1, 15, 10),
        size=2000,
        sender="Alice Smith <alice@example.com>",
        to="Bob Jones <bob@corp.org>",
        subject="Quarterly report Q4",
        body="Please find the quarterly report attached. Revenue grew nicely.",
        attachment_names="report-q4.pdf",
        attachment_text="Revenue table and EBITDA",
        has_attachment=True,
    ),
    make_doc(
        2,
        folder="Inbox/Work",
        date=_day(2024, 2, 1),
        size=50_000,
        sender="Carol <carol@example.org>",
        to="alice@example.com",
        cc="Dave <dave@corp.org>",
        bcc="secret@hidden.net",
        subject="Budget meeting",
        body="Let's discuss the budget on Monday. <script>alert('x')</script> & more budget",
    ),
    make_doc(
        3,
        folder="Inbox/Work/Projects",
        date=_day(2024, 2, 15),
        size=3_000_000,
        sender="erin@corp.org",
        subject="Project kickoff",
        body="The kickoff of project Falcon is next week.",
        attachment_names="slides.pptx",
        attachment_text="Falcon roadmap and milestones",
        has_attachment=True,
    ),
    make_doc(
        4,
        folder="Sent",
        date=datetime(2024, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),  # 2023-12-31 UTC
        size=800,
        sender="alice@example.com",
        to="alice.smith@example.com",
        subject="Re: Quarterly report Q4",
        body="Thanks, the report looks good.",
    ),
    make_doc(
        5,
        folder="Archive/2023",
        date=_day(2023, 6, 10),
        subject="Résumé",
        body="Café déjà vu, a naïve idea.",
    ),
    make_doc(
        6,
        archive="bob",
        folder="INBOX",
        date=_day(2024, 3, 1),
        sender="王伟 <wang@example.cn>",
        subject="会议安排",
        body="我们明天下午三点开会，讨论预算。",
    ),
    make_doc(
        7,
        archive="bob",
        folder="Inbox",
        date=_day(2024, 3, 2),
        subject="東京出張",
        body="来週東京都に出張します。Pythonでプログラムを書きます。",
    ),
    make_doc(
        8,
        archive="bob",
        folder="Inbox/Newsletters",
        date=_day(2024, 3, 3),
        size=10_240,
        subject="Weekly digest",
        body="Visit http://news.example.com/today for the news.",
    ),
    make_doc(
        9,
        archive="bob",
        folder="Inbox/Work",
        date=_day(2024, 3, 4),
        subject="Invoice 2024-001",
        body="See the attached invoice.",
        attachment_names="invoice.pdf\nterms.txt",
        attachment_text="Amount due 500 EUR",
        has_attachment=True,
    ),
    make_doc(
        10,
        date=_day(2024, 1, 15, 18),
        sender="bob@corp.org",
        to="alice@example.com",
        subject="Lunch?",
        body="Lunch tomorrow at noon? We could talk about the budget.",
    ),
    *[
        make_doc(
            100 + i,
            archive="alice" if i % 2 else "bob",
            folder="Filler",
            date=_day(2022, 1, 1 + i),
            subject=f"Filler message {i}",
            body=f"filler text number {i} " + "padding words here " * 20,
        )
        for i in range(10)
    ],
]
