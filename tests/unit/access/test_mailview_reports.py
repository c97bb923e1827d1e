"""Report parts in the message view: shown as text and downloaded as written."""

from __future__ import annotations

from mailkeep.access.web.mailview import parse_view, part_bytes
from mailkeep.ingest.parse.mime import parse_message

# RFC 6533: a UTF-8 delivery status, which the email package reads as one nested message.
GLOBAL_REPORT = (
    b"Subject: Delivery failed\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/report; report-type=global-delivery-status; boundary=R\r\n\r\n"
    b"--R\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
    b"--R\r\nContent-Type: message/global-delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx.example.fr\r\n\r\n"
    b"Final-Recipient: rfc822; \xc3\xa9lise@example.fr\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    b"\r\n--R--\r\n"
)


def test_a_global_delivery_status_is_shown_downloaded_and_indexed_with_its_utf8() -> None:
    view = parse_view(GLOBAL_REPORT)
    ((info, text),) = view.reports
    assert info.filename == "global-delivery-status.txt" and info in view.attachments
    assert text.startswith("Reporting-MTA: dns; mx.example.fr\n\nFinal-Recipient: rfc822; élise")
    found = part_bytes(GLOBAL_REPORT, info.index)
    assert found is not None and found[0] == "message/global-delivery-status"
    assert b"Final-Recipient: rfc822; \xc3\xa9lise@example.fr\r\nAction: failed" in found[1]
    assert info.size == len(found[1])
    assert "Final-Recipient: rfc822; élise@example.fr" in parse_message(GLOBAL_REPORT).body_text
