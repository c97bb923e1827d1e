"""The sanitised HTML shown of a message: bounded in size, cached within bounds."""

from __future__ import annotations

from mailkeep.access.web.sanitize import MAX_HTML_CHARS, SafeHtml, SanitizedCache, safe_html


def test_shown_html_is_cut_before_a_tag_with_a_notice() -> None:
    html = "<p>" + "x" * 100 + "</p>" + "<p>more words</p>" * (MAX_HTML_CHARS // 17 + 10)
    shown = safe_html(html, lambda _cid: None)
    assert shown.truncated and not shown.flattened
    assert len(shown.html) <= MAX_HTML_CHARS + 10 and shown.html.endswith("</p>")


def test_the_sanitised_cache_is_bounded_and_keeps_recent_results() -> None:
    cache = SanitizedCache(max_chars=100)
    made: list[int] = []

    def make(size: int) -> SafeHtml:
        made.append(size)
        return SafeHtml("x" * size, flattened=False)

    for key in (b"a", b"b", b"c"):
        cache.get_or_make(key, lambda: make(40))
    assert len(cache) == 2  # "a" went first
    cache.get_or_make(b"c", lambda: make(40))
    cache.get_or_make(b"big", lambda: make(60))  # over half the cap: served, not kept
    assert len(cache) == 2 and made == [40, 40, 40, 60]
