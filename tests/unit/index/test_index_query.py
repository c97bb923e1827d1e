"""The query language parser: text in, AST (or QuerySyntaxError) out."""

from __future__ import annotations

from datetime import date

import pytest

from mailkeep.errors import InvalidInputError
from mailkeep.index.query import (
    And,
    DateRange,
    HasAttachment,
    Not,
    Or,
    QueryNode,
    QuerySyntaxError,
    SizeRange,
    Text,
    parse_query,
    parse_size,
)

PARSED: list[tuple[str, QueryNode]] = [
    ("invoice", Text("invoice")),
    ("  invoice  ", Text("invoice")),
    ("a b", And((Text("a"), Text("b")))),
    ("a AND b", And((Text("a"), Text("b")))),
    ("a and b", And((Text("a"), Text("and"), Text("b")))),
    ("a OR b", Or((Text("a"), Text("b")))),
    ("a b OR c", Or((And((Text("a"), Text("b"))), Text("c")))),
    ("a (b OR c)", And((Text("a"), Or((Text("b"), Text("c")))))),
    ("NOT a", Not(Text("a"))),
    ("a -b", And((Text("a"), Not(Text("b"))))),
    ("-(a OR b)", Not(Or((Text("a"), Text("b"))))),
    ("NOT NOT a", Not(Not(Text("a")))),
    ('"quarterly report"', Text("quarterly report", phrase=True)),
    ('-"quarterly report"', Not(Text("quarterly report", phrase=True))),
    ("from:alice@example.com", Text("alice@example.com", "from")),
    ("FROM:alice", Text("alice", "from")),
    (
        "to:bob cc:carol bcc:dave",
        And((Text("bob", "to"), Text("carol", "cc"), Text("dave", "bcc"))),
    ),
    ('subject:"quarterly report"', Text("quarterly report", "subject", phrase=True)),
    ("body:x attachment:y", And((Text("x", "body"), Text("y", "attachment")))),
    ("filename:report.pdf", Text("report.pdf", "filename")),
    ('folder:"Inbox/My Work"', Text("Inbox/My Work", "folder", phrase=True)),
    ("-folder:spam", Not(Text("spam", "folder"))),
    ("has:attachment", HasAttachment()),
    ("has:Attachments", HasAttachment()),
    ("before:2024-03-05", DateRange(None, date(2024, 3, 5))),
    ("after:2024-03-05", DateRange(date(2024, 3, 5), None)),
    ("on:2024-03-05", DateRange(date(2024, 3, 5), date(2024, 3, 6))),
    ("on:2024/3/5", DateRange(date(2024, 3, 5), date(2024, 3, 6))),
    ("on:2024-12", DateRange(date(2024, 12, 1), date(2025, 1, 1))),
    ("on:2024-02", DateRange(date(2024, 2, 1), date(2024, 3, 1))),
    ("on:2024", DateRange(date(2024, 1, 1), date(2025, 1, 1))),
    ("before:2024", DateRange(None, date(2024, 1, 1))),
    ("after:2024-12-31", DateRange(date(2024, 12, 31), None)),
    ("larger:10k", SizeRange(above=10 * 1024)),
    ("smaller:2M", SizeRange(below=2 * 1024**2)),
    ("larger:1.5MB", SizeRange(above=int(1.5 * 1024**2))),
    ("larger:300", SizeRange(above=300)),
    ("larger:300 bytes", SizeRange(above=300)),
    ("larger:2 MB x", And((SizeRange(above=2 * 1024**2), Text("x")))),
    ('smaller:"1 GB"', SizeRange(below=1024**3)),
    ("http://example.com/x", Text("http://example.com/x")),
    ("Re:hello", Text("Re:hello")),
    ("e-mail", Text("e-mail")),
    ("a - b", And((Text("a"), Text("-"), Text("b")))),
    ("東京 会议", And((Text("東京"), Text("会议")))),
    ("(a)", Text("a")),
    ("((a OR b) c)", And((Or((Text("a"), Text("b"))), Text("c")))),
    ("a(b)", And((Text("a"), Text("b")))),
]


@pytest.mark.parametrize(("text", "expected"), PARSED, ids=[t for t, _ in PARSED])
def test_parse(text: str, expected: QueryNode) -> None:
    assert parse_query(text) == expected


ERRORS: list[tuple[str, str]] = [
    ("", "empty"),
    ("   ", "empty"),
    ("(a", "unbalanced '('"),
    ("a)", "unbalanced ')'"),
    ("(a OR b))", "position 9"),
    ("()", "empty parentheses"),
    ("a OR", "'OR' is missing a term"),
    ("OR a", "'OR' has no term before it"),
    ("a AND", "'AND' is missing a term"),
    ("NOT", "'NOT' is missing a term"),
    ('"abc', "unterminated quote"),
    ('subject:"abc', "unterminated quote"),
    ("from:", "missing value after 'from:'"),
    ("from: alice", "missing value after 'from:'"),
    ("has:pictures", "has:pictures"),
    ("before:2024-13-01", "bad date '2024-13-01'"),
    ("on:2024-02-30", "bad date"),
    ("after:yesterday", "bad date 'yesterday' for after:"),
    ("on:24-01-01", "bad date"),
    ("larger:big", "bad size 'big'"),
    ("smaller:10q", "bad size"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS, ids=[t or "<empty>" for t, _ in ERRORS])
def test_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, InvalidInputError)


def test_error_names_position() -> None:
    with pytest.raises(QuerySyntaxError, match="position 7") as info:
        parse_query("alpha before:2024-99")
    assert info.value.detail["position"] == 7


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("0", 0),
        ("300 bytes", 300),
        ("10K", 10240),
        ("10kib", 10240),
        ("2g", 2 * 1024**3),
        ("1.5mb", 1572864),
        ("x", None),
        ("1.5.2", None),
    ],
)
def test_parse_size(text: str, size: int | None) -> None:
    assert parse_size(text) == size
