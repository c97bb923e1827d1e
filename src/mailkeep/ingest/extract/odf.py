"""OpenDocument text, spreadsheets and presentations, read from ``content.xml``."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator

from mailkeep.ingest.extract.containers import open_zip
from mailkeep.ingest.extract.errors import ExtractionError
from mailkeep.ingest.extract.normalise import TextSink

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_PARAGRAPHS = frozenset({f"{_TEXT}p", f"{_TEXT}h"})
# Elements whose content has been fed to the sink by the time they end; clearing them keeps
# memory flat for large spreadsheets.
_CLEARED = _PARAGRAPHS | {"{urn:oasis:names:tc:opendocument:xmlns:table:1.0}table-row"}
_SPACE, _TAB, _LINE_BREAK = f"{_TEXT}s", f"{_TEXT}tab", f"{_TEXT}line-break"
# Annotation metadata (author, date) is not document text.
_SKIPPED = frozenset(
    {"{http://purl.org/dc/elements/1.1/}creator", "{http://purl.org/dc/elements/1.1/}date"}
)
MAX_CONTENT_BYTES = 50 * 1024 * 1024
_CHUNK = 64 * 1024
# A DTD is the only way to declare entities (billion laughs, external entities); ODF never
# needs one, so its mere presence rejects the document before the parser can expand anything.
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_OVERLAP = 16


def _chunks(archive: zipfile.ZipFile, kind: str) -> Iterator[bytes]:
    """Yield content.xml in chunks, enforcing the size cap and the no-DTD rule."""
    try:
        info = archive.getinfo("content.xml")
    except KeyError:
        raise ExtractionError(f"{kind}: content.xml is missing", kind=kind) from None
    if info.flag_bits & 0x1:
        raise ExtractionError(f"{kind}: document is encrypted", kind=kind)
    too_big = ExtractionError(
        f"{kind}: content.xml exceeds {MAX_CONTENT_BYTES >> 20} MB", kind=kind
    )
    if info.file_size > MAX_CONTENT_BYTES:
        raise too_big
    total, tail = 0, b""
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            total += len(chunk)
            if total > MAX_CONTENT_BYTES:  # the declared size may lie
                raise too_big
            if _DTD.search(tail + chunk):
                raise ExtractionError(f"{kind}: XML declares a DTD or entities", kind=kind)
            tail = chunk[-_DTD_OVERLAP:]
            yield chunk


def _is_encrypted(archive: zipfile.ZipFile) -> bool:
    # ODF encryption keeps a valid ZIP but scrambles content.xml; the manifest says so.
    try:
        with archive.open("META-INF/manifest.xml") as stream:
            return b"encryption-data" in stream.read(MAX_CONTENT_BYTES)
    except KeyError:
        return False


def _space_count(value: str) -> int:
    # <text:s text:c="N"/> stands for N spaces; a hostile N must not allocate gigabytes.
    return min(int(value), 100) if value.isdigit() else 1


def _paragraph_text(paragraph: ET.Element) -> str:
    """The text of one paragraph, including spans, links, spaces, tabs and line breaks."""
    parts: list[str] = []
    # Explicit stack (of elements and tail strings) because spans can nest arbitrarily deep.
    stack: list[ET.Element | str] = [paragraph]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if item.tag == _SPACE:
            parts.append(" " * _space_count(item.get(f"{_TEXT}c", "1")))
        elif item.tag in (_TAB, _LINE_BREAK):
            parts.append("\n" if item.tag == _LINE_BREAK else " ")
        elif item.tag not in _SKIPPED:
            parts.append(item.text or "")
            for child in reversed(item):
                stack.extend((child.tail or "", child))
    return "".join(parts)


def extract_odf(data: bytes, kind: str, sink: TextSink) -> None:
    """Feed every paragraph and heading of an ODT/ODS/ODP ``content.xml`` into ``sink``."""
    with open_zip(data, kind) as archive:
        if _is_encrypted(archive):
            raise ExtractionError(f"{kind}: document is encrypted", kind=kind)
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
        for chunk in _chunks(archive, kind):
            parser.feed(chunk)
            for event in parser.read_events():
                element = event[-1]
                if not isinstance(element, ET.Element):
                    continue
                if element.tag in _PARAGRAPHS:
                    sink.add(_paragraph_text(element))
                if element.tag in _CLEARED:
                    # A paragraph nested in another (text box, note) is emitted first; its
                    # tail still belongs to the outer paragraph, so it survives the clearing.
                    tail = element.tail
                    element.clear()
                    element.tail = tail
            if sink.full:
                return
        parser.close()
