"""Builders for small documents of every supported kind, made in-process for the tests."""

from __future__ import annotations

import io
import zipfile

import docx
import fpdf
import pptx
import xlsxwriter
from pptx.util import Inches


def make_pdf(pages: list[str], user_password: str | None = None) -> bytes:
    """A PDF with one page per string."""
    document = fpdf.FPDF()
    document.set_font("helvetica", size=12)
    for text in pages:
        document.add_page()
        document.multi_cell(0, 10, text)
    if user_password is not None:
        document.set_encryption(owner_password="owner", user_password=user_password)
    return bytes(document.output())


def make_docx() -> bytes:
    """A DOCX with a paragraph, a table, a header and a footer."""
    document = docx.Document()
    document.add_heading("Quarterly heading", level=1)
    paragraph = document.add_paragraph("Body paragraph with ")
    paragraph.add_run("boldword").bold = True
    paragraph.add_run(" and more.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "cellalpha"
    table.cell(0, 1).text = "cellbeta"
    table.cell(1, 0).text = "cellgamma"
    table.cell(1, 1).text = "celldelta"
    section = document.sections[0]
    section.header.paragraphs[0].text = "headerword"
    section.footer.paragraphs[0].text = "footerword"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pptx() -> bytes:
    """A PPTX with a title, a text box, a table and speaker notes."""
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Slidetitle"
    box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(4), Inches(1))
    box.text_frame.text = "textboxword"
    table = slide.shapes.add_table(1, 2, Inches(1), Inches(3), Inches(4), Inches(1)).table
    table.cell(0, 0).text = "tablecellone"
    table.cell(0, 1).text = "tablecelltwo"
    slide.notes_slide.notes_text_frame.text = "speakernotesword"
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    second.shapes.title.text = "Secondslide"
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    """An XLSX with two sheets of strings and numbers."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    first = workbook.add_worksheet("Revenue")
    first.write_row(0, 0, ["region", "amount"])
    first.write_row(1, 0, ["northwind", 42])
    first.write_row(2, 0, ["southgate", 3.5])
    second = workbook.add_worksheet("Notes")
    second.write(4, 3, "secondsheetword")
    workbook.close()
    return buffer.getvalue()


_ODF_MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
_ODF_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"'
)
ODF_BODIES = {
    "odt": (
        "<office:text><text:h>Odtheading</text:h>"
        "<text:p>First<text:s/>para<text:span>graph</text:span> with"
        "<text:s text:c='3'/>spaces<text:tab/>tabbed<text:line-break/>broken</text:p>"
        "<text:list><text:list-item><text:p>listitemword</text:p></text:list-item></text:list>"
        "</office:text>"
    ),
    "ods": (
        "<office:spreadsheet><table:table table:name='Sheet1'><table:table-row>"
        "<table:table-cell><text:p>odscellone</text:p></table:table-cell>"
        "<table:table-cell office:value-type='float' office:value='7'><text:p>7</text:p>"
        "</table:table-cell></table:table-row></table:table></office:spreadsheet>"
    ),
    "odp": (
        "<office:presentation><draw:page draw:name='p1'><draw:frame><draw:text-box>"
        "<text:p>odpslideword</text:p></draw:text-box></draw:frame>"
        "<presentation:notes><draw:frame><draw:text-box><text:p>odpnotesword</text:p>"
        "</draw:text-box></draw:frame></presentation:notes></draw:page></office:presentation>"
    ),
}


def odf_content(body: str, prolog: str = "") -> bytes:
    """A content.xml document wrapping ``body`` (an office:text/spreadsheet/... element)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<office:document-content {_ODF_NAMESPACES} office:version="1.2">'
        f"<office:body>{body}</office:body></office:document-content>"
    ).encode()


def make_odf(kind: str, content: bytes | None = None, manifest_extra: str = "") -> bytes:
    """A minimal ODF package of ``kind`` with the given (or the default) content.xml."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        f"{manifest_extra}</manifest:file-entry></manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", _ODF_MIMETYPES[kind], compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr(
            "content.xml",
            content if content is not None else odf_content(ODF_BODIES[kind]),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


RTF_DOCUMENT = (
    rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}"
    rb"{\info{\title hiddentitle}}"
    rb"\f0\fs24 Rtfword first paragraph.\par "
    rb"Second \b bold\b0  line with caf\'e9 and na\'efve.\par }"
)
