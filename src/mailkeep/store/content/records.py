"""The on-disk record format of container files: the original bytes are the truth.

A container file is a fixed file header followed by self-describing records::

    file header   b"MKCONT\\x00\\x01"                               (8 bytes)
    record        magic b"MKR\\x01" | kind u8 | 3 reserved | length u32 (big endian)
                  | nonce (12) | AES-256-GCM ciphertext + tag (length bytes)

The 12 header bytes before the nonce are the GCM additional data, so a flipped bit anywhere in a
record (header or body) fails authentication. Plaintext of a ``BLOB`` record: SHA-256 of the raw
message (32) | raw size u64 | zstd frame of the raw bytes (store format 1). Plaintext of a
``BLOB2`` record (store format 2): form u8 (0: the raw bytes, 1: their packed form, base64 bodies
decoded, see ``base64_bodies``) | zstd frame of that form, with its size in the frame header; the
hash is not stored but recomputed from the bytes (the record is authenticated, and the catalog
and entry records name each message by its hash). Plaintext of an ``ENTRY`` record: a zstd
frame of a UTF-8 JSON array of changes of which user archive and folder holds a message
(``add``, ``move``, ``remove``; one record per write batch); replaying all entry records in file
order rebuilds a store's metadata (see ``store recover``). Plaintext of a ``DICTIONARY``
record: a zstd dictionary trained on the store's first messages; blob frames name the
dictionary they need by its id (in the zstd frame header), and a dictionary record always
precedes the first blob that uses it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
import threading
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import zstandard
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mailkeep.errors import MailkeepError
from mailkeep.store.content import base64_bodies

FILE_MAGIC = b"MKCONT\x00\x01"
RECORD_MAGIC = b"MKR\x01"
_HEADER = struct.Struct(">4sB3xI")
HEADER_SIZE = _HEADER.size + 12  # header fields + nonce
_BLOB_PREFIX = struct.Struct(">32sQ")
MAX_RECORD = 0xFFFF_FFFF
ZSTD_LEVEL = 6  # with the dictionary: about 10% smaller than level 3, 25 us a message more


class RecordKind(IntEnum):
    """What a record holds."""

    BLOB = 1
    ENTRY = 2
    DICTIONARY = 3
    BLOB2 = 4  # store format 2: no stored hash and size, base64 bodies may be stored decoded


BLOB_KINDS = frozenset({RecordKind.BLOB, RecordKind.BLOB2})
_RAW_FORM, _PACKED_FORM = 0, 1
MAX_MESSAGE = 1 << 30  # the ingest limit; a frame claiming more is damaged


class CorruptRecordError(MailkeepError):
    """A record fails authentication, decompression or its hash check."""

    code = "corrupt_record"


@dataclass(frozen=True)
class Blob:
    """A decoded BLOB record."""

    sha256: bytes
    raw: bytes


class RecordCodec:
    """Seals and opens records with one store's data key."""

    def __init__(self, data_key: bytes) -> None:
        self._aead = AESGCM(data_key)
        self._compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        # zstd (de)compressor objects must not be used by two threads at once; stores are read
        # by many threads (web requests), so each thread gets its own decompressors.
        self._dictionaries: dict[int, bytes | None] = {0: None}
        self._local = threading.local()
        self.dictionary_id = 0  # id of the dictionary new blobs are compressed with (0: none)
        self._entry_compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)

    def use_dictionary(self, data: bytes, for_writing: bool = True) -> int:
        """Register a zstd dictionary for reading (and, by default, for new blobs)."""
        dictionary = zstandard.ZstdCompressionDict(data)
        dict_id = dictionary.dict_id()
        self._dictionaries[dict_id] = data
        if for_writing:
            # Without precomputing, every compress() call would digest the whole dictionary.
            dictionary.precompute_compress(level=ZSTD_LEVEL)
            self._compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=dictionary)
            self.dictionary_id = dict_id
        return dict_id

    def _decompressor(self, dict_id: int) -> zstandard.ZstdDecompressor | None:
        """This thread's decompressor for a dictionary id (None: unknown dictionary)."""
        mine: dict[int, zstandard.ZstdDecompressor] | None = getattr(self._local, "d", None)
        if mine is None:
            mine = self._local.d = {}
        found = mine.get(dict_id)
        if found is None and dict_id in self._dictionaries:
            dictionary = self._dictionaries[dict_id]
            found = mine[dict_id] = (
                zstandard.ZstdDecompressor()
                if dictionary is None
                else zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(dictionary))
            )
        return found

    def seal_dictionary(self, data: bytes) -> bytes:
        """A DICTIONARY record."""
        return self.seal(RecordKind.DICTIONARY, data)

    def seal(self, kind: RecordKind, plaintext: bytes) -> bytes:
        """One complete record (header, nonce, ciphertext) ready to append."""
        length = len(plaintext) + 16
        if length > MAX_RECORD:
            raise MailkeepError(f"A record of {length} bytes exceeds the 4 GiB record limit.")
        header = _HEADER.pack(RECORD_MAGIC, int(kind), length)
        nonce = secrets.token_bytes(12)
        return header + nonce + self._aead.encrypt(nonce, plaintext, header)

    def seal_blob(self, raw: bytes) -> bytes:
        """A BLOB2 record for the raw message bytes, their base64 bodies stored decoded when
        that gives them back exactly (see ``base64_bodies``)."""
        packed = base64_bodies.pack(raw)
        form = bytes([_RAW_FORM if packed is None else _PACKED_FORM])
        return self.seal(RecordKind.BLOB2, form + self._compressor.compress(packed or raw))

    def seal_entries(self, changes: list[dict[str, Any]]) -> bytes:
        """One ENTRY record for a batch of archive/folder changes."""
        text = json.dumps(changes, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        return self.seal(RecordKind.ENTRY, self._entry_compressor.compress(text.encode("utf-8")))

    def open_record(self, record: bytes) -> tuple[RecordKind, bytes]:
        """Kind and authenticated plaintext of one complete record; raises CorruptRecordError."""
        kind, header, nonce, ciphertext = split_record(record)
        return kind, self.open(header, nonce, ciphertext)

    def open(self, header: bytes, nonce: bytes, ciphertext: bytes) -> bytes:
        """Authenticate and decrypt a record body; raises CorruptRecordError."""
        try:
            return self._aead.decrypt(nonce, ciphertext, header)
        except InvalidTag as exc:
            raise CorruptRecordError("record fails authentication (modified or damaged)") from exc

    def open_blob(self, plaintext: bytes, kind: RecordKind = RecordKind.BLOB2) -> Blob:
        """Decompress a blob record's plaintext (of record ``kind``, see ``BLOB_KINDS``) and
        check it (format 1: against its stored SHA-256 and size)."""
        if kind == RecordKind.BLOB:
            return self._open_blob_v1(plaintext)
        if not plaintext or plaintext[0] not in (_RAW_FORM, _PACKED_FORM):
            raise CorruptRecordError("blob record has no valid form")
        frame = plaintext[1:]
        size = _frame_size(frame)
        payload = self._decompress(frame, size)
        if len(payload) != size:
            raise CorruptRecordError("blob does not decompress to its size")
        try:
            raw = payload if plaintext[0] == _RAW_FORM else base64_bodies.unpack(payload)
        except base64_bodies.PackedFormError as exc:
            raise CorruptRecordError(f"blob does not unpack: {exc}") from exc
        return Blob(hashlib.sha256(raw).digest(), raw)

    def _open_blob_v1(self, plaintext: bytes) -> Blob:
        if len(plaintext) < _BLOB_PREFIX.size:
            raise CorruptRecordError("blob record too short")
        sha, size = _BLOB_PREFIX.unpack_from(plaintext)
        raw = self._decompress(plaintext[_BLOB_PREFIX.size :], size)
        if len(raw) != size or hashlib.sha256(raw).digest() != sha:
            raise CorruptRecordError("blob content does not match its SHA-256")
        return Blob(sha, raw)

    def _decompress(self, frame: bytes, size: int) -> bytes:
        """A blob's zstd frame decompressed (with the dictionary it names)."""
        try:
            dict_id = zstandard.get_frame_parameters(frame).dict_id
            decompressor = self._decompressor(dict_id)
            if decompressor is None:
                raise CorruptRecordError(f"blob needs compression dictionary {dict_id}, not found")
            return decompressor.decompress(frame, max_output_size=size)
        except zstandard.ZstdError as exc:
            raise CorruptRecordError(f"blob does not decompress: {exc}") from exc

    def open_entries(self, plaintext: bytes) -> list[dict[str, Any]]:
        """Decode an ENTRY plaintext into its list of changes."""
        try:
            plain = self._decompressor(0)
            assert plain is not None
            text = plain.decompress(plaintext, max_output_size=MAX_RECORD)
            value = json.loads(text.decode("utf-8"))
        except (zstandard.ZstdError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CorruptRecordError(f"entry record does not decode: {exc}") from exc
        if not isinstance(value, list) or not all(isinstance(c, dict) and "op" in c for c in value):
            raise CorruptRecordError("entry record is not a list of changes")
        return value


def _frame_size(frame: bytes) -> int:
    """The content size a zstd frame header declares (BLOB2 frames always declare it)."""
    try:
        size = zstandard.get_frame_parameters(frame).content_size
    except zstandard.ZstdError as exc:
        raise CorruptRecordError(f"blob does not decompress: {exc}") from exc
    if not 0 <= size <= base64_bodies.max_packed_size(MAX_MESSAGE):
        raise CorruptRecordError("blob frame declares no valid size")
    return size


def split_record(record: bytes) -> tuple[RecordKind, bytes, bytes, bytes]:
    """(kind, header, nonce, ciphertext) of a complete record; raises CorruptRecordError."""
    parsed = parse_header(record[: HEADER_SIZE - 12])
    if parsed is None or len(record) != HEADER_SIZE + parsed[1]:
        raise CorruptRecordError("record header is damaged")
    header = record[: HEADER_SIZE - 12]
    return parsed[0], header, record[HEADER_SIZE - 12 : HEADER_SIZE], record[HEADER_SIZE:]


def parse_header(header: bytes) -> tuple[RecordKind, int] | None:
    """(kind, ciphertext length) of a record header, or None if it is not a valid header."""
    if len(header) < _HEADER.size:
        return None
    magic, kind, length = _HEADER.unpack_from(header)
    if magic != RECORD_MAGIC or kind not in tuple(RecordKind):
        return None
    return RecordKind(kind), length
