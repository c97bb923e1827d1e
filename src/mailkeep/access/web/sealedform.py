"""Form values a page must carry across a re-render without showing them: a typed password kept
while a form comes back with a test report or an error, so that Save works without typing it
again.

The value is sealed with the master key (AES-256-GCM, as stored credentials are) together with
its purpose, the session's CSRF token and the time it was sealed: the page holds only
ciphertext, and a token copied out of another session, another form or an old page opens to
nothing. Pages are sent with ``Cache-Control: no-store``, so the browser keeps no copy either.
"""

from __future__ import annotations

import binascii
import hmac
import json
import time

from mailkeep.crypto.keys import MasterKeyError, open_secret, seal_secret

# Long enough to fill in a form after a test; short enough that a stale page is worthless.
LIFETIME_SECONDS = 3600
_PURPOSE = "web form field v1"


def seal_field(master_key: bytes, csrf: str, value: str) -> str:
    """The sealed token of ``value`` for this session's forms ("" for an empty value)."""
    if not value:
        return ""
    payload = {"purpose": _PURPOSE, "session": csrf, "at": int(time.time()), "value": value}
    return seal_secret(master_key, json.dumps(payload))


def open_field(master_key: bytes, csrf: str, token: str) -> str:
    """The value sealed in ``token`` by this session within the lifetime, else ""."""
    if not token or len(token) > 4_000_000:  # a CSV list of many accounts, sealed
        return ""
    try:
        payload = json.loads(open_secret(master_key, token))
    except (MasterKeyError, ValueError, binascii.Error):  # tampered, foreign or garbage
        return ""
    if not isinstance(payload, dict) or payload.get("purpose") != _PURPOSE:
        return ""
    if not hmac.compare_digest(str(payload.get("session", "")), csrf):
        return ""
    sealed_at = payload.get("at")
    if not isinstance(sealed_at, int) or not 0 <= time.time() - sealed_at <= LIFETIME_SECONDS:
        return ""
    value = payload.get("value")
    return value if isinstance(value, str) else ""
