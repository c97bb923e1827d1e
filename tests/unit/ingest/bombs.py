"""Small attachments that unpack into a lot of work: built in code, a few hundred KB each.

Each inflates to far more than an analysis worker may use, as hostile senders' files do; the
chunks are written through streaming compressors so building one costs little memory here.
"""

from __future__ import annotations

import io
import zipfile
import zlib

_CHUNK = 1 << 20


def _deflated(unit: bytes, total: int) -> bytes:
    """``unit`` repeated to ``total`` bytes, zlib-compressed (as a PDF FlateDecode stream)."""
    compressor = zlib.compressobj(9)
    block = unit * (_CHUNK // len(unit))
    pieces = [compressor.compress(block) for _ in range(total // len(block))]
    return b"".join(pieces) + compressor.flush()


def flate_bomb_pdf(inflated_bytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated_bytes`` of text operators."""
    stream = _deflated(b"BT /F1 9 Tf 10 10 Td (bomb) Tj ET\n", inflated_bytes)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _zip(members: dict[str, bytes], big: tuple[str, bytes, bytes, bytes], total: int) -> bytes:
    """A ZIP of small ``members`` plus one big member: (name, head, unit, tail) with ``unit``
    repeated to about ``total`` bytes between head and tail."""
    name, head, unit, tail = big
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for member_name, data in members.items():
            archive.writestr(member_name, data)
        with archive.open(name, "w", force_zip64=True) as member:
            member.write(head)
            block = unit * (_CHUNK // len(unit))
            for _ in range(total // len(block)):
                member.write(block)
            member.write(tail)
    return out.getvalue()


_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_OOXML = "application/vnd.openxmlformats-officedocument"


def _package(overrides: dict[str, str], relationships: dict[str, str]) -> dict[str, bytes]:
    """[Content_Types].xml and a .rels file: part name -> content type, rels path -> XML."""
    types = "".join(
        f'<Override PartName="{part}" ContentType="{ctype}"/>' for part, ctype in overrides.items()
    )
    members = {
        "[Content_Types].xml": (
            f'{_XML}<Types xmlns="{_CT}"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/>{types}</Types>'
        ).encode()
    }
    for path, rels in relationships.items():
        members[path] = f'{_XML}<Relationships xmlns="{_REL}">{rels}</Relationships>'.encode()
    return members


def docx_bomb(xml_bytes: int) -> bytes:
    """A DOCX whose document.xml holds ``xml_bytes`` of one-letter paragraphs."""
    members = _package(
        {"/word/document.xml": f"{_OOXML}.wordprocessingml.document.main+xml"},
        {"_rels/.rels": f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" '
         'Target="word/document.xml"/>'},
    )  # fmt: skip
    head = f'{_XML}<w:document xmlns:w="{_W}"><w:body>'.encode()
    unit = b"<w:p><w:r><w:t>w</w:t></w:r></w:p>"
    return _zip(members, ("word/document.xml", head, unit, b"</w:body></w:document>"), xml_bytes)


def xlsx_bomb(shared_string_bytes: int) -> bytes:
    """An XLSX with one cell and a shared-strings table of ``shared_string_bytes``."""
    sheet = (
        f'{_XML}<worksheet xmlns="{_S}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
        "</row></sheetData></worksheet>"
    )
    members = _package(
        {
            "/xl/workbook.xml": f"{_OOXML}.spreadsheetml.sheet.main+xml",
            "/xl/worksheets/sheet1.xml": f"{_OOXML}.spreadsheetml.worksheet+xml",
            "/xl/sharedStrings.xml": f"{_OOXML}.spreadsheetml.sharedStrings+xml",
        },
        {
            "_rels/.rels": f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" '
            'Target="xl/workbook.xml"/>',
            "xl/_rels/workbook.xml.rels": f'<Relationship Id="rId1" Type="{_DOC}/worksheet" '
            f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{_DOC}/'
            'sharedStrings" Target="sharedStrings.xml"/>',
        },
    )
    members["xl/workbook.xml"] = (
        f'{_XML}<workbook xmlns="{_S}" xmlns:r="{_DOC}"><sheets><sheet name="S" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'
    ).encode()
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    head = f'{_XML}<sst xmlns="{_S}">'.encode()
    unit = b"<si><t>s</t></si>"
    return _zip(members, ("xl/sharedStrings.xml", head, unit, b"</sst>"), shared_string_bytes)
