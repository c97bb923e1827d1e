"""The nesting cap: real mail passes unchanged, hostile nesting is flattened in one pass."""

from __future__ import annotations

from mailkeep.access.web.sanitize import safe_html
from mailkeep.ingest.extract import html_to_text
from mailkeep.ingest.extract.nesting import MAX_DEPTH, cap_nesting
from mailkeep.ingest.parse.defects import Defects
from mailkeep.ingest.parse.htmltext import html_to_text as body_text


def test_ordinary_markup_is_returned_unchanged() -> None:
    paragraphs = "".join(f"<p>para {n}<br><img src=x.png></p>" for n in range(400))
    table = "<table>" + "<tr><td>a<td>b" * 300 + "</table>"
    for html in (paragraphs, table, "<div>" * MAX_DEPTH + "x" + "</div>" * MAX_DEPTH):
        assert cap_nesting(html) == (html, 0)


def test_deeper_elements_are_flattened_and_the_text_kept_in_order() -> None:
    html = "<div>" * 5 + "one" + "<span>" * 5 + "two" + "</span>" * 5 + "three" + "</div>" * 5
    capped, dropped = cap_nesting(html, 3)
    assert dropped == 14
    assert capped.count("<div>") == 3 and "<span>" not in capped
    assert capped.index("one") < capped.index("two") < capped.index("three")


def test_a_slash_does_not_close_an_html_element() -> None:
    capped, dropped = cap_nesting("<div/>" * 1000 + "text", 10)
    assert dropped == 990 and capped.count("<div/>") == 10 and capped.endswith("text")
    assert cap_nesting("<br/>" * 1000 + "<img src=x />" * 1000, 10)[1] == 0


def test_unclosed_and_stray_tags_do_not_count() -> None:
    html = "<p>" * 1000 + "<li>" * 1000 + "</div>" * 1000 + "text"
    assert cap_nesting(html, 10) == (html, 0)


def test_deep_html_converts_and_sanitises_with_a_marker() -> None:
    html = "<div>" * 20_000 + "deep words" + "</div>" * 20_000
    defects = Defects()
    assert body_text(html, defects) == "deep words"
    assert "HTML nested too deeply; the deepest markup flattened" in defects.as_tuple()
    assert html_to_text(html) == "deep words"
    shown = safe_html(html, lambda _cid: None)
    assert shown.flattened and "deep words" in shown.html
    assert shown.html.count("<div>") == MAX_DEPTH
