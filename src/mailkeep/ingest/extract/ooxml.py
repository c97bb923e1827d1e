"""Office Open XML word processing (DOCX) and presentations (PPTX)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import docx
import pptx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml

from mailkeep.ingest.extract.containers import check_zip
from mailkeep.ingest.extract.normalise import TextSink

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
# Alternate content stores a second (legacy VML) copy of text boxes; reading it would index
# every text-box word twice.
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Word parts besides the body that hold text a user would search for.
_WORD_SIDE_PARTS = (
    RELATIONSHIP_TYPE.HEADER,
    RELATIONSHIP_TYPE.FOOTER,
    RELATIONSHIP_TYPE.FOOTNOTES,
    RELATIONSHIP_TYPE.ENDNOTES,
    RELATIONSHIP_TYPE.COMMENTS,
)


@dataclass(frozen=True)
class _Vocabulary:
    """The element names one OOXML dialect uses for paragraphs, text and breaks."""

    line_starts: frozenset[str]  # paragraphs and table cells: each begins a new line
    text: str
    breaks: frozenset[str]
    tabs: frozenset[str]


_WORDML = _Vocabulary(
    line_starts=frozenset({f"{_W}p", f"{_W}tc"}),
    text=f"{_W}t",
    breaks=frozenset({f"{_W}br", f"{_W}cr"}),
    tabs=frozenset({f"{_W}tab", f"{_W}ptab"}),
)
_DRAWINGML = _Vocabulary(
    line_starts=frozenset({f"{_A}p", f"{_A}tc"}),
    text=f"{_A}t",
    breaks=frozenset({f"{_A}br"}),
    tabs=frozenset(),
)


def _feed_element(root: Any, vocabulary: _Vocabulary, sink: TextSink) -> None:
    """Feed the text below an lxml element into ``sink``, one line per paragraph or cell."""
    for fallback in list(root.iter(_MC_FALLBACK)):
        fallback.getparent().remove(fallback)
    line: list[str] = []
    # lxml's iter() walks the tree in document order without recursion, so deep nesting is fine.
    for element in root.iter():
        tag = element.tag
        if tag == vocabulary.text:
            line.append(element.text or "")
        elif tag in vocabulary.tabs:
            line.append(" ")
        elif tag in vocabulary.breaks or tag in vocabulary.line_starts:
            sink.add("".join(line))
            line = []
            if sink.full:
                return
    sink.add("".join(line))


def extract_docx(data: bytes, kind: str, sink: TextSink) -> None:
    """Feed a DOCX body (paragraphs, tables, text boxes), headers, footers, notes and comments."""
    check_zip(data, kind)
    document = docx.Document(io.BytesIO(data))
    _feed_element(document.element.body, _WORDML, sink)
    seen: set[str] = set()
    for rel in document.part.rels.values():
        if rel.is_external or rel.reltype not in _WORD_SIDE_PARTS:
            continue
        part = rel.target_part
        if str(part.partname) in seen:
            continue
        seen.add(str(part.partname))
        # python-docx only models some of these parts; the rest are parsed with its own
        # entity-free XML parser.
        element = getattr(part, "element", None)
        sink.section_break()
        _feed_element(element if element is not None else parse_xml(part.blob), _WORDML, sink)


def extract_pptx(data: bytes, kind: str, sink: TextSink) -> None:
    """Feed every slide's shapes (text frames, groups, tables) and its speaker notes."""
    check_zip(data, kind)
    presentation = pptx.Presentation(io.BytesIO(data))
    for slide in presentation.slides:
        if sink.full:
            return
        _feed_element(slide.element, _DRAWINGML, sink)
        # has_notes_slide first: touching notes_slide would create an empty one.
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None:
                sink.add(notes.text)
        sink.section_break()
