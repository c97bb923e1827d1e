"""Turning attachment bytes into searchable plain text.

:func:`kind_of` maps an attachment to a document kind, :func:`extract_text` extracts its text
and raises :class:`ExtractionError` for anything it cannot read. :func:`html_to_text` is also
used directly for HTML message bodies.
"""

from mailkeep.ingest.extract.core import extract_text
from mailkeep.ingest.extract.errors import ExtractionError
from mailkeep.ingest.extract.kinds import DEFAULT_INDEXED_KINDS, kind_of
from mailkeep.ingest.extract.markup import html_to_text

__all__ = [
    "DEFAULT_INDEXED_KINDS",
    "ExtractionError",
    "extract_text",
    "html_to_text",
    "kind_of",
]
