"""Deciding which document kind (and so which extractor) an attachment belongs to."""

from __future__ import annotations

_OOXML = "application/vnd.openxmlformats-officedocument"
_ODF = "application/vnd.oasis.opendocument"

_BY_EXTENSION: dict[str, str] = {
    **dict.fromkeys(
        ("txt", "text", "log", "md", "markdown", "rst", "xml", "json", "yaml", "yml", "ini"),
        "text",
    ),
    **dict.fromkeys(("conf", "cfg", "ics", "vcf", "diff", "patch"), "text"),
    **dict.fromkeys(("html", "htm", "xhtml", "shtml"), "html"),
    "pdf": "pdf",
    "docx": "docx",
    # Macro-enabled workbooks are ordinary XLSX packages as far as cell values go.
    **dict.fromkeys(("xlsx", "xlsm"), "xlsx"),
    "pptx": "pptx",
    "odt": "odt",
    "ods": "ods",
    "odp": "odp",
    "rtf": "rtf",
    **dict.fromkeys(("csv", "tsv"), "csv"),
}

_BY_MIME: dict[str, str] = {
    **dict.fromkeys(
        (
            "text/plain",
            "text/markdown",
            "text/x-markdown",
            "text/xml",
            "application/xml",
            "application/json",
            "text/calendar",
            "text/vcard",
            "text/x-vcard",
            "text/x-log",
        ),
        "text",
    ),
    **dict.fromkeys(("text/html", "application/xhtml+xml"), "html"),
    **dict.fromkeys(("application/pdf", "application/x-pdf"), "pdf"),
    f"{_OOXML}.wordprocessingml.document": "docx",
    f"{_OOXML}.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": "xlsx",
    f"{_OOXML}.presentationml.presentation": "pptx",
    f"{_ODF}.text": "odt",
    f"{_ODF}.spreadsheet": "ods",
    f"{_ODF}.presentation": "odp",
    **dict.fromkeys(("text/rtf", "application/rtf", "application/x-rtf"), "rtf"),
    **dict.fromkeys(("text/csv", "application/csv", "text/tab-separated-values"), "csv"),
}

DEFAULT_INDEXED_KINDS: frozenset[str] = frozenset(_BY_EXTENSION.values())
"""Every kind :func:`extract_text` supports; by default all of them are indexed."""


def _extension(filename: str) -> str:
    # Mail clients send Windows paths and trailing junk; only the last path segment counts.
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().rstrip(".")
    if "." not in name:
        return ""
    return name.rsplit(".", 1)[1].lower()


def kind_of(filename: str, content_type: str) -> str | None:
    """The document kind of an attachment, or None when its text cannot be extracted.

    The file extension wins because mail clients often label attachments with a generic
    MIME type (``application/octet-stream``); the MIME type decides only when the extension
    is missing or unknown. Any other ``text/*`` type is treated as plain text.
    """
    kind = _BY_EXTENSION.get(_extension(filename))
    if kind is not None:
        return kind
    mime = content_type.split(";", 1)[0].strip().lower()
    kind = _BY_MIME.get(mime)
    if kind is None and mime.startswith("text/"):
        return "text"
    return kind
