"""Text caps per attachment and per message, the HTML markup cap and the worker memory cap."""

from __future__ import annotations

from mailkeep.ingest.analyze import ExtractionPolicy, analyze
from mailkeep.ingest.extract import DEFAULT_INDEXED_KINDS
from mailkeep.ingest.parse.mime import parse_message
from mailkeep.ingest.workers import WorkerPool
from tests.conftest import build_message
from tests.unit.ingest.bombs import docx_bomb, xlsx_bomb


def _policy(**caps: int) -> ExtractionPolicy:
    return ExtractionPolicy(DEFAULT_INDEXED_KINDS, 1 << 30, 20.0, use_timer=False, **caps)


def test_attachment_text_is_capped_per_attachment_and_per_message() -> None:
    raw = build_message(1, attachments=(
        ("a.txt", "text/plain", b"alpha " * 20),
        ("b.txt", "text/plain", b"bravo " * 20),
        ("c.txt", "text/plain", b"charlie " * 20),
    ))  # fmt: skip
    derived = analyze(raw, _policy(max_chars=50, message_max_chars=80))
    text = derived.document.attachment_text
    first, second = text.split("\n")
    assert first.startswith("alpha alpha") and len(first) <= 50
    assert second.startswith("bravo") and len(first) + len(second) <= 80
    assert "charlie" not in text
    assert any(d.startswith("b.txt: text cut at the 80 characters") for d in derived.defects)


def test_html_bodies_are_converted_up_to_a_multiple_of_the_body_cap() -> None:
    html = "<html><body>" + "<p>lorem ipsum</p>" * 100_000 + "<p>tailword</p></body></html>"
    raw = b"Subject: big\r\nContent-Type: text/html\r\n\r\n" + html.encode()
    parsed = parse_message(raw, max_body_chars=10_000)
    assert "tailword" not in parsed.body_text and len(parsed.body_text) <= 10_000
    assert any(d.startswith("HTML body larger than 40000") for d in parsed.defects)


def test_a_worker_over_its_memory_cap_loses_the_attachment_text_only() -> None:
    raw = build_message(3, subject="memo with bomb", attachments=(
        ("minutes.docx", "application/octet-stream", docx_bomb(150 << 20)),
        ("figures.xlsx", "application/octet-stream", xlsx_bomb(150 << 20)),
        ("notes.txt", "text/plain", b"giraffe notes\n"),
    ))  # fmt: skip
    with WorkerPool(_policy(), 1, memory_bytes=256 << 20) as pool:
        (derived,) = pool.derive([raw])
        assert derived.subject == "memo with bomb"
        assert "giraffe" in derived.document.attachment_text
        for name in ("minutes.docx: not indexed", "figures.xlsx: xlsx: not indexed"):
            assert any(d.startswith(name) and "memory" in d for d in derived.defects), name
        assert not any("worker failed" in d for d in derived.defects)
        # the same worker goes on with the next message
        (after,) = pool.derive([build_message(4)])
        assert after.subject == "Quarterly report 4" and after.defects == ()
