"""Which requests the API refuses as cross-site, and how paths are normalised: tables of the
headers browsers send (Fetch Metadata, Origin) and of what scripts send (nothing)."""

from __future__ import annotations

import pytest

from mailkeep.access.api.middleware import collapse_slashes, cross_site_reason

OWN = "https://archive.example.com:8463"


@pytest.mark.parametrize(
    ("path", "collapsed"),
    [
        ("/api//get-status", "/api/get-status"),
        ("/api//cancel-async", "/api/cancel-async"),
        ("//api///invoke//GetServerInfo", "/api/invoke/GetServerInfo"),
        ("/api/invoke/GetServerInfo", "/api/invoke/GetServerInfo"),
    ],
)
def test_repeated_slashes_are_one(path: str, collapsed: str) -> None:
    assert collapse_slashes(path) == collapsed


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, PowerShell, MailStore's wrappers, check_mailkeep
        {"user-agent": "Python-urllib/3.11"},
        {"origin": OWN, "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors"},
        {"origin": OWN + "/"},
        {"origin": OWN.upper()},
        {"sec-fetch-site": "none", "sec-fetch-mode": "cors"},
    ],
)
def test_scripts_and_same_origin_requests_pass(headers: dict[str, str]) -> None:
    assert cross_site_reason(headers, OWN) is None


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"sec-fetch-site": "cross-site"}, "Sec-Fetch-Site"),
        ({"sec-fetch-site": "same-site"}, "Sec-Fetch-Site"),  # web access on 8462
        ({"sec-fetch-site": "same-origin", "sec-fetch-mode": "navigate"}, "Sec-Fetch-Mode"),
        ({"sec-fetch-mode": "no-cors"}, "Sec-Fetch-Mode"),
        ({"origin": "https://evil.example"}, "Origin"),
        ({"origin": "https://archive.example.com:8462"}, "Origin"),  # another port
        ({"origin": "http://archive.example.com:8463"}, "Origin"),  # another scheme
        ({"origin": "null"}, "Origin"),  # sandboxed frames, data: pages
    ],
)
def test_requests_a_browser_marks_as_cross_site_are_refused(
    headers: dict[str, str], named: str
) -> None:
    reason = cross_site_reason(headers, OWN)
    assert reason is not None and reason.startswith(named)
