"""Plain text, CSV and HTML: decoding, markup removal, whitespace and length limits."""

from __future__ import annotations

import pytest

from mailkeep.ingest.extract import ExtractionError, extract_text, html_to_text

RUSSIAN = (
    "Привет, мир! Это проверка кодировки для архива электронной почты. "
    "Съешь же ещё этих мягких французских булок, да выпей чаю."
)


def test_utf8_text_is_returned_as_is() -> None:
    assert extract_text("Grüße, 世界 ✓".encode(), "text") == "Grüße, 世界 ✓"


def test_utf8_with_bom_and_utf16_with_bom() -> None:
    assert extract_text(b"\xef\xbb\xbfhello", "text") == "hello"
    assert extract_text("wörld".encode("utf-16"), "text") == "wörld"


def test_cp1252_text_with_smart_punctuation() -> None:
    data = "Smart “quotes” — dash, €uro, café".encode("cp1252")
    assert extract_text(data, "text") == "Smart “quotes” — dash, €uro, café"


def test_latin1_text_is_read_as_cp1252() -> None:
    # 0x80 is a C1 control in ISO-8859-1 but the euro sign in cp1252, which is what senders mean.
    assert extract_text("naïve café".encode("latin-1") + b" \x80", "text") == "naïve café €"


@pytest.mark.parametrize("encoding", ["koi8-r", "cp1251"])
def test_undeclared_cyrillic_is_detected(encoding: str) -> None:
    assert extract_text(RUSSIAN.encode(encoding), "text") == RUSSIAN


def test_binary_data_is_not_text() -> None:
    with pytest.raises(ExtractionError, match="text: data is binary"):
        extract_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text")


def test_whitespace_is_normalised() -> None:
    data = b"  one   two\t\tthree  \r\n\r\n\r\n\r\nfour\x0cfive\x01six\xc2\xa0seven"
    assert extract_text(data, "text") == "one two three\n\nfour\nfive six seven"


def test_csv_is_extracted_as_text() -> None:
    data = b'name,city\r\nAlice,Berlin\r\nBob,"New York"\r\n'
    assert extract_text(data, "csv") == 'name,city\nAlice,Berlin\nBob,"New York"'


@pytest.mark.parametrize("kind", ["text", "csv", "html"])
def test_text_kinds_honour_max_chars(kind: str) -> None:
    data = b"<p>" + b"word " * 10_000 + b"</p>"
    text = extract_text(data, kind, max_chars=101)
    assert 0 < len(text) <= 101
    assert extract_text(data, kind, max_chars=0) == ""


def test_negative_max_chars_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        extract_text(b"x", "text", max_chars=-1)


def test_empty_input_has_no_text() -> None:
    assert extract_text(b"", "pdf") == ""


def test_unsupported_kind() -> None:
    with pytest.raises(ExtractionError, match="exe: unsupported document kind"):
        extract_text(b"MZ", "exe")


def test_html_drops_head_scripts_and_styles_and_decodes_entities() -> None:
    html = (
        "<html><head><title>Hidden title</title><style>p {color: red}</style></head>"
        "<body><script>var secret = 1;</script><p>Fish &amp; chips &eacute;t&eacute;"
        "&nbsp;&#8364;5</p><!-- a comment --><noscript>enable js</noscript></body></html>"
    )
    assert html_to_text(html) == "Fish & chips été €5"


def test_html_block_elements_separate_words_but_inline_ones_do_not() -> None:
    html = (
        "<div>first</div><div>second</div><p>in<b>line</b> word</p>"
        "<table><tr><td>cell1</td><td>cell2</td></tr><tr><td>cell3</td></tr></table>"
        "a<br>b<ul><li>item1</li><li>item2</li></ul>"
    )
    assert (
        html_to_text(html) == "first\nsecond\ninline word\ncell1 cell2\ncell3\na\nb\nitem1\nitem2"
    )


def test_html_source_line_breaks_are_spaces_except_in_pre() -> None:
    assert html_to_text("<p>one\n   two</p><pre>three\nfour</pre>") == "one two\nthree\nfour"


def test_html_nested_thousands_deep_does_not_recurse() -> None:
    # Ten times Python's default recursion limit.
    assert html_to_text("<div>" * 10_000 + "deep" + "</div>" * 10_000) == "deep"


def test_html_to_text_max_chars() -> None:
    assert len(html_to_text("<p>word</p>" * 1000, max_chars=50)) <= 50


def test_html_bytes_honour_meta_charset() -> None:
    data = '<meta charset="iso-8859-1"><p>café \x80</p>'.encode("latin-1")
    assert extract_text(data, "html") == "café €"


def test_html_bytes_without_charset_are_detected() -> None:
    data = f"<html><body><p>{RUSSIAN}</p></body></html>".encode("koi8-r")
    assert extract_text(data, "html") == RUSSIAN
