"""kind_of, DEFAULT_INDEXED_KINDS and the ExtractionError contract."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailkeep.errors import MailkeepError
from mailkeep.ingest.extract import (
    DEFAULT_INDEXED_KINDS,
    ExtractionError,
    extract_text,
    kind_of,
)

_OOXML = "application/vnd.openxmlformats-officedocument"


@pytest.mark.parametrize(
    ("filename", "content_type", "expected"),
    [
        ("notes.txt", "text/plain", "text"),
        ("server.LOG", "application/octet-stream", "text"),
        ("README.md", "", "text"),
        ("feed.xml", "application/octet-stream", "text"),
        ("page.htm", "application/octet-stream", "html"),
        ("page.html", "text/html; charset=utf-8", "html"),
        ("report.PDF", "application/octet-stream", "pdf"),
        ("C:\\Users\\me\\Letter.docx", "application/octet-stream", "docx"),
        ("sheet.xlsx", "", "xlsx"),
        ("macros.xlsm", "", "xlsx"),
        ("deck.pptx", "", "pptx"),
        ("doc.odt", "", "odt"),
        ("calc.ods", "", "ods"),
        ("show.odp", "", "odp"),
        ("memo.rtf", "", "rtf"),
        ("data.csv", "", "csv"),
        ("data.tsv", "", "csv"),
        # Extension wins over a wrong or generic MIME type.
        ("scan.pdf", "text/plain", "pdf"),
        # No (or an unknown) extension: the MIME type decides.
        ("attachment", "application/pdf", "pdf"),
        ("noext", f"{_OOXML}.wordprocessingml.document", "docx"),
        ("noext", f"{_OOXML}.spreadsheetml.sheet", "xlsx"),
        ("noext", f"{_OOXML}.presentationml.presentation", "pptx"),
        ("noext", "application/vnd.oasis.opendocument.text", "odt"),
        ("file.bin", "text/rtf", "rtf"),
        ("file.bin", "application/rtf", "rtf"),
        ("", 'TEXT/HTML; charset="utf-8"', "html"),
        ("", "text/csv", "csv"),
        ("", "text/x-python", "text"),
        # Not supported.
        ("photo.jpg", "image/jpeg", None),
        ("archive.zip", "application/zip", None),
        ("legacy.doc", "application/msword", None),
        ("", "application/octet-stream", None),
        ("", "", None),
        ("trailingdot.", "", None),
    ],
)
def test_kind_of(filename: str, content_type: str, expected: str | None) -> None:
    assert kind_of(filename, content_type) == expected


def test_default_indexed_kinds_are_all_extractable() -> None:
    assert {"text", "html", "pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "rtf", "csv"} == (
        DEFAULT_INDEXED_KINDS
    )


def test_extraction_error_shape_and_pickling() -> None:
    error = ExtractionError("pdf: document is encrypted", kind="pdf")
    assert isinstance(error, MailkeepError)
    assert error.as_dict() == {
        "error": "extraction_error",
        "message": "pdf: document is encrypted",
        "kind": "pdf",
    }
    # Round-trips our own object, as the worker pool does; no untrusted data involved.
    restored = pickle.loads(pickle.dumps(error))  # noqa: S301
    assert type(restored) is ExtractionError
    assert str(restored) == "pdf: document is encrypted"
    assert restored.detail == {"kind": "pdf"}


def test_any_library_exception_becomes_extraction_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(data: bytes, kind: str, sink: object) -> None:
        raise RuntimeError("boom at 0x7f00deadbeef\nsecond line")

    from mailkeep.ingest.extract import pdf

    monkeypatch.setattr(pdf, "extract_pdf", explode)
    with pytest.raises(ExtractionError) as caught:
        extract_text(b"%PDF", "pdf")
    assert (
        str(caught.value) == "pdf: corrupt or unreadable document (RuntimeError: boom second line)"
    )
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert str(pickle.loads(pickle.dumps(caught.value))) == str(caught.value)  # noqa: S301


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=2048), kind=st.sampled_from(sorted(DEFAULT_INDEXED_KINDS)))
def test_arbitrary_bytes_give_text_or_extraction_error(data: bytes, kind: str) -> None:
    try:
        text = extract_text(data, kind, max_chars=500)
    except ExtractionError as error:
        assert str(error).startswith(f"{kind}: ")
    else:
        assert len(text) <= 500
