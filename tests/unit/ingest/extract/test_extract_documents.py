"""Extraction from binary document formats: text found, corrupt input rejected cleanly."""

from __future__ import annotations

import io
import zipfile

import pytest

from mailkeep.ingest.extract import ExtractionError, containers, extract_text, odf

from .documents import (
    RTF_DOCUMENT,
    make_docx,
    make_odf,
    make_pdf,
    make_pptx,
    make_xlsx,
    odf_content,
)


def _words(text: str) -> set[str]:
    return set(text.split())


def test_pdf_text_from_every_page() -> None:
    text = extract_text(make_pdf(["Hello pdfword here", "Second pagetext"]), "pdf")
    assert {"pdfword", "pagetext"} <= _words(text)


def test_encrypted_pdf_is_reported_as_encrypted() -> None:
    with pytest.raises(ExtractionError, match="pdf: document is encrypted"):
        extract_text(make_pdf(["secret"], user_password="pw"), "pdf")


def test_docx_paragraphs_tables_headers_and_footers() -> None:
    text = extract_text(make_docx(), "docx")
    expected = {"Quarterly", "boldword", "cellalpha", "celldelta", "headerword", "footerword"}
    assert expected <= _words(text)
    # Runs of one paragraph join without losing the spaces between them.
    assert "Body paragraph with boldword and more." in text


def test_pptx_shapes_tables_and_notes_of_all_slides() -> None:
    text = extract_text(make_pptx(), "pptx")
    expected = {"Slidetitle", "textboxword", "tablecellone", "tablecelltwo", "speakernotesword"}
    assert expected | {"Secondslide"} <= _words(text)


def test_xlsx_all_sheets_and_cell_values() -> None:
    text = extract_text(make_xlsx(), "xlsx")
    assert {"Revenue", "northwind", "42", "3.5", "Notes", "secondsheetword"} <= _words(text)
    assert "42.0" not in text


def test_odt_paragraphs_spans_spaces_and_breaks() -> None:
    text = extract_text(make_odf("odt"), "odt")
    assert "First paragraph with spaces tabbed\nbroken" in text
    assert {"Odtheading", "listitemword"} <= _words(text)


def test_ods_and_odp_text() -> None:
    assert {"odscellone", "7"} <= _words(extract_text(make_odf("ods"), "ods"))
    assert {"odpslideword", "odpnotesword"} <= _words(extract_text(make_odf("odp"), "odp"))


def test_rtf_text_with_codepage_escapes() -> None:
    text = extract_text(RTF_DOCUMENT, "rtf")
    assert "Rtfword first paragraph." in text
    assert "Second bold line with café and naïve." in text


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


_GARBAGE = bytes(range(256)) * 8
_ZIP_OF_NOTHING = _zip({"readme.txt": b"not an office document"})
_OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _corrupt_cases() -> list[tuple[str, bytes]]:
    pdf, docx_, pptx_, xlsx_ = make_pdf(["words"]), make_docx(), make_pptx(), make_xlsx()
    cases = [("pdf", _GARBAGE), ("pdf", pdf[: len(pdf) // 3]), ("pdf", b"%PDF-1.7\n" + _GARBAGE)]
    cases += [("rtf", _GARBAGE), ("rtf", b"plain words, no rtf header")]
    for kind, good in (("docx", docx_), ("pptx", pptx_), ("xlsx", xlsx_)):
        cases += [(kind, _GARBAGE), (kind, good[: len(good) // 2]), (kind, _ZIP_OF_NOTHING)]
        cases.append((kind, _OLE_HEADER))
    # A valid package of the wrong Office type.
    cases += [("docx", pptx_), ("pptx", docx_), ("xlsx", docx_)]
    for kind in ("odt", "ods", "odp"):
        good = make_odf(kind)
        cases += [(kind, _GARBAGE), (kind, good[: len(good) // 2]), (kind, _ZIP_OF_NOTHING)]
        cases.append((kind, make_odf(kind, content=b"<office:document-content><unclosed")))
    return cases


@pytest.mark.parametrize(("kind", "data"), _corrupt_cases())
def test_corrupt_input_raises_extraction_error(kind: str, data: bytes) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text(data, kind)
    assert str(caught.value).startswith(f"{kind}: ")
    assert caught.value.detail == {"kind": kind}
    assert "\n" not in str(caught.value)


def test_odf_with_a_dtd_is_rejected_before_entity_expansion() -> None:
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    content = odf_content("<office:text><text:p>&lol2;</text:p></office:text>", laughs)
    with pytest.raises(ExtractionError, match="odt: XML declares a DTD"):
        extract_text(make_odf("odt", content=content), "odt")


def test_encrypted_odf_is_reported_as_encrypted() -> None:
    data = make_odf("odt", manifest_extra="<manifest:encryption-data/>")
    with pytest.raises(ExtractionError, match="odt: document is encrypted"):
        extract_text(data, "odt")


def test_oversized_odf_content_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    # Patch the limit rather than build a real 50 MB document.
    monkeypatch.setattr(odf, "MAX_CONTENT_BYTES", 1024 * 1024)
    big = odf_content("<office:text>" + "<text:p>word</text:p>" * 100_000 + "</office:text>")
    with pytest.raises(ExtractionError, match=r"odt: content\.xml exceeds 1 MB"):
        extract_text(make_odf("odt", content=big), "odt")


@pytest.mark.parametrize("kind", ["docx", "pptx", "xlsx", "ods"])
def test_zip_bomb_is_rejected_by_declared_size(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    monkeypatch.setattr(containers, "MAX_TOTAL_UNCOMPRESSED", 100_000)
    with pytest.raises(ExtractionError, match=f"{kind}: uncompressed size exceeds"):
        extract_text(_zip({"bomb.bin": b"\x00" * 200_000}), kind)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("pdf", make_pdf(["lorem ipsum dolor sit amet " * 40] * 5)),
        (
            "odt",
            make_odf(
                "odt",
                content=odf_content(
                    "<office:text>" + "<text:p>word</text:p>" * 500 + "</office:text>"
                ),
            ),
        ),
        ("rtf", rb"{\rtf1\ansi " + b"rtf words here\\par " * 500 + b"}"),
    ],
)
def test_binary_kinds_honour_max_chars(kind: str, data: bytes) -> None:
    full = extract_text(data, kind)
    limited = extract_text(data, kind, max_chars=100)
    assert len(full) > 100
    assert 0 < len(limited) <= 100
    assert full.startswith(limited)
