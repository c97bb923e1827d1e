"""Hit snippets: a short HTML-escaped excerpt with the matched words wrapped in ``<b>``.

tantivy's ``SnippetGenerator`` picks the best fragment and reports highlighted byte ranges; the
HTML is built here (escaping everything outside and inside the highlights ourselves, so the
result never depends on the binding's escaping). The body is tried first, then the attachment
text, then the subject. Words tantivy cannot highlight (CJK runs, which the text analyser does
not split) are highlighted by a literal, case-insensitive search. Without any highlight the
snippet is the start of the first non-empty text.

Snippets are made from the stored prefixes of the texts (``STORED_LIMITS`` in
``mailkeep.index.schema``), not the whole texts: a message found only by a word that occurs past
the stored start of its body gets the start of its body as snippet, without a highlight.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

import tantivy

from mailkeep.index.schema import SNIPPET_FIELD

SNIPPET_CHARS = 160
_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return html.escape(_SPACES.sub(" ", text), quote=False)


def render(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """HTML of ``text`` with the (character) ``spans`` in ``<b>``; whitespace collapsed."""
    out: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        if start < cursor or end <= start:
            continue
        out.append(_clean(text[cursor:start]))
        out.append(f"<b>{_clean(text[start:end])}</b>")
        cursor = end
    out.append(_clean(text[cursor:]))
    return "".join(out).strip()


def _from_snippet(snippet: tantivy.Snippet) -> str | None:
    ranges = snippet.highlighted()
    if not ranges:
        return None
    fragment = snippet.fragment()
    raw = fragment.encode("utf-8")
    spans = []
    for r in ranges:  # byte offsets into the UTF-8 fragment -> character offsets
        start = len(raw[: r.start].decode("utf-8", "ignore"))
        end = len(raw[: r.end].decode("utf-8", "ignore"))
        spans.append((start, end))
    return render(fragment, spans)


def _literal(text: str, literals: Sequence[str]) -> str | None:
    folded = text.casefold()
    found = [(folded.find(word.casefold()), len(word)) for word in literals if word]
    found = [(pos, length) for pos, length in found if pos >= 0]
    if not found:
        return None
    pos = min(found)[0]
    start = max(0, pos - SNIPPET_CHARS // 3)
    window = text[start : start + SNIPPET_CHARS]
    spans = []
    lowered = window.casefold()
    for word in literals:
        at = lowered.find(word.casefold()) if word else -1
        while at >= 0:
            spans.append((at, at + len(word)))
            at = lowered.find(word.casefold(), at + len(word))
    prefix = "… " if start > 0 else ""
    return prefix + render(window, spans)


class SnippetMaker:
    """Makes snippets for the hits of one search."""

    def __init__(
        self,
        searcher: tantivy.Searcher,
        schema: tantivy.Schema,
        query: tantivy.Query | None,
        literals: Sequence[str],
        unpack: Callable[[object], dict[str, str]],
    ) -> None:
        self._searcher = searcher
        self._unpack = unpack
        self._schema = schema
        self._query = query
        self._literals = literals
        self._generators: dict[str, tantivy.SnippetGenerator] = {}

    def _generator(self, field: str) -> tantivy.SnippetGenerator | None:
        if self._query is None:
            return None
        if field not in self._generators:
            generator = tantivy.SnippetGenerator.create(
                self._searcher, self._query, self._schema, field
            )
            generator.set_max_num_chars(SNIPPET_CHARS)
            self._generators[field] = generator
        return self._generators[field]

    def snippet(self, doc: tantivy.Document) -> str:
        """The snippet of one stored hit document."""
        texts = list(self._unpack(doc.get_first(SNIPPET_FIELD)).items())
        for field, text in texts:
            generator = self._generator(field)
            if generator is not None:
                found = _from_snippet(generator.snippet_from_doc(tantivy.Document(**{field: text})))
                if found:
                    return found
            if (found := _literal(text, self._literals)) is not None:
                return found
        if not texts:
            return ""
        text = texts[0][1]
        cut = _clean(text[:SNIPPET_CHARS]).strip()
        return cut + (" …" if len(text) > SNIPPET_CHARS else "")
