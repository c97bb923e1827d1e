"""The tantivy schema of a mailkeep index, its analysers and the document conversion.

Text analysis: one analyser ``mk_text`` (split on non-alphanumerics, drop tokens over 40 bytes,
lowercase, ASCII-fold) for every text field, so ``alice@example.com`` is indexed as ``alice``
``example`` ``com`` at consecutive positions and the query side finds it by full address (a
phrase) or by any part. Chinese, Japanese and Korean runs are not split into words by that
analyser, so they are removed from subject/body/attachment text and indexed instead as character
bigrams (``東京都`` → ``東京 京都``) in the ``cjk`` field; runs are separated by a gap token so a
phrase cannot match across two runs.

Stored text: to keep the index small, only a bounded prefix of each text is stored for snippets
(``STORED_LIMITS``: the start of the body, of the attachment text and of the subject), the three
prefixes compressed together into one bytes field, ``snippet_texts`` (see
``mailkeep.index.snippet_codec``). Searching always covers the whole text; only the snippet of
a word found past the stored prefix falls back to the start of the message (see
``mailkeep.index.snippets``).

Folders: the ``folder`` field holds the lowercased path and all its ancestors (``a/b/c`` →
``a``, ``a/b``, ``a/b/c``), so ``folder:a/b`` is a single term lookup covering subfolders.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC

import tantivy

from mailkeep.index.model import IndexDocument, PreparedText
from mailkeep.index.sortkeys import sender_key, sort_number, subject_key

# 2: one compressed field of bounded stored prefixes instead of three 32,000-character copies;
#    no ``folder_path``; ``date`` and ``size`` only fast fields (their ranges need no terms).
# 3: the stored prefixes compressed with zstd and a dictionary trained per index (same fields).
# 4: ``sender_sort`` and ``subject_sort`` fast fields, so lists sort by sender and subject.
SCHEMA_VERSION = 4
# Versions this release can search without a rebuild (written ones are replaced on writing).
READABLE_VERSIONS = frozenset({2, 3, 4})
# The fields each version can order hits by (``SORT_FIELDS`` names them in the model).
SORTABLE_FIELDS: dict[int, frozenset[str]] = {
    2: frozenset({"date", "size"}),
    3: frozenset({"date", "size"}),
    4: frozenset({"date", "size", "sender", "subject"}),
}
# The tantivy field behind each sortable field of the model.
SORT_FIELD_NAMES: dict[str, str] = {
    "date": "date",
    "size": "size",
    "sender": "sender_sort",
    "subject": "subject_sort",
}

TEXT_ANALYZER = "mk_text"
FOLDER_ANALYZER = "mk_folder"
CJK_ANALYZER = "mk_cjk"

# The texts snippets are made from, in order of preference, each with the number of leading
# characters stored (the snippet of a match past that prefix is the start of the text).
STORED_LIMITS: dict[str, int] = {
    "body": 2_000,
    "attachment_text": 1_000,
    "subject": 1_000,
}
# A prefix is cut back to a space within this many characters, so it never ends in half a word.
_WORD_SLACK = 40
# The stored-only bytes field holding the prefixes: UTF-8, separated by NUL, compressed by the
# index's ``SnippetCodec`` (zstd with a dictionary trained on the index's first documents).
SNIPPET_FIELD = "snippet_texts"
_SEPARATOR = "\x00"

# Fields searched by a free word (not bcc).
FREE_FIELDS: tuple[str, ...] = (
    "subject",
    "body",
    "sender",
    "to",
    "cc",
    "attachment_names",
    "attachment_text",
)
# Fields whose CJK runs live in the ``cjk`` field.
CJK_SOURCES: tuple[str, ...] = ("subject", "body", "attachment_text")

_CJK_RUN = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f]+"
)
_CJK_GAP = "\u3000"  # never produced as a bigram: ideographic space is not in _CJK_RUN


def build_schema() -> tantivy.Schema:
    """The schema of a mailkeep index (version ``SCHEMA_VERSION``)."""
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("entry_id", stored=True, indexed=True, fast=True)
    sb.add_text_field("archive", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("folder", tokenizer_name=FOLDER_ANALYZER, index_option="basic")
    for name in ("sender", "to", "cc", "bcc", "subject", "body"):
        sb.add_text_field(name, tokenizer_name=TEXT_ANALYZER)
    sb.add_text_field("attachment_names", tokenizer_name=TEXT_ANALYZER)
    sb.add_text_field("attachment_text", tokenizer_name=TEXT_ANALYZER)
    sb.add_text_field("cjk", tokenizer_name=CJK_ANALYZER)
    sb.add_bytes_field(SNIPPET_FIELD, stored=True)
    sb.add_date_field("date", stored=True, fast=True)
    sb.add_unsigned_field("size", fast=True)
    sb.add_boolean_field("has_attachment", indexed=True, fast=True)
    for name in ("sender_sort", "subject_sort"):  # see ``mailkeep.index.sortkeys``
        sb.add_unsigned_field(name, fast=True)
    return sb.build()


def text_analyzer() -> tantivy.TextAnalyzer:
    """The analyser of every natural-language text field (also used on query words)."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def register_analyzers(index: tantivy.Index) -> None:
    """Register mailkeep's analysers; needed every time an index is opened."""
    index.register_tokenizer(TEXT_ANALYZER, text_analyzer())
    folder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw())
    index.register_tokenizer(FOLDER_ANALYZER, folder.filter(tantivy.Filter.lowercase()).build())
    index.register_tokenizer(
        CJK_ANALYZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
    )


