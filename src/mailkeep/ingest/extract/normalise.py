"""Whitespace normalisation and a size-bounded text collector shared by all extractors."""

from __future__ import annotations

import re

# Characters that end a line in some format (form feed between PDF pages, Unicode separators).
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Control characters and lone surrogates would break indexing or UTF-8 encoding downstream;
# they become spaces so the words on either side stay separate.
_JUNK = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Invisible characters that sit *inside* words (soft hyphen, zero-width space, BOM): removing
# them keeps the word whole for the search index.
_INVISIBLE = re.compile(r"[\xad\u200b\u2060\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_RUNS = re.compile(r"\n{3,}")
_BATCH_CHARS = 64 * 1024
# The same rules for ASCII text as one C-level character mapping: line breaks to "\n", other
# control characters and whitespace to " " (runs of spaces are collapsed afterwards).
_ASCII_MAP = str.maketrans(
    {
        **{chr(c): " " for c in (*range(0x0A), *range(0x0E, 0x1C), 0x1F, 0x7F)},
        **{chr(c): "\n" for c in (0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E)},
    }
)
_SPACE_RUNS = re.compile(r"  +")


def normalise_whitespace(text: str) -> str:
    """Collapse runs of spaces to one and runs of blank lines to one blank line; strip the ends."""
    return _normalise_ascii(text) if text.isascii() else _normalise_any(text)


def _normalise_any(text: str) -> str:
    """:func:`normalise_whitespace` rule by rule, for any text."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _JUNK.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _normalise_ascii(text: str) -> str:
    """:func:`normalise_whitespace` for ASCII text, about three times faster (the extracted
    text of most attachments is ASCII)."""
    text = text.replace("\r\n", "\n").translate(_ASCII_MAP)
    text = _SPACE_RUNS.sub(" ", text)
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    return _BLANK_RUNS.sub("\n\n", text).strip()


def truncate(text: str, max_chars: int) -> str:
    """Cut ``text`` to at most ``max_chars`` characters, dropping a trailing partial space."""
    if len(text) <= max_chars:
        return text
    return text[:max_chars].rstrip()


class TextSink:
    """Collects extracted pieces until ``max_chars`` normalised characters have been gathered.

    Extractors feed it one paragraph, cell or page at a time and stop once :attr:`full` is true,
    so a huge document costs no more work than the text we will actually keep. Pieces are
    normalised in batches because per-piece regex work dominated on documents made of many
    tiny paragraphs.
    """

    def __init__(self, max_chars: int) -> None:
        self._max_chars = max_chars
        self._parts: list[str] = []
        self._size = 0
        self._pending: list[str] = []
        self._pending_size = 0

    @property
    def full(self) -> bool:
        """True once enough text has been collected to fill ``max_chars``."""
        return self._size >= self._max_chars

    def add(self, text: str) -> None:
        """Append one piece (a paragraph, a cell, a page) as its own line; blanks are ignored."""
        if self.full or not text or text.isspace():
            return
        self._pending.append(text)
        self._pending_size += len(text)
        if self._pending_size >= min(_BATCH_CHARS, self._max_chars):
            self._flush()

    def section_break(self) -> None:
        """Separate what follows (next page, slide, sheet) by a blank line."""
        if self._pending and self._pending[-1]:
            self._pending.append("")

    def result(self) -> str:
        """The collected text, normalised and cut to ``max_chars``."""
        self._flush()
        # Every part is normalised already; only blank lines where parts meet remain to fold.
        joined = _BLANK_RUNS.sub("\n\n", "\n".join(self._parts)).strip()
        return truncate(joined, self._max_chars)

    def _flush(self) -> None:
        piece = normalise_whitespace("\n".join(self._pending))
        if piece:
            self._parts.append(piece)
            self._size += len(piece) + 1
        if self._pending and not self._pending[-1]:
            self._parts.append("")  # keep a section break that ended the batch
        self._pending = []
        self._pending_size = 0
