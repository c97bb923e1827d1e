"""RTF via striprtf."""

from __future__ import annotations

from striprtf.striprtf import rtf_to_text

from mailkeep.ingest.extract.errors import ExtractionError
from mailkeep.ingest.extract.normalise import TextSink


def extract_rtf(data: bytes, kind: str, sink: TextSink) -> None:
    """Feed the text of an RTF document into ``sink``."""
    if data[:64].lstrip()[:5] != b"{\\rtf":
        raise ExtractionError(f"{kind}: not an RTF document", kind=kind)
    # RTF is 7-bit ASCII with escapes for everything else; cp1252 is only the fallback codepage
    # (striprtf honours \ansicpg and font charsets), and undecodable bytes must not abort.
    text: str = rtf_to_text(  # type: ignore[no-untyped-call]  # striprtf has no annotations
        data.decode("latin-1"), encoding="cp1252", errors="replace"
    )
    sink.add(text)