def normalize_folder(path: str) -> str:
    """A folder path as matched by the index: lowercased, no leading or trailing ``/``."""
    return "/".join(part for part in path.lower().split("/") if part)


def folder_terms(path: str) -> list[str]:
    """The normalised folder path and all its ancestors."""
    parts = normalize_folder(path).split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))] if parts[0] else [""]


def cjk_runs(text: str) -> list[str]:
    """The runs of CJK characters in ``text``."""
    return _CJK_RUN.findall(text)


def strip_cjk(text: str) -> str:
    """``text`` with every CJK run replaced by a space."""
    return _CJK_RUN.sub(" ", text)


def bigrams(run: str) -> list[str]:
    """Overlapping character bigrams of one CJK run (a one-character run is its own token)."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def cjk_field_text(texts: list[str]) -> str:
    """The ``cjk`` field value of several texts: bigrams of every run, runs kept apart."""
    parts: list[str] = []
    for text in texts:
        for run in cjk_runs(text):
            if parts:
                parts.append(_CJK_GAP)
            parts.extend(bigrams(run))
    return " ".join(parts)


def _cjk_split(doc: IndexDocument) -> tuple[dict[str, str], str]:
    """The CJK-stripped texts of the CJK source fields and the ``cjk`` field value."""
    texts = {"subject": doc.subject, "body": doc.body, "attachment_text": doc.attachment_text}
    if not any(not text.isascii() and _CJK_RUN.search(text) for text in texts.values()):
        return texts, ""
    cjk = cjk_field_text(list(texts.values()))
    return {name: strip_cjk(text) for name, text in texts.items()}, cjk


def stored_prefix(text: str, limit: int) -> str:
    """The start of ``text`` kept for snippets: at most ``limit`` characters, not ending in a
    cut word."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(" ", limit - _WORD_SLACK), cut.rfind("\n", limit - _WORD_SLACK))
    return cut[:space] if space > 0 else cut


def join_snippet_texts(texts: dict[str, str]) -> bytes:
    """The uncompressed ``snippet_texts`` value: the stored prefixes of ``texts`` (keyed like
    ``STORED_LIMITS``), UTF-8, NUL separated."""
    parts = [
        stored_prefix(texts.get(name, ""), limit).replace(_SEPARATOR, " ")
        for name, limit in STORED_LIMITS.items()
    ]
    return _SEPARATOR.join(parts).encode("utf-8", "replace")


def split_snippet_texts(plain: bytes) -> dict[str, str]:
    """Inverse of :func:`join_snippet_texts` (empty texts left out)."""
    parts = plain.decode("utf-8", "replace").split(_SEPARATOR)
    return {name: text for name, text in zip(STORED_LIMITS, parts, strict=False) if text}


def _clean(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def prepare_text(doc: IndexDocument) -> PreparedText:
    """The text-derived field values of a document (the costly part of conversion)."""
    texts, cjk = _cjk_split(doc)
    snippets = join_snippet_texts(
        {"body": doc.body, "attachment_text": doc.attachment_text, "subject": doc.subject}
    )
    return PreparedText(texts["subject"], texts["body"], texts["attachment_text"], cjk, snippets)


def to_tantivy(
    doc: IndexDocument, schema: tantivy.Schema, pack: Callable[[bytes], bytes]
) -> tantivy.Document:
    """Convert one ``IndexDocument`` into a tantivy document; ``pack`` compresses the joined
    snippet texts (the index's ``SnippetCodec.pack``)."""
    if doc.date.tzinfo is None:
        raise ValueError(f"IndexDocument {doc.entry_id} has a naive date")
    prepared = doc.prepared or prepare_text(doc)
    fields: dict[str, object] = {
        "entry_id": doc.entry_id,
        "archive": doc.archive,
        "folder": folder_terms(doc.folder),
        "sender": doc.sender,
        "to": doc.to,
        "cc": doc.cc,
        "bcc": doc.bcc,
        "subject": prepared.subject,
        "body": prepared.body,
        "attachment_names": doc.attachment_names,
        "attachment_text": prepared.attachment_text,
        SNIPPET_FIELD: pack(prepared.snippet_texts),
        "date": doc.date.astimezone(UTC),
        "size": max(doc.size, 0),
        "has_attachment": doc.has_attachment,
        "sender_sort": sort_number(sender_key(doc.sender)),
        "subject_sort": sort_number(subject_key(doc.subject)),
    }
    if prepared.cjk:
        fields["cjk"] = prepared.cjk
    try:
        return tantivy.Document.from_dict(fields, schema)
    except ValueError:  # lone surrogates (undecodable input) cannot cross into Rust
        clean = {k: _clean(v) if isinstance(v, str) else v for k, v in fields.items()}
        return tantivy.Document.from_dict(clean, schema)
