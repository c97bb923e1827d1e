"""Mail HTML made safe to show: an allow-list sanitiser (nh3/ammonia) is the first layer; the
page that serves it adds a sandboxed frame and a Content-Security-Policy that forbids scripts
and, until the reader asks, remote images (tracking pixels)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable

import nh3

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
    or active URLs; ``cid:`` images become data URIs of the message's own inline parts."""
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
