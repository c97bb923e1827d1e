"""HTML: visible text with line breaks between block elements."""

from __future__ import annotations

import re
import sys

from selectolax.lexbor import LexborHTMLParser

from mailkeep.ingest.extract.nesting import cap_nesting
from mailkeep.ingest.extract.normalise import TextSink
from mailkeep.ingest.extract.plain import canonical_encoding, decode_text

# Content that is never shown to a reader.
_SKIPPED = frozenset({"head", "script", "style", "template", "noscript", "title", "-comment"})
_BLOCKS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details"),
        *("div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2"),
        *("h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre"),
        *("section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul", "option"),
    }
)
# Table cells sit on one row, but their contents must not run together into one word.
_CELLS = frozenset({"td", "th"})
_WHITESPACE = re.compile(r"\s+")
# Private-use characters marking line and cell boundaries while the parser extracts text.
_LINE = "\ue000"
_CELL = "\ue001"
# Text placed directly inside table structure would be moved out of the table by the parser
# ("foster parenting"), so rows are marked inside their first cell and tables from outside.
_TABLE_PARTS = frozenset({"table", "tbody", "thead", "tfoot", "tr", "caption"})
_BLOCK_TAG = re.compile(
    r"</?(?:" + "|".join(sorted(_BLOCKS - _TABLE_PARTS)) + r")(?=[\s/>])|<table(?=[\s/>])", re.I
)
_TABLE_END = re.compile(r"</table\s*>", re.I)
_ROW_START = re.compile(r"<tr\b[^>]*>\s*<t[dh]\b[^>]*>", re.I)
_CELL_END = re.compile(r"</t[dh]\s*>", re.I)
_PRE = re.compile(r"<pre\b.*?</pre\s*>", re.I | re.S)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Charset declarations must appear early in the document (HTML spec: first 1024 bytes).
_SNIFF_BYTES = 4096


def decode_html(data: bytes) -> str:
    """Decode HTML bytes, honouring a ``<meta charset>`` declaration when there is one."""
    match = _META_CHARSET.search(data[:_SNIFF_BYTES])
    encoding = canonical_encoding(match.group(1).decode("ascii")) if match else None
    if encoding is not None and not encoding.startswith("utf-16"):
        return data.decode(encoding, errors="replace")
    return decode_text(data)


def _mark_structure(html: str) -> str:
    """Put marker characters where blocks and table cells begin and end, and where <pre>
    text has line breaks, so one pass of the parser's C text extraction keeps that structure."""
    html = _PRE.sub(lambda m: m.group(0).replace("\n", _LINE), html)
    html = _BLOCK_TAG.sub(_LINE + r"\g<0>", html)
    html = _TABLE_END.sub(r"\g<0>" + _LINE, html)
    html = _ROW_START.sub(r"\g<0>" + _LINE, html)
    return _CELL_END.sub(_CELL + r"\g<0>", html)


def _text_lines(html: str) -> list[str]:
    """The visible text of ``html`` as lines (one per block element); ``html`` must be
    capped (:func:`cap_nesting`) first: the parser is quadratic in the depth of nesting."""
    tree = LexborHTMLParser(_mark_structure(html))
    tree.strip_tags(list(_SKIPPED - {"-comment"}))
    root = tree.root
    if root is None:
        return []
    text = root.text(separator="", deep=True).replace(_CELL, " ")
    # str.split() collapses every kind of whitespace (source line breaks, tabs, nbsp) in C.
    return [line for line in (" ".join(part.split()) for part in text.split(_LINE)) if line]


def _feed(html: str, sink: TextSink) -> int:
    """Feed the visible text of ``html`` into ``sink``; returns the tags :func:`cap_nesting`
    flattened."""
    capped, dropped = cap_nesting(html)
    for line in _text_lines(capped):
        if sink.full:
            break
        sink.add(line)
    return dropped


def html_to_text(html: str, *, max_chars: int | None = None) -> str:
    """The visible text of an HTML document, one line per block element.

    Scripts, styles and the ``<head>`` are dropped, entities decoded, whitespace normalised;
    elements nested deeper than :data:`~.nesting.MAX_DEPTH` are flattened (their text kept).
    ``max_chars`` (default: unlimited) caps the result length.
    """
    return html_body_text(html, max_chars=max_chars)[0]


def html_body_text(html: str, *, max_chars: int | None = None) -> tuple[str, int]:
    """:func:`html_to_text` and how many tags deep nesting cost (0: none were flattened)."""
    sink = TextSink(sys.maxsize if max_chars is None else max_chars)
    dropped = _feed(html, sink)
    return sink.result(), dropped


def extract_html(data: bytes, kind: str, sink: TextSink) -> None:
    """Feed the visible text of an HTML attachment into ``sink``."""
    del kind  # one kind only; the signature is shared by every extractor
    _feed(decode_html(data), sink)
