"""Dispatch from document kind to extractor, with uniform error handling and size limits."""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Callable

from mailkeep.ingest.extract.errors import ExtractionError
from mailkeep.ingest.extract.normalise import TextSink

Extractor = Callable[[bytes, str, TextSink], None]

# kind -> (module, function). Modules are imported on first use: the Office and PDF libraries
# take about half a second to import, which every worker process would otherwise pay at start.
_EXTRACTORS: dict[str, tuple[str, str]] = {
    "text": ("plain", "extract_plain"),
    "csv": ("plain", "extract_plain"),
    "html": ("markup", "extract_html"),
    "pdf": ("pdf", "extract_pdf"),
    "docx": ("ooxml", "extract_docx"),
    "xlsx": ("sheets", "extract_xlsx"),
    "pptx": ("ooxml", "extract_pptx"),
    "odt": ("odf", "extract_odf"),
    "ods": ("odf", "extract_odf"),
    "odp": ("odf", "extract_odf"),
    "rtf": ("rtf", "extract_rtf"),
}
_MAX_REASON = 200
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _reason(exc: BaseException) -> str:
    """A short, single-line description of a library failure for the error message."""
    # Object reprs ("<BytesIO object at 0x7f...>") would make every message unique.
    detail = _ADDRESS.sub("", " ".join(str(exc).split()))
    if len(detail) > _MAX_REASON:
        detail = detail[: _MAX_REASON - 1] + "…"
    name = type(exc).__name__
    return (
        f"corrupt or unreadable document ({name}: {detail})"
        if detail
        else f"corrupt or unreadable document ({name})"
    )


def extract_text(data: bytes, kind: str, max_chars: int = 1_000_000) -> str:
    """The searchable plain text of a document of the given kind (see :func:`kind_of`).

    The result is whitespace-normalised and at most ``max_chars`` characters long; extraction
    stops early once that much text has been found; empty ``data`` yields ``""``. Raises
    :class:`ExtractionError` for an unsupported kind and for corrupt, encrypted or otherwise
    unreadable input — never another exception, whatever the parsing library does, but
    MemoryError (a process's memory cap reached: the caller says so) and ValueError for a
    negative ``max_chars`` (a caller bug).
    """
    target = _EXTRACTORS.get(kind)
    if target is None:
        raise ExtractionError(f"{kind}: unsupported document kind", kind=kind)
    module = importlib.import_module(f"mailkeep.ingest.extract.{target[0]}")
    extractor: Extractor = getattr(module, target[1])
    if max_chars < 0:
        raise ValueError(f"max_chars must not be negative, got {max_chars}")
    if not data or max_chars == 0:
        return ""
    sink = TextSink(max_chars)
    try:
        # Parsers warn about quirks of malformed input (which attachments routinely are);
        # such warnings are not actionable and would otherwise flood the logs, or fail runs
        # that turn warnings into errors. Extraction runs in worker processes, so the
        # process-global filter change does not race with other threads.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            extractor(data, kind, sink)
    except (ExtractionError, MemoryError):
        raise
    except Exception as exc:
        raise ExtractionError(f"{kind}: {_reason(exc)}", kind=kind) from exc
    return sink.result()
