"""Names an attacker or a directory chooses, on the administrator's pages: bidi and invisible
characters are shown as markers (the message pages are checked in Chromium,
test_browser_bidi.py)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from tests.integration.web.conftest import WebArchive

Make = Callable[..., TestClient]


def test_logon_names_and_user_names_are_shown_escaped(
    web_archive: WebArchive, client_factory: Make
) -> None:
    guesser = client_factory(address="192.0.2.66")
    guesser.post("/login", data={"username": "adm\u202enimda", "password": "x"})
    web_archive.runtime.users.create("mallory", full_name="Support\u2066 Team\u200b")
    admin = client_factory("admin")
    dashboard = admin.get("/admin").text
    assert "adm⟨U+202E⟩nimda" in dashboard and "\u202e" not in dashboard
    users = admin.get("/admin/users").text
    assert "Support⟨U+2066⟩ Team⟨U+200B⟩" in users and "\u2066" not in users
