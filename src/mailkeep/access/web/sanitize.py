"""Mail HTML made safe to show: an allow-list sanitiser (nh3/ammonia) is the first layer; the
page that serves it adds a sandboxed frame and a Content-Security-Policy that forbids scripts
and, until the reader asks, remote images (tracking pixels).

Sanitising is linear in the size of the mail (nesting deeper than the HTML parsers handle in
linear time is flattened first), and its result is kept by message content hash, so showing
a message again (the page, then its frame) costs no second pass.
"""

from __future__ import annotations

import base64
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import nh3

from mailkeep.ingest.extract.nesting import cap_nesting

_TAGS = set(nh3.ALLOWED_TAGS) | {"font"}
_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"style", "align", "valign", "width", "height", "dir", "lang", "title", "bgcolor"},
    "a": {"href", "name"},
    "img": {"src", "alt", "border"},
    "font": {"color", "face", "size"},
    "table": {"border", "cellpadding", "cellspacing"},
    "td": {"colspan", "rowspan", "nowrap"},
    "th": {"colspan", "rowspan", "nowrap"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type"},
    "li": {"value"},
}
_STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style",
    "font-weight", "text-align", "text-decoration", "text-indent", "text-transform",
    "line-height", "letter-spacing", "white-space", "vertical-align", "margin",
    "margin-top", "margin-bottom", "margin-left", "margin-right", "padding", "padding-top",
    "padding-bottom", "padding-left", "padding-right", "border", "border-top",
    "border-bottom", "border-left", "border-right", "border-color", "border-width",
    "border-style", "border-collapse", "border-spacing", "border-radius", "width",
    "max-width", "min-width", "height", "max-height", "min-height", "display", "direction",
    "list-style-type",
}  # fmt: skip
_REMOTE = re.compile(r"""<img\b[^>]*\bsrc="https?:""", re.IGNORECASE)
MAX_INLINE_IMAGE = 2 * 1024 * 1024
# HTML shown of one message: real mail stays far below; a 25 MB body costs the server half a
# gigabyte and seconds to sanitise, for a page nobody reads to the end (the .eml has it all).
MAX_HTML_CHARS = 4_000_000

ImageLoader = Callable[[str], tuple[str, bytes] | None]


def _filter(images: ImageLoader) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return _image_source(value, images)
        if attribute == "href" and not value.lower().startswith(("http:", "https:", "mailto:")):
            return None if ":" in value.split("/")[0] else value
        return value

    return keep


def _image_source(value: str, images: ImageLoader) -> str | None:
    lowered = value.lower()
    if lowered.startswith("cid:"):
        found = images(value[4:].strip("<>"))
        if found is None or len(found[1]) > MAX_INLINE_IMAGE:
            return None
        ctype, data = found
        return f"data:{ctype};base64,{base64.b64encode(data).decode()}"
    if lowered.startswith(("data:image/", "http:", "https:")):
        return value
    return None


def sanitize_html(html: str, images: ImageLoader) -> str:
    """Only harmless markup remains: no scripts, event handlers, forms, frames, styles sheets
    or active URLs; ``cid:`` images become data URIs of the message's own inline parts.
    Elements nested deeper than :data:`~mailkeep.ingest.extract.nesting.MAX_DEPTH` are
    flattened (their text kept)."""
    return safe_html(html, images).html


@dataclass(frozen=True)
class SafeHtml:
    """Sanitised mail HTML; ``flattened``: deep nesting was flattened to show it;
    ``truncated``: only the first :data:`MAX_HTML_CHARS` characters are shown."""

    html: str
    flattened: bool
    truncated: bool = False

    @property
    def remote_images(self) -> bool:
        """Whether it refers to images on other servers."""
        return has_remote_images(self.html)


def safe_html(html: str, images: ImageLoader) -> SafeHtml:
    """:func:`sanitize_html` of at most :data:`MAX_HTML_CHARS`, saying what was left out."""
    truncated = len(html) > MAX_HTML_CHARS
    if truncated:
        # cut before a tag, not inside one; the sanitiser closes what is left open
        cut = html.rfind("<", MAX_HTML_CHARS // 2, MAX_HTML_CHARS)
        html = html[: cut if cut > 0 else MAX_HTML_CHARS]
    capped, dropped = cap_nesting(html)
    return SafeHtml(_clean(capped, images), bool(dropped), truncated)


def _clean(html: str, images: ImageLoader) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes=_ATTRIBUTES,
        attribute_filter=_filter(images),
        url_schemes={"http", "https", "mailto", "data", "cid"},
        filter_style_properties=_STYLE_PROPERTIES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def has_remote_images(clean_html: str) -> bool:
    """True when the sanitised HTML refers to images on other servers."""
    return _REMOTE.search(clean_html) is not None


class SanitizedCache:
    """Sanitised HTML by message content hash, least recently used out; thread-safe.

    Bounded by the characters held (the default: a few hundred typical messages, or two of
    the largest shown); a result larger than half of that is not kept.
    """

    def __init__(self, max_chars: int = 4 * MAX_HTML_CHARS) -> None:
        self.max_chars = max_chars
        self._items: OrderedDict[bytes, SafeHtml] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get_or_make(self, key: bytes, make: Callable[[], SafeHtml]) -> SafeHtml:
        """The cached result for ``key``, else ``make()`` (kept when small enough)."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        made = make()  # outside the lock: other messages are not held up meanwhile
        if len(made.html) * 2 > self.max_chars:
            return made
        with self._lock:
            if key not in self._items:
                self._items[key] = made
                self._chars += len(made.html)
            while self._chars > self.max_chars:
                _key, old = self._items.popitem(last=False)
                self._chars -= len(old.html)
        return made

    def __len__(self) -> int:
        return len(self._items)
