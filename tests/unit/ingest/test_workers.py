"""Worker isolation: a message whose analysis hangs or crashes a worker is still derived."""

from __future__ import annotations

import importlib
import sys

from mailkeep.ingest.analyze import ExtractionPolicy, attachment_text
from mailkeep.ingest.extract import DEFAULT_INDEXED_KINDS
from mailkeep.ingest.workers import WorkerPool
from tests.conftest import build_message
from tests.unit.ingest.hostile import dying_again, main_file_task, misbehaving_task

POLICY = ExtractionPolicy(DEFAULT_INDEXED_KINDS, 1 << 20, 0.2)


def _marked(n: int, marker: str) -> bytes:
    raw = build_message(n, subject=f"marked {marker}")
    return raw.replace(b"Subject:", f"X-Test: {marker}\nSubject:".encode(), 1)


def test_hanging_and_crashing_messages_fall_back_to_headers_and_body() -> None:
    raws = [build_message(0), _marked(1, "hang"), build_message(2), _marked(3, "crash")]
    raws += [build_message(n) for n in range(4, 40)]
    with WorkerPool(POLICY, 2, misbehaving_task) as pool:
        derived = pool.derive(raws)
        assert [d.subject for d in derived[:4]] == [
            "Quarterly report 0",
            "marked hang",
            "Quarterly report 2",
            "marked crash",
        ]
        assert any("timed out" in d for d in derived[1].defects)
        assert any("worker failed" in d for d in derived[3].defects)
        assert derived[2].defects == ()
        assert "falcon" in derived[1].document.body
        # the pool recovers: later batches are analysed normally
        again = pool.derive([build_message(50), build_message(51)])
        assert [d.subject for d in again] == ["Quarterly report 50", "Quarterly report 51"]


def test_a_message_that_kills_every_worker_keeps_its_header_fields() -> None:
    raws = [_marked(1, "crash"), build_message(2)]
    with WorkerPool(POLICY, 1, misbehaving_task, again=dying_again) as pool:
        crashed, fine = pool.derive(raws)
    assert crashed.subject == "marked crash" and crashed.sender.startswith("Alice Example")
    assert crashed.document.body == ""
    assert any("failed again" in d and "header block" in d for d in crashed.defects)
    assert fine.subject == "Quarterly report 2" and "falcon" in fine.document.body


def test_attachment_caps_are_reported_not_raised() -> None:
    big = ExtractionPolicy(DEFAULT_INDEXED_KINDS, 10, 5.0)
    assert attachment_text(big, "a.txt", "text/plain", b"x" * 100) == (
        "",
        "not indexed: larger than 10 bytes",
    )
    assert attachment_text(POLICY, "a.bin", "application/octet-stream", b"abc") == ("", None)
    importlib.import_module("mailkeep.ingest.extract.pdf")  # its import is not extraction time
    text, problem = attachment_text(POLICY, "a.pdf", "application/pdf", b"%PDF-broken")
    assert text == "" and problem and problem.startswith("pdf:")
    slow = ExtractionPolicy(DEFAULT_INDEXED_KINDS, 1 << 30, 0.05)
    html = ("<div>" * 60000 + "deep" + "</div>" * 60000).encode()
    text, problem = attachment_text(slow, "deep.html", "text/html", html)
    assert problem is None or "longer than" in problem


def test_workers_do_not_rerun_the_main_script() -> None:
    """Starting a worker must not import the parent's whole program (the CLI) again."""
    main_file = getattr(sys.modules["__main__"], "__file__", None)
    with WorkerPool(POLICY, 1, main_file_task) as pool:
        (derived,) = pool.derive([build_message(0)])
    assert main_file is None or derived.subject != str(main_file)
