"""Credentials kept across a form's re-render: only this session opens them, only for a while."""

from __future__ import annotations

import base64

import pytest

from mailkeep.access.web import sealedform
from mailkeep.access.web.sealedform import open_field, seal_field
from mailkeep.crypto.keys import generate_key, seal_secret

KEY = generate_key()


def test_round_trip_without_clear_text() -> None:
    token = seal_field(KEY, "csrf-1", "mail password")
    assert "mail password" not in token and "mail password" not in base64.b64decode(token).hex()
    assert open_field(KEY, "csrf-1", token) == "mail password"
    assert seal_field(KEY, "csrf-1", "") == ""


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not base64!",
        "AAAA",
        seal_secret(KEY, '{"value": "a stored credential, not a form token"}'),
        seal_secret(KEY, "[1, 2]"),
        seal_field(generate_key(), "csrf-1", "other key"),
        seal_field(KEY, "csrf-2", "other session"),
        "x" * 5_000_000,
    ],
    # Named, not shown: the sealed tokens differ in every process (pytest-xdist workers must
    # collect the same test ids).
    ids=[
        "empty",
        "not-base64",
        "short",
        "stored-credential",
        "not-a-field",
        "other-key",
        "other-session",
        "huge",
    ],
)
def test_foreign_or_damaged_tokens_open_to_nothing(token: str) -> None:
    assert open_field(KEY, "csrf-1", token) == ""


def test_tampered_token_opens_to_nothing() -> None:
    raw = bytearray(base64.b64decode(seal_field(KEY, "csrf-1", "secret")))
    raw[-1] ^= 1
    assert open_field(KEY, "csrf-1", base64.b64encode(bytes(raw)).decode()) == ""


def test_old_tokens_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    token = seal_field(KEY, "csrf-1", "secret")
    later = sealedform.time.time() + sealedform.LIFETIME_SECONDS + 5
    monkeypatch.setattr(sealedform.time, "time", lambda: later)
    assert open_field(KEY, "csrf-1", token) == ""
