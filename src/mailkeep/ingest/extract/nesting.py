"""A cap on how deeply HTML elements nest, applied in one linear pass before parsing.

HTML tree builders (lexbor, html5ever behind nh3) check the stack of open elements for every
tag, so a document of N nested elements costs N² steps: 150,000 nested ``<div>`` took minutes
to convert or sanitise. Browsers cap the depth of the tree they build for the same reason.
Here tags that would open an element deeper than the cap, and their end tags, are replaced by
a space: the text stays, in order, and only the structure below the cap is flattened.
"""

from __future__ import annotations

import re

MAX_DEPTH = 256
"""Elements nested deeper than this are flattened (real mail nests a few dozen levels)."""

# Elements that never have content, or whose end the parser implies when a sibling starts
# (so mail often leaves them open): they do not deepen the tree in practice.
_FLAT = (
    *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"),
    *("source", "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td"),
    *("th", "tbody", "thead", "tfoot", "colgroup", "caption", "rb", "rt", "rp"),
)
# A start or end tag that can deepen the tree; group 1 is "/" for an end tag. "<div/>" counts
# as a start tag: HTML ignores the slash on elements that are not void (so 40,000 of them
# nest as deep as 40,000 "<div>"). "[^<>]*" keeps the scan linear whatever the input.
_DEEPENING = re.compile(
    r"<(/?)(?!(?:" + "|".join(_FLAT) + r")[\s/>])[A-Za-z][A-Za-z0-9:-]*[^<>]*>",
    re.IGNORECASE,
)


def _too_deep(html: str, max_depth: int) -> bool:
    """Whether elements nest deeper than ``max_depth`` (the quick check: the regex finds the
    tags in C, the loop only counts)."""
    depth = 0
    for end in _DEEPENING.findall(html):
        if not end:
            depth += 1
            if depth > max_depth:
                return True
        elif depth:
            depth -= 1  # an end tag with nothing open is ignored, as the parser does
    return False


def cap_nesting(html: str, max_depth: int = MAX_DEPTH) -> tuple[str, int]:
    """``html`` with elements deeper than ``max_depth`` flattened, and how many tags were
    dropped (0: ``html`` is returned unchanged)."""
    if html.count("<") <= max_depth or not _too_deep(html, max_depth):
        return html, 0
    pieces: list[str] = []
    depth = dropped = kept_to = 0
    for tag in _DEEPENING.finditer(html):
        if not tag.group(1):
            depth += 1
        deep = depth > max_depth
        if tag.group(1):
            depth = max(0, depth - 1)
        if deep:
            pieces.append(html[kept_to : tag.start()])
            pieces.append(" ")
            kept_to = tag.end()
            dropped += 1
    pieces.append(html[kept_to:])
    return "".join(pieces), dropped
