"""Container records: sealing, opening, and tamper detection."""

from __future__ import annotations

import hashlib

import pytest
import zstandard

from mailkeep.store.content.records import (
    Blob,
    CorruptRecordError,
    RecordCodec,
    RecordKind,
    split_record,
)


@pytest.fixture
def codec() -> RecordCodec:
    return RecordCodec(b"k" * 32)


def test_blob_round_trip_is_byte_exact(codec: RecordCodec) -> None:
    raw = b"From: a@b\r\nSubject: x\r\n\r\n\x00\xff body bytes \r\n" * 50
    record = codec.seal_blob(raw)
    kind, header, nonce, body = split_record(record)
    assert kind == RecordKind.BLOB2
    blob = codec.open_blob(codec.open(header, nonce, body), kind)
    assert blob.raw == raw
    assert blob.sha256 == hashlib.sha256(raw).digest()
    assert raw not in record  # compressed and encrypted, not stored in the clear


def test_format_1_blob_records_are_still_opened(codec: RecordCodec) -> None:
    raw = b"From: a@b\r\nSubject: old\r\n\r\nbody\r\n"
    sha = hashlib.sha256(raw).digest()
    plain = sha + len(raw).to_bytes(8, "big") + zstandard.compress(raw)
    kind, header, nonce, body = split_record(codec.seal(RecordKind.BLOB, plain))
    assert codec.open_blob(codec.open(header, nonce, body), kind) == Blob(sha, raw)
    damaged = plain[:40] + zstandard.compress(raw + b"x")
    with pytest.raises(CorruptRecordError, match="SHA-256"):
        codec.open_blob(damaged, RecordKind.BLOB)


@pytest.mark.parametrize(
    "plain", [b"", b"\x07abc", b"\x00not a zstd frame", b"\x01\x28\xb5\x2f\xfd"]
)
def test_damaged_blob2_plaintext_is_corrupt(codec: RecordCodec, plain: bytes) -> None:
    with pytest.raises(CorruptRecordError):
        codec.open_blob(plain, RecordKind.BLOB2)


def test_entry_round_trip(codec: RecordCodec) -> None:
    changes = [{"op": "move", "id": 7, "folder": "Inbox/Ünïcode"}, {"op": "remove", "id": 8}]
    kind, header, nonce, body = split_record(codec.seal_entries(changes))
    assert kind == RecordKind.ENTRY
    assert codec.open_entries(codec.open(header, nonce, body)) == changes


@pytest.mark.parametrize("position", [0, 5, 9, 20, 30, -1])
def test_any_flipped_byte_is_detected(codec: RecordCodec, position: int) -> None:
    raw = b"Subject: tamper\r\n\r\nbody\r\n"
    record = bytearray(codec.seal_blob(raw))
    record[position] ^= 0x01
    with pytest.raises(CorruptRecordError):
        _kind, header, nonce, body = split_record(bytes(record))
        codec.open_blob(codec.open(header, nonce, body))


def test_wrong_key_cannot_open(codec: RecordCodec) -> None:
    raw = b"Subject: secret\r\n\r\n"
    _kind, header, nonce, body = split_record(codec.seal_blob(raw))
    with pytest.raises(CorruptRecordError):
        RecordCodec(b"x" * 32).open(header, nonce, body)


def test_records_open_correctly_from_many_threads_at_once(codec: RecordCodec) -> None:
    """Web requests read one store from many threads: zstd contexts must not be shared."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import build_message

    samples = [build_message(n, body=f"body {n} " * (200 + n)) for n in range(64)]
    codec.use_dictionary(_dictionary(samples))
    records = [codec.seal_blob(raw) for raw in samples]

    def read_all(_worker: int) -> bool:
        for _round in range(20):
            for raw, record in zip(samples, records, strict=True):
                kind, plain = codec.open_record(record)
                if codec.open_blob(plain, kind).raw != raw:
                    return False
        return True

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(read_all, range(8)))


def _dictionary(samples: list[bytes]) -> bytes:
    import zstandard

    return zstandard.train_dictionary(4096, samples * 4).as_bytes()
