"""HTML bodies to plain text via the extractor package, with a crude stand-in if it is absent."""

from __future__ import annotations

import functools
import html
import importlib
import re
from collections.abc import Callable

from mailkeep.ingest.parse.defects import Defects

_EXTRACT_MODULE_FUNCTION = ("mailkeep.ingest.extract.markup", "html_body_text")

# "[^<>]*" (not "[^>]*") keeps matching linear when the text holds many unclosed "<".
_BLOCK_TAG = re.compile(r"<(?:br|p|div|tr|li|h[1-6]|table|blockquote)\b[^<>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def _drop_element(source: str, lowered: str, name: str) -> tuple[str, str]:
    """Remove every <name ...>...</name> element, by scanning (a regex could go quadratic)."""
    pieces: list[str] = []
    pos = 0
    while (start := lowered.find(f"<{name}", pos)) >= 0:
        pieces.append(source[pos:start])
        end = lowered.find(f"</{name}", start)
        if end < 0:
            pos = len(source)
            break
        close = lowered.find(">", end)
        pos = len(source) if close < 0 else close + 1
    if not pieces:
        return source, lowered
    pieces.append(source[pos:])
    kept = "".join(pieces)
    return kept, kept.lower()


def strip_tags(markup: str) -> str:
    """A crude HTML-to-text conversion: drop scripts/styles and tags, unescape entities."""
    lowered = markup.lower()
    for name in ("script", "style", "head"):
        markup, lowered = _drop_element(markup, lowered, name)
    text = _TAG.sub(" ", _BLOCK_TAG.sub("\n", markup))
    text = _SPACES.sub(" ", html.unescape(text))
    return _BLANK_LINES.sub("\n\n", text).strip()


@functools.cache
def _converter() -> Callable[[str], tuple[str, int]]:
    """The extractor's HTML converter, resolved once per process (it is written separately);
    it returns the text and how many tags deep nesting cost."""
    module_name, function_name = _EXTRACT_MODULE_FUNCTION
    try:
        module = importlib.import_module(module_name)
        function: Callable[[str], tuple[str, int]] = getattr(module, function_name)
    except (ImportError, AttributeError):
        return lambda markup: (strip_tags(markup), 0)  # linear: no tree is built
    return function


def html_to_text(markup: str, defects: Defects) -> str:
    """Convert an HTML body to searchable text; never raises."""
    try:
        text, dropped = _converter()(markup)
    except Exception as exc:  # a converter bug must not lose the message
        defects.add_exception("html conversion failed", exc)
        return strip_tags(markup)
    if dropped:
        defects.add("HTML nested too deeply; the deepest markup flattened")
    return text
