"""Malformed numbers on the administration API of a real server: the one parser (ASCII
digits, bounded) for command arguments and get-status, a 400 or a failed envelope, no 500."""

from __future__ import annotations

from tests.integration.api.wire import WireClient

HOSTILE = ("²", "١٢", "1_0", "0x1f", "+1", "9" * 5000)


def test_number_arguments_accept_ascii_digits_only(admin: WireClient) -> None:
    for value in HOSTILE:
        message = admin.error("VerifyStore", id=value)
        assert "API argument id must be a number" in message
        assert len(message) < 120  # 5,000 digits are not echoed back


def test_get_status_numbers(admin: WireClient) -> None:
    for value in HOSTILE:
        fields = {"token": "any", "lastKnownStatusVersion": "0", "millisecondsTimeout": value}
        answer = admin.post("/api/get-status", fields)
        assert answer.status == 400, (value, answer.body)
        assert "millisecondsTimeout must be a whole number" in answer.body["error"]["message"]
