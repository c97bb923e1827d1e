"""The single error type raised by text extraction."""

from __future__ import annotations

from typing import Any

from mailkeep.errors import MailkeepError


class ExtractionError(MailkeepError):
    """An attachment's text could not be extracted (corrupt, encrypted or unsupported input).

    The message always starts with the document kind, e.g. ``"pdf: document is encrypted"``.
    """

    code = "extraction_error"

    def __reduce__(self) -> tuple[Any, ...]:
        # Extraction runs in worker processes, so the error must survive pickling. The default
        # exception pickling calls ``cls(*args)`` and would silently drop ``detail``; passing the
        # instance dict as state restores it (and any other attribute) via __setstate__.
        return (type(self), (self.message,), self.__dict__.copy())
