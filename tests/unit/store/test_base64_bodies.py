"""Storing base64 bodies decoded: only ever when the message comes back byte for byte."""

from __future__ import annotations

import hashlib
import random

import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from mailkeep.store.content import base64_bodies
from mailkeep.store.content.base64_bodies import PackedFormError, encode, pack, unpack
from mailkeep.store.content.records import Blob, RecordCodec, RecordKind, split_record
from tests.conftest import build_message

_WORDS = [
    "the",
    "budget",
    "meeting",
    "moves",
    "to",
    "Monday",
    "room",
    "report",
    "invoice",
    "we",
    "kind",
    "regards",
]
TEXT = " ".join(random.Random(7).choices(_WORDS, k=2000)).encode()


def _wrapped(data: bytes, line: int = 76, eol: bytes = b"\n") -> bytes:
    return encode(data, line, eol)


def _message(body: bytes, eol: bytes = b"\n") -> bytes:
    head = eol.join(
        [b"From: a@example.com", b"Subject: x", b"Content-Transfer-Encoding: base64", b"", b""]
    )
    return head + body + b"--" + eol


@pytest.mark.parametrize("line", [76, 72, 64, 60])
@pytest.mark.parametrize("eol", [b"\n", b"\r\n"])
def test_block_is_stored_decoded_and_comes_back(line: int, eol: bytes) -> None:
    raw = _message(_wrapped(TEXT, line, eol), eol)
    packed = pack(raw)
    assert packed is not None
    assert TEXT in packed  # decoded, so the compressor sees the text
    assert unpack(packed) == raw


def test_real_attachment_message_round_trips() -> None:
    pdf = random.Random(1).randbytes(5000)
    raw = build_message(
        1, attachments=(("a.pdf", "application/pdf", pdf), ("b.txt", "text/plain", TEXT))
    )
    packed = pack(raw)
    assert packed is not None and pdf in packed
    assert unpack(packed) == raw


def test_message_without_base64_is_not_packed() -> None:
    assert pack(build_message(1)) is None
    assert pack(b"") is None
    # base64-looking lines not announced by the word "base64" are left alone
    assert pack(b"Subject: x\n\n" + _wrapped(TEXT)) is None


def test_small_blocks_are_taken_too() -> None:
    raw = _message(_wrapped(TEXT[:100]))
    packed = pack(raw)
    assert packed is not None and TEXT[:100] in packed and unpack(packed) == raw


@pytest.mark.parametrize(
    "body",
    [
        _wrapped(TEXT)[:-3] + b"Q=\n",  # non-canonical padding bits: would encode differently
        _wrapped(TEXT).replace(b"\n", b" \n", 1),  # trailing blank on one line
        _wrapped(TEXT).replace(b"\n", b"", 1),  # one line twice as long
    ],
)
def test_irregular_blocks_stay_as_they_are(body: bytes) -> None:
    raw = _message(body)
    packed = pack(raw)
    assert packed is None or unpack(packed) == raw


@given(st.binary(max_size=3000), st.sampled_from([76, 64, 4]), st.sampled_from([b"\n", b"\r\n"]))
def test_any_bytes_come_back(data: bytes, line: int, eol: bytes) -> None:
    raw = (
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + _wrapped(data, line, eol)
        + b"--\nBASE64\n\n"
        + data
        + b"\nbase64\n\n"
        + _wrapped(data[::-1], 76, b"\n")
    )
    packed = pack(raw)
    assert packed is None or unpack(packed) == raw


@given(st.binary(max_size=2000))
def test_arbitrary_input_never_raises_on_pack(data: bytes) -> None:
    raw = b"base64\n\n" + data
    packed = pack(raw)
    assert packed is None or unpack(packed) == raw


@pytest.mark.parametrize(
    "damage", [lambda p: p[:10], lambda p: b"XXXX" + p[4:], lambda p: p[:-100]]
)
def test_damaged_packed_form_is_refused(damage: object) -> None:
    packed = pack(_message(_wrapped(TEXT)))
    assert packed is not None
    with pytest.raises(PackedFormError):
        result = unpack(damage(packed))  # type: ignore[operator]
        assert result == b"unreachable"  # a cut decoded tail changes block lengths


def test_packed_size_bound() -> None:
    raw = _message(_wrapped(TEXT))
    packed = pack(raw)
    assert packed is not None and len(packed) <= base64_bodies.max_packed_size(len(raw))


def test_blob_record_of_base64_message_is_packed_and_exact() -> None:
    codec = RecordCodec(b"k" * 32)
    raw = _message(_wrapped(TEXT), b"\r\n")
    record = codec.seal_blob(raw)
    kind, header, nonce, body = split_record(record)
    assert kind == RecordKind.BLOB2
    plain = codec.open(header, nonce, body)
    assert plain[0] == 1  # the packed form
    assert codec.open_blob(plain, kind) == Blob(hashlib.sha256(raw).digest(), raw)
    _kind, header, nonce, body = split_record(codec.seal_blob(TEXT))
    assert codec.open(header, nonce, body)[0] == 0  # nothing to unpack: the raw form
    assert len(record) < len(zstandard.compress(raw, 3)) * 3 // 4  # decoded text compresses
