"""Message pages of unusual mail, in-process over a real data directory: bounce reports,
legacy 8-bit headers, hostile nesting."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mailkeep.access.search import search
from mailkeep.access.web.app import create_app
from mailkeep.access.web.pages import message as message_page
from mailkeep.ingest.extract.nesting import MAX_DEPTH
from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from tests.conftest import source_of
from tests.integration.test_hostile_ingest import deep_multipart
from tests.integration.web.conftest import PASSWORD, login
from tests.unit.ingest.parse.messages import legacy_header_message

DIAGNOSTIC = "550 5.1.1 <nobody@gone.example>: mailbox quuxunavailable"


def delivery_status_notification() -> bytes:
    """A bounce as an MTA writes it (RFC 3464): human text, status fields, original headers."""
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
        b"To: alice@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Date: Wed, 03 Jul 2024 08:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        b"Message-ID: <bounce-1@mx.example.org>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="RPT"\r\n\r\n'
        b"--RPT\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        b"Your message could not be delivered to one or more recipients.\r\n\r\n"
        b"--RPT\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.org\r\n"
        b"Arrival-Date: Wed, 03 Jul 2024 07:59:58 +0000\r\n\r\n"
        b"Final-Recipient: rfc822; nobody@gone.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; " + DIAGNOSTIC.encode() + b"\r\n\r\n"
        b"--RPT\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"From: alice@example.com\r\nTo: nobody@gone.example\r\n"
        b"Subject: Zanzibar offsite plan\r\nMessage-ID: <orig-1@example.com>\r\n\r\n"
        b"--RPT--\r\n"
    )


NESTED_DIVS = 150_000


def deeply_nested_html() -> bytes:
    """About 750 KB of HTML: 150,000 nested <div> around two words."""
    html = "<html><body>" + "<div>" * NESTED_DIVS + "bottomword here" + "</div>" * NESTED_DIVS
    return (
        b"From: nest@example.com\r\nTo: alice@example.com\r\nSubject: Nested newsletter\r\n"
        b"Date: Thu, 04 Jul 2024 08:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html.encode() + b"</body></html>\r\n"
    )


KOI8 = legacy_header_message("koi8_r", "Отчёт о продажах за квартал", "Иван Петров", None)


@dataclass
class Archive:
    runtime: Runtime
    client: TestClient

    def only_hit(self, query: str) -> str:
        results, _ = search(self.runtime.stores, query, frozenset({"alice"}), 5)
        assert len(results) == 1, query
        return results[0].id


def unusual_mail_archive(directory: Path) -> None:
    """A data directory where alice's archive holds a bounce, KOI8-R headers, 150,000
    nested <div> and a 1,000-deep multipart."""
    with Runtime.init(directory) as rt:
        rt.set_setting("ingest.workers", "1")
        rt.users.create("alice", ("alice@example.com",), password=PASSWORD)
        mail = [delivery_status_notification(), KOI8, deeply_nested_html(), deep_multipart(1000)]
        import_source(rt, source_of(mail, "Inbox"), "alice")


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    directory = tmp_path / "data"
    unusual_mail_archive(directory)
    runtime = Runtime(directory)
    try:
        with TestClient(create_app(runtime), client=("127.0.0.1", 40000)) as client:
            login(client, "alice")
            yield Archive(runtime, client)
    finally:
        runtime.close()


def test_bounce_report_parts_are_shown_indexed_and_downloadable(archive: Archive) -> None:
    message_id = archive.only_hit(f'"{DIAGNOSTIC.split(": ")[1]}"')
    assert archive.only_hit("Zanzibar") == message_id  # the returned message's headers
    page = archive.client.get(f"/message/{message_id}").text
    assert "Diagnostic-Code: smtp; 550 5.1.1 &lt;nobody@gone.example&gt;" in page
    assert "Subject: Zanzibar offsite plan" in page
    assert "part-1.txt" not in page and "0 B" not in page
    status = archive.client.get(f"/message/{message_id}/part/1")
    assert b"Final-Recipient: rfc822; nobody@gone.example\r\nAction: failed\r\n" in status.content
    assert 'filename="delivery-status.txt"' in status.headers["content-disposition"]
    headers = archive.client.get(f"/message/{message_id}/part/2")
    assert b"Subject: Zanzibar offsite plan\r\n" in headers.content


def test_undeclared_koi8_headers_are_shown_as_written(archive: Archive) -> None:
    message_id = archive.only_hit("from:Петров")
    page = archive.client.get(f"/message/{message_id}").text
    assert "Отчёт о продажах за квартал" in page
    assert "Иван Петров &lt;sender@example.net&gt;" in page


@pytest.mark.timeout(120)  # a guard only: unbounded, this took minutes per import and view
def test_150k_nested_divs_import_and_show_with_bounded_structure(archive: Archive) -> None:
    message_id = archive.only_hit("bottomword")
    assert archive.only_hit("subject:nested") == message_id
    page = archive.client.get(f"/message/{message_id}")
    assert page.status_code == 200
    assert "shown flattened" in page.text
    body = archive.client.get(f"/message/{message_id}/body").text
    assert "bottomword here" in body
    # the served tree is no deeper than the cap: the deeper tags were flattened away
    assert 0 < body.count("<div>") <= MAX_DEPTH
    # the page and the frame shared one sanitising pass, kept by content hash
    cached = len(message_page._SANITIZED)
    again = archive.client.get(f"/message/{message_id}/body").text
    assert again == body and len(message_page._SANITIZED) == cached


def test_a_thousand_deep_multipart_shows_its_upper_parts(archive: Archive) -> None:
    message_id = archive.only_hit("subject:matryoshka")
    page = archive.client.get(f"/message/{message_id}")
    assert page.status_code == 200
    assert "level0word" in page.text and "matryoshka report" in page.text
