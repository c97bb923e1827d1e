"""Compression of the stored snippet texts of one index.

Every document stores the start of its texts for snippets (see ``STORED_LIMITS`` in
``mailkeep.index.schema``): about a kilobyte of text each, compressed one document at a time.
Short texts compress poorly on their own, so an index trains a zstd dictionary on its own first
``TRAIN_DOCS`` documents and compresses every later one with it (generated corpus: 456 bytes a
document with deflate and a fixed preset dictionary, about 250 with zstd and a trained one).

The dictionary is written to ``DICTIONARY_FILE`` in the index directory (atomically, and before
any document compressed with it is added), so it lives and dies with the index: deleting the
index directory for a rebuild trains a new one. Each value is a zstd frame naming the dictionary
it needs (none for the first documents); readers in other processes load the file when they
first meet a frame that needs it.

Indexes of schema version 2 stored raw deflate streams with a fixed preset dictionary; they are
still read (``legacy=True``) until they are rebuilt.
"""

from __future__ import annotations

import os
import threading
import zlib
from pathlib import Path

import zstandard

from mailkeep.index.schema import split_snippet_texts

DICTIONARY_FILE = "mailkeep-snippets.zdict"
TRAIN_DOCS = 500
# Generated corpus, 20,000 documents: 32 KiB at level 12 gave 4.76 MB in 0.63 s of CPU; 64 KiB at
# level 3 gives 4.90 MB in 0.09 s (the writer's CPU is the scarcer resource during imports).
DICTIONARY_BYTES = 64 * 1024
ZSTD_LEVEL = 3
MAX_PLAIN_BYTES = 1 << 20  # far above the stored prefixes (a few thousand characters)

# Schema version 2: raw deflate with this preset dictionary.
_LEGACY_WBITS = -15
_LEGACY_DICTIONARY = (
    b"> > > \n> \n\n-----Original Message-----\nFrom: Sent: To: Cc: Subject: Re: Fwd: Date: "
    b"wrote:\nOn Mon, Tue, Wed, Thu, Fri, Sat, Sun, Jan Feb Mar Apr May Jun Jul Aug Sep Oct "
    b"Nov Dec ______________________________________________ mailing list unsubscribe "
    b"subscribe mailto: https:// http://www. .com/ .net .org .html "
    b"Thanks, Regards, Best regards, please let me know if you have any questions "
    b"click here to be removed from our list free offer order now business money receive "
    b"information about email address internet website this message is sent "
    b"I think that it would be a good idea to use the new version, but you can also "
    b"what there was with they have this from were which their will other more "
    b"them some would make than first been who its now people could only after "
    b"should because where does through before also any these those your the and to of "
)


class SnippetCodec:
    """Packs (writer) and unpacks (anyone) the ``snippet_texts`` values of one index."""

    def __init__(self, path: Path, legacy: bool = False) -> None:
        self._path = path
        self._legacy = legacy
        self._lock = threading.Lock()  # zstd (de)compressors must not be used concurrently
        self._compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        self._decompressors: dict[int, zstandard.ZstdDecompressor] = {
            0: zstandard.ZstdDecompressor()
        }
        self._samples: list[bytes | bytearray | memoryview] = []
        self._trained = False  # a dictionary is in use, or training was given up
        if not legacy:
            self._load()

    # --- writing ---------------------------------------------------------------------------

    def pack(self, plain: bytes) -> bytes:
        """The stored value for a document's joined snippet texts (see ``join_snippet_texts``).

        The first documents of an index are also kept as training samples; once there are
        enough, the dictionary is trained and written before this value is compressed.
        """
        if self._legacy:
            raise ValueError("an index of schema version 2 is read-only")
        if not self._trained:
            self._samples.append(plain)
            if len(self._samples) >= TRAIN_DOCS:
                self._train()
        with self._lock:
            return self._compressor.compress(plain)

    def _train(self) -> None:
        samples, self._samples = self._samples, []
        self._trained = True
        try:
            trained = zstandard.train_dictionary(DICTIONARY_BYTES, samples)
        except zstandard.ZstdError:
            return  # too little variety: values stay compressed without a dictionary
        _write_atomically(self._path / DICTIONARY_FILE, trained.as_bytes())
        self._use(trained.as_bytes())

    def _use(self, data: bytes) -> None:
        dictionary = zstandard.ZstdCompressionDict(data)
        dictionary.precompute_compress(level=ZSTD_LEVEL)
        with self._lock:
            self._compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=dictionary)
            self._decompressors[dictionary.dict_id()] = zstandard.ZstdDecompressor(
                dict_data=dictionary
            )
        self._trained = True

    def _load(self) -> None:
        try:
            data = (self._path / DICTIONARY_FILE).read_bytes()
        except FileNotFoundError:
            return
        self._use(data)

    # --- reading ---------------------------------------------------------------------------

    def unpack(self, value: object) -> dict[str, str]:
        """The stored prefixes in a ``snippet_texts`` value (empty texts left out); ``{}`` for a
        missing or damaged value."""
        if not isinstance(value, bytes | bytearray | list) or not value:
            return {}
        data = bytes(value)
        plain = _inflate_legacy(data) if self._legacy else self._decompress(data)
        return split_snippet_texts(plain) if plain is not None else {}

    def _decompress(self, data: bytes) -> bytes | None:
        try:
            dict_id = zstandard.get_frame_parameters(data).dict_id
            if dict_id not in self._decompressors:
                self._load()  # trained by the writer since this reader opened the index
            decompressor = self._decompressors.get(dict_id)
            if decompressor is None:
                return None
            with self._lock:
                return decompressor.decompress(data, max_output_size=MAX_PLAIN_BYTES)
        except (zstandard.ZstdError, OSError):
            return None


def _inflate_legacy(data: bytes) -> bytes | None:
    try:
        unpacker = zlib.decompressobj(_LEGACY_WBITS, _LEGACY_DICTIONARY)
        return unpacker.decompress(data) + unpacker.flush()
    except zlib.error:
        return None


def deflate_legacy(plain: bytes) -> bytes:
    """A schema version 2 value (only to make test indexes of that version)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, _LEGACY_WBITS, 9, 0, _LEGACY_DICTIONARY)
    return packer.compress(plain) + packer.flush()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a file durably under its final name only once complete (a crash leaves no half
    dictionary that later values would be unreadable with)."""
    temp = path.with_name(f".{path.name}.tmp")
    with temp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temp.replace(path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
