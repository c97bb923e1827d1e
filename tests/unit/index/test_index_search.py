"""Every query feature end to end against a real TantivyIndex over the hand-made corpus."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from index_corpus import CORPUS

from mailkeep.index.query import QuerySyntaxError
from mailkeep.index.tantivy_index import TantivyIndex

FILLERS = {100 + i for i in range(10)}
ALL = {doc.entry_id for doc in CORPUS}


def found(index: TantivyIndex, query: str, archives: frozenset[str] | None = None) -> set[int]:
    page = index.search(query, archives, limit=1000)
    ids = {hit.entry_id for hit in page.hits}
    assert page.total == len(ids)
    return ids


CASES: list[tuple[str, set[int]]] = [
    # free words, phrases, folding
    ("quarterly", {1, 4}),
    ("QUARTERLY Report", {1, 4}),
    ('"quarterly report"', {1, 4}),
    ('"report quarterly"', set()),
    ("revenue", {1}),
    ("ebitda", {1}),
    ("slides", {3}),
    ("café", {5}),
    ("cafe", {5}),
    ("deja naive", {5}),
    ("resume", {5}),
    ("nothinglikethis", set()),
    ("http://news.example.com/today", {8}),
    ("&", set()),
    ("budget &", {2, 10}),
    # address fields, by full address and by parts
    ("from:alice@example.com", {1, 4}),
    ("from:alice", {1, 4}),
    ("from:example.com", {1, 4}),
    ("from:example", {1, 2, 4, 6}),
    ('from:"Alice Smith"', {1}),
    ("to:alice@example.com", {2, 10}),
    ("to:alice.smith@example.com", {4}),
    ("to:bob", {1}),
    ("cc:dave@corp.org", {2}),
    ("cc:dave", {2}),
    ("bcc:secret@hidden.net", {2}),
    ("secret", set()),  # bcc is not searched by free words
    ("dave", {2}),  # cc is
    ("corp.org", {1, 2, 3, 10}),
    # text fields
    ("subject:report", {1, 4}),
    ('subject:"quarterly report"', {1, 4}),
    ("subject:revenue", set()),
    ("body:revenue", {1}),
    ("body:kickoff", {3}),
    ("attachment:roadmap", {3}),
    ("attachment:slides", {3}),
    ("attachment:invoice", {9}),
    ("filename:invoice.pdf", {9}),
    ("filename:terms", {9}),
    ("filename:roadmap", set()),
    # folders: case-insensitive, with subfolders, whole path components only
    ("folder:inbox", {1, 2, 3, 6, 7, 8, 9, 10}),
    ("folder:INBOX/work", {2, 3, 9}),
    ("folder:/Inbox/Work/", {2, 3, 9}),
    ("folder:inbox/work/projects", {3}),
    ("folder:inbox/wor", set()),
    ("folder:sent", {4}),
    ('folder:"archive/2023"', {5}),
    ("-folder:inbox -folder:filler", {4, 5}),
    # has:attachment, dates, sizes
    ("has:attachment", {1, 3, 9}),
    ("-has:attachment folder:inbox/work", {2}),
    ("before:2024-01-01 -folder:filler", {4, 5}),
    ("before:2022-01-03", {100, 101}),
    ("after:2024-03-02", {7, 8, 9}),
    ("on:2024-01-15", {1, 10}),
    ("on:2024-02", {2, 3}),
    ("on:2023", {4, 5}),
    ("after:2024-02 before:2024-03", {2, 3}),
    ("on:2023-12-31", {4}),
    ("larger:1M", {3}),
    ("larger:10k", {2, 3}),  # strictly larger: 10240 bytes is not
    ("smaller:1k", {4}),
    ("smaller:10240 larger:5000", set()),
    ("larger:4999 smaller:5001", {5, 6, 7, 9, 10} | FILLERS),
    # boolean logic
    ("report NOT subject:re", {1}),
    ("report -subject:re", {1}),
    ("report AND -re", {1}),
    ("falcon OR lunch", {3, 10}),
    ("(falcon OR lunch) has:attachment", {3}),
    ("-(falcon OR lunch) folder:inbox", {1, 2, 6, 7, 8, 9}),
    ("NOT filler", ALL - FILLERS),
    ("lunch OR -filler", ALL - FILLERS),
    ("budget OR invoice OR kickoff", {2, 3, 9, 10}),
    ("budget lunch OR falcon", {3, 10}),
    # Chinese and Japanese
    ("会议", {6}),
    ("预算", {6}),
    ("开会", {6}),
    ("三点开会", {6}),
    ("会议 预算", {6}),
    ("東京", {7}),
    ("東京都", {7}),
    ("出張", {7}),
    ("京", {7}),
    ("プログラム", {7}),
    ("python", {7}),
    ("Pythonで", {7}),
    ("subject:東京", {7}),
    ("body:会议", {6}),  # approximation: CJK words search subject, body and attachments
    ("from:王伟", {6}),
    ("王伟", {6}),  # CJK names are found in address fields as whole words
    ("本日", set()),
    ("大阪", set()),
    ("会议 -预算", set()),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q for q, _ in CASES])
def test_query(corpus_index: TantivyIndex, query: str, expected: set[int]) -> None:
    assert found(corpus_index, query) == expected


def test_date_sort_newest_first_with_paging(corpus_index: TantivyIndex) -> None:
    page = corpus_index.search("filler", None, limit=3, offset=2)
    assert page.total == 10
    assert [hit.entry_id for hit in page.hits] == [107, 106, 105]
    assert page.hits[0].date == datetime(2022, 1, 8, 12, tzinfo=UTC)
    everything = corpus_index.search("-nothingatall", None, limit=100)
    dates = [hit.date for hit in everything.hits]
    assert dates == sorted(dates, reverse=True)
    assert everything.total == len(CORPUS)


def test_paging_past_the_end(corpus_index: TantivyIndex) -> None:
    page = corpus_index.search("filler", None, limit=5, offset=8)
    assert [hit.entry_id for hit in page.hits] == [101, 100]
    assert corpus_index.search("filler", None, offset=50).hits == []
    counted = corpus_index.search("filler", None, limit=0)
    assert (counted.hits, counted.total) == ([], 10)


def test_relevance_sort(corpus_index: TantivyIndex) -> None:
    page = corpus_index.search("budget", None, sort="relevance")
    assert [hit.entry_id for hit in page.hits] == [2, 10]
    assert page.hits[0].score > page.hits[1].score > 0


@pytest.mark.parametrize(
    ("archives", "expected"),
    [
        (None, {1, 2, 3, 6, 7, 8, 9, 10}),
        (frozenset({"alice"}), {1, 2, 3, 10}),
        (frozenset({"bob"}), {6, 7, 8, 9}),
        (frozenset({"alice", "bob"}), {1, 2, 3, 6, 7, 8, 9, 10}),
        (frozenset({"carol"}), set()),
        (frozenset(), set()),
    ],
)
def test_archive_restriction(
    corpus_index: TantivyIndex, archives: frozenset[str] | None, expected: set[int]
) -> None:
    assert found(corpus_index, "folder:inbox", archives) == expected


def test_negative_query_respects_archives(corpus_index: TantivyIndex) -> None:
    assert found(corpus_index, "-filler", frozenset({"bob"})) == {6, 7, 8, 9}


def test_snippet_highlights_and_escapes(corpus_index: TantivyIndex) -> None:
    (hit,) = corpus_index.search("budget monday", frozenset({"alice"}), limit=1).hits
    assert "<b>budget</b>" in hit.snippet
    assert "<b>Monday</b>" in hit.snippet
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; more" in hit.snippet
    assert "<script>" not in hit.snippet


def test_snippet_from_attachment_and_subject(corpus_index: TantivyIndex) -> None:
    (hit,) = corpus_index.search("roadmap", None).hits
    assert "Falcon <b>roadmap</b>" in hit.snippet
    (hit,) = corpus_index.search("digest", None).hits
    assert "<b>digest</b>" in hit.snippet


def test_snippet_highlights_cjk(corpus_index: TantivyIndex) -> None:
    (hit,) = corpus_index.search("東京都", None).hits
    assert "<b>東京都</b>" in hit.snippet
    (hit,) = corpus_index.search("预算", None).hits
    assert "<b>预算</b>" in hit.snippet


def test_snippet_without_highlight_is_body_start(corpus_index: TantivyIndex) -> None:
    (hit,) = corpus_index.search("folder:sent", None).hits
    assert hit.snippet == "Thanks, the report looks good."
    (hit,) = corpus_index.search("-secret budget -lunch", None).hits
    assert "<script>" not in hit.snippet
    hits = corpus_index.search("filler", None, limit=1).hits
    assert hits[0].snippet.startswith("<b>filler</b> text number 9 padding")
    (hit,) = corpus_index.search("on:2022-01-01", None).hits
    assert hit.snippet.startswith("filler text number 0 padding") and hit.snippet.endswith("…")
    assert len(hit.snippet) <= 170


@pytest.mark.parametrize("query", ["", "(budget", "budget)", "before:2024-13", "has:x", "a OR"])
def test_syntax_errors_raise(corpus_index: TantivyIndex, query: str) -> None:
    with pytest.raises(QuerySyntaxError):
        corpus_index.search(query, None)
    with pytest.raises(QuerySyntaxError):
        corpus_index.search(query, frozenset())
