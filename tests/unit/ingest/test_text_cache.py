"""Attachment texts are extracted once per content: the same file in many messages costs one
extraction per worker, and a file that timed out is not tried again under the same cap."""

from __future__ import annotations

import time

import pytest

from mailkeep.ingest import analyze as analysis
from mailkeep.ingest.analyze import ExtractionPolicy, TextCache, attachment_text
from mailkeep.ingest.extract import DEFAULT_INDEXED_KINDS
from tests.conftest import build_message

POLICY = ExtractionPolicy(DEFAULT_INDEXED_KINDS, 1 << 22, 5.0, use_timer=True)
BIG = b"minutes of the board meeting " * 1000  # above TextCache.MIN_BYTES
SMALL = b"a short note"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The attachments actually extracted (the extractor still runs)."""
    seen: list[bytes] = []
    real = analysis.extract_text

    def counting(data: bytes, kind: str, max_chars: int) -> str:
        seen.append(data)
        return real(data, kind, max_chars)

    monkeypatch.setattr(analysis, "extract_text", counting)
    return seen


def test_the_same_attachment_is_extracted_once(calls: list[bytes]) -> None:
    cache = TextCache()
    first = attachment_text(POLICY, "minutes.txt", "text/plain", BIG, cache)
    again = attachment_text(POLICY, "copy of minutes.txt", "text/plain", BIG, cache)
    assert first == again
    assert "board meeting" in first[0]
    assert calls == [BIG]


def test_small_attachments_and_other_kinds_are_extracted_each_time(calls: list[bytes]) -> None:
    cache = TextCache()
    for _ in range(2):
        attachment_text(POLICY, "note.txt", "text/plain", SMALL, cache)
    attachment_text(POLICY, "minutes.txt", "text/plain", BIG, cache)
    attachment_text(POLICY, "minutes.html", "text/html", BIG, cache)
    assert calls == [SMALL, SMALL, BIG, BIG]
    assert len(cache) == 2


def test_a_timed_out_attachment_is_not_tried_again_under_the_same_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tried: list[int] = []

    def slow(data: bytes, kind: str, max_chars: int) -> str:
        tried.append(1)
        time.sleep(2)
        return "never"

    monkeypatch.setattr(analysis, "extract_text", slow)
    cache = TextCache()
    short = ExtractionPolicy(DEFAULT_INDEXED_KINDS, 1 << 22, 0.05)
    for _ in range(3):
        text, problem = attachment_text(short, "minutes.txt", "text/plain", BIG, cache)
        assert text == "" and problem and "longer than" in problem
    assert len(tried) == 1
    monkeypatch.setattr(analysis, "extract_text", lambda data, kind, max_chars: "found")
    longer = ExtractionPolicy(DEFAULT_INDEXED_KINDS, 1 << 22, 10.0)
    assert attachment_text(longer, "minutes.txt", "text/plain", BIG, cache) == ("found", None)


def test_least_recently_used_texts_go_first_when_full() -> None:
    cache = TextCache(max_chars=25)
    keys = [cache.key(POLICY, "text", bytes([n]) * TextCache.MIN_BYTES) for n in range(3)]
    assert None not in keys
    a, b, c = (k for k in keys if k is not None)
    cache.put(a, ("a" * 10, None))
    cache.put(b, ("b" * 10, None))
    assert cache.get(a) == ("a" * 10, None)  # a is now the most recently used
    cache.put(c, ("c" * 10, None))
    assert cache.get(b) is None
    assert cache.get(a) is not None and cache.get(c) is not None
    cache.put(a, ("x" * 30, None))  # larger than the whole cache: not kept, nothing evicted
    assert len(cache) == 2


def test_messages_sharing_an_attachment_each_get_its_text(
    calls: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analysis, "_CACHE", TextCache())  # this process's own, emptied
    attachment = (("minutes.txt", "text/plain", BIG),)
    raws = [build_message(n, attachments=attachment) for n in range(3)]
    derived = [analysis.analyze(raw, POLICY) for raw in raws]
    assert all("board meeting" in d.document.attachment_text for d in derived)
    assert calls == [BIG]
