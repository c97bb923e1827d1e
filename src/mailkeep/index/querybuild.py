"""Translate the query AST into tantivy ``Query`` objects (never tantivy's string parser).

Query words are analysed exactly like the indexed fields: a word that yields one token is a term
query, several tokens (``alice@example.com``, ``e-mail``, a quoted phrase) a phrase query. A word
that yields no token at all (``&``) constrains nothing and is dropped; a query made only of such
words matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime

import tantivy

from mailkeep.index.query import (
    And,
    DateRange,
    HasAttachment,
    Not,
    Or,
    QueryNode,
    SizeRange,
    Text,
)
from mailkeep.index.schema import (
    CJK_SOURCES,
    FREE_FIELDS,
    bigrams,
    cjk_runs,
    normalize_folder,
    strip_cjk,
    text_analyzer,
)

Occur = tantivy.Occur

# Index fields searched by each query field.
FIELD_TARGETS: dict[str, tuple[str, ...]] = {
    "from": ("sender",),
    "to": ("to",),
    "cc": ("cc",),
    "bcc": ("bcc",),
    "subject": ("subject",),
    "body": ("body",),
    "attachment": ("attachment_text", "attachment_names"),
    "filename": ("attachment_names",),
}
SUBJECT_BOOST = 2.0


def _should(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(Occur.Should, q) for q in queries])


def _must(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(Occur.Must, q) for q in queries])


def _negate(query: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.boolean_query(
        [(Occur.Must, tantivy.Query.all_query()), (Occur.MustNot, query)]
    )


def _phrase(schema: tantivy.Schema, field: str, words: Sequence[str]) -> tantivy.Query:
    items: list[str | tuple[int, str]] = list(words)
    return tantivy.Query.phrase_query(schema, field, items)


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def positive_texts(node: QueryNode, negated: bool = False) -> Iterator[Text]:
    """The ``Text`` nodes a hit may contain (those not under an odd number of ``Not``)."""
    if isinstance(node, Text):
        if not negated:
            yield node
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from positive_texts(child, negated)
    elif isinstance(node, Not):
        yield from positive_texts(node.child, not negated)


class QueryBuilder:
    """Builds tantivy queries for one schema."""

    def __init__(self, schema: tantivy.Schema) -> None:
        self._schema = schema
        self._analyzer = text_analyzer()

    def build(self, node: QueryNode) -> tantivy.Query:
        """The query matching ``node``."""
        query = self._build(node)
        return tantivy.Query.empty_query() if query is None else query

    def highlight_query(self, node: QueryNode) -> tantivy.Query | None:
        """A query over the positive words of ``node``, for snippet highlighting."""
        queries = [q for text in positive_texts(node) if (q := self._text(text)) is not None]
        return _should(queries) if queries else None

    def tokens(self, text: str) -> list[str]:
        """``text`` analysed like the indexed text fields."""
        return self._analyzer.analyze(text)

    def _build(self, node: QueryNode) -> tantivy.Query | None:
        if isinstance(node, Text):
            return self._text(node)
        if isinstance(node, And):
            return self._and(node.children)
        if isinstance(node, Or):
            queries = [q for child in node.children if (q := self._build(child)) is not None]
            return _should(queries) if queries else None
        if isinstance(node, Not):
            inner = self._build(node.child)
            return None if inner is None else _negate(inner)
        if isinstance(node, HasAttachment):
            return tantivy.Query.term_query(self._schema, "has_attachment", True)
        if isinstance(node, DateRange):
            return self._dates(node)
        return self._sizes(node)

    def _and(self, children: Sequence[QueryNode]) -> tantivy.Query | None:
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for child in children:
            if isinstance(child, Not):
                inner = self._build(child.child)
                if inner is not None:
                    clauses.append((Occur.MustNot, inner))
            elif (query := self._build(child)) is not None:
                clauses.append((Occur.Must, query))
        if not clauses:
            return None
        if all(occur == Occur.MustNot for occur, _ in clauses):
            clauses.insert(0, (Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def _dates(self, node: DateRange) -> tantivy.Query:
        return self._range(
            "date",
            tantivy.FieldType.Date,
            None if node.start is None else _utc_midnight(node.start),
            None if node.end is None else _utc_midnight(node.end),
            include_lower=True,
        )

    def _sizes(self, node: SizeRange) -> tantivy.Query | None:
        if node.below is not None and node.below <= 0:
            return tantivy.Query.empty_query()
        return self._range(
            "size", tantivy.FieldType.Unsigned, node.above, node.below, include_lower=False
        )

    def _range(
        self,
        field: str,
        kind: tantivy.FieldType,
        lower: int | datetime | None,
        upper: int | datetime | None,
        include_lower: bool,
    ) -> tantivy.Query:
        """A range on a fast field; the upper bound is exclusive, an absent bound is open."""
        return tantivy.Query.range_query(
            self._schema,
            field,
            kind,
            lower,
            upper,
            include_lower=include_lower or lower is None,
            include_upper=upper is None,
        )

    def _text(self, node: Text) -> tantivy.Query | None:
        if node.field == "folder":
            folder = normalize_folder(node.value)
            return tantivy.Query.term_query(self._schema, "folder", folder) if folder else None
        fields = FREE_FIELDS if node.field is None else FIELD_TARGETS[node.field]
        if node.field != "filename" and cjk_runs(node.value):
            return self._cjk_words(node.value, fields)
        return self._words(self.tokens(node.value), fields)

    def _words(self, tokens: list[str], fields: Sequence[str]) -> tantivy.Query | None:
        """Any of ``fields`` contains the token sequence."""
        if not tokens:
            return None
        queries = []
        for field in fields:
            if len(tokens) == 1:
                query = tantivy.Query.term_query(self._schema, field, tokens[0])
            else:
                query = _phrase(self._schema, field, tokens)
            if field == "subject" and len(fields) > 1:
                query = tantivy.Query.boost_query(query, SUBJECT_BOOST)
            queries.append(query)
        return _should(queries)

    def _cjk_words(self, value: str, fields: Sequence[str]) -> tantivy.Query | None:
        """A word with CJK runs: the runs in the ``cjk`` field and the rest in the CJK source
        fields, or the whole word in the other fields (names in address fields)."""
        sources = [f for f in fields if f in CJK_SOURCES]
        others = [f for f in fields if f not in CJK_SOURCES]
        alternatives: list[tantivy.Query] = []
        if sources:
            parts = [self._cjk_run(run) for run in cjk_runs(value)]
            rest = self._words(self.tokens(strip_cjk(value)), sources)
            alternatives.append(_must([*parts, rest] if rest is not None else parts))
        if others and (whole := self._words(self.tokens(value), others)) is not None:
            alternatives.append(whole)
        return _should(alternatives) if alternatives else None

    def _cjk_run(self, run: str) -> tantivy.Query:
        grams = bigrams(run)
        if len(run) == 1:  # any bigram containing the character, or the lone character
            return tantivy.Query.regex_query(self._schema, "cjk", f"{run}.?|.{run}")
        if len(grams) == 1:
            return tantivy.Query.term_query(self._schema, "cjk", grams[0])
        return _phrase(self._schema, "cjk", grams)
