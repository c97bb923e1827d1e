"""PDF text via PDFium."""

from __future__ import annotations

import pypdfium2

from mailkeep.ingest.extract.errors import ExtractionError
from mailkeep.ingest.extract.normalise import TextSink


def _open(data: bytes) -> pypdfium2.PdfDocument:
    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        # PDFium reports a missing/wrong password as a load error; name it clearly.
        if "password" in str(exc).lower():
            raise ExtractionError("pdf: document is encrypted", kind="pdf") from exc
        raise ExtractionError("pdf: corrupt or not a PDF document", kind="pdf") from exc


def extract_pdf(data: bytes, kind: str, sink: TextSink) -> None:
    """Feed the text layer of every page into ``sink`` (scanned pages without one give nothing)."""
    del kind
    document = _open(data)
    try:
        for index in range(len(document)):
            if sink.full:
                break
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    sink.add(textpage.get_text_range())
                finally:
                    textpage.close()
            finally:
                page.close()
            sink.section_break()
    finally:
        document.close()
