"""HTML: visible text with line breaks between block elements."""

from __future__ import annotations

import re
import sys
from typing import Any

from selectolax.lexbor import LexborHTMLParser

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
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Charset declarations must appear early in the document (HTML spec: first 1024 bytes).
_SNIFF_BYTES = 4096


class _Closer:
    """Pushed on the walk stack when an element is entered; popped once its children are done."""

    __slots__ = ("tag",)

    def __init__(self, tag: str) -> None:
        self.tag = tag


def decode_html(data: bytes) -> str:
    """Decode HTML bytes, honouring a ``<meta charset>`` declaration when there is one."""
    match = _META_CHARSET.search(data[:_SNIFF_BYTES])
    encoding = canonical_encoding(match.group(1).decode("ascii")) if match else None
    if encoding is not None and not encoding.startswith("utf-16"):
        return data.decode(encoding, errors="replace")
    return decode_text(data)


def _walk(root: Any, sink: TextSink) -> None:
    # An explicit stack rather than recursion: hostile mail nests elements thousands deep.
    line: list[str] = []
    stack: list[Any] = [root]
    pre_depth = 0
    while stack and not sink.full:
        item = stack.pop()
        tag = item.tag
        if isinstance(item, _Closer):
            if tag == "pre":
                pre_depth -= 1
            if tag in _CELLS:
                line.append(" ")
            if tag not in _BLOCKS:
                continue
        elif tag == "-text":
            text = item.text_content or ""
            line.append(text if pre_depth else _WHITESPACE.sub(" ", text))
            continue
        elif tag in _SKIPPED or not isinstance(tag, str):
            continue
        else:
            stack.append(_Closer(tag))
            stack.extend(reversed(list(item.iter(include_text=True))))
            if tag == "pre":
                pre_depth += 1
            if tag not in _BLOCKS:
                continue
        # Entering or leaving a block element ends the current line.
        sink.add("".join(line))
        line = []
    sink.add("".join(line))


def html_to_text(html: str, *, max_chars: int | None = None) -> str:
    """The visible text of an HTML document, one line per block element.

    Scripts, styles and the ``<head>`` are dropped, entities decoded, whitespace normalised.
    ``max_chars`` (default: unlimited) caps the result length.
    """
    sink = TextSink(sys.maxsize if max_chars is None else max_chars)
    tree = LexborHTMLParser(html)
    if tree.root is not None:
        _walk(tree.root, sink)
    return sink.result()


def extract_html(data: bytes, kind: str, sink: TextSink) -> None:
    """Feed the visible text of an HTML attachment into ``sink``."""
    del kind  # one kind only; the signature is shared by every extractor
    tree = LexborHTMLParser(decode_html(data))
    if tree.root is not None:
        _walk(tree.root, sink)
