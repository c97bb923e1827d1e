"""Malformed numbers and ids on every web route that takes one: 404 or 400 in the one error
shape, never an internal error (``str.isdigit()`` accepted ``¹``, ``²`` and 5,000 digits that
``int()`` then refused with a traceback)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from starlette.routing import Route
from starlette.testclient import TestClient

from mailkeep.access.web.app import create_app
from mailkeep.errors import InvalidInputError, NotFoundError
from mailkeep.numbers import message_id, number_or_none, parse_number
from tests.integration.web.conftest import WebArchive, csrf_of

Make = Callable[..., TestClient]
# Superscripts, other scripts' digits, int()'s own extras (space, underscore, sign), too long.
HOSTILE = ("¹-883", "²", "9" * 5000, "١٢-٣", " 1", "1_0", "+1", "0x1f", "1\n", "1-²", "-1")


def test_every_route_with_a_path_parameter_refuses_malformed_values(
    web_archive: WebArchive, client_factory: Make
) -> None:
    admin = client_factory("admin")
    headers = {"X-CSRF-Token": csrf_of(admin), "Accept": "application/json"}
    checked = set()
    for route in create_app(web_archive.runtime).routes:
        if not isinstance(route, Route) or not route.param_convertors:
            continue
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            for name in route.param_convertors:
                for value in HOSTILE:
                    params = {"id": web_archive.alice_ids[0], "index": "1", "name": "alice"}
                    params[name] = quote(value, safe="")
                    url = re.sub(r"\{(\w+)[^}]*\}", lambda m, given=params: given[m[1]], route.path)
                    response = admin.request(method, url, headers=headers, follow_redirects=False)
                    assert response.status_code in (400, 404), (method, url[:80], response.text)
                    assert set(response.json()) >= {"error", "message"}
                    checked.add(route.path)
    assert {"/message/{id}", "/message/{id}/part/{index}", "/tasks/{id}"} <= checked


def test_page_numbers_and_form_numbers(web_archive: WebArchive, client_factory: Make) -> None:
    admin = client_factory("admin")
    token = csrf_of(admin)
    for value in HOSTILE:
        response = admin.get("/search", params={"page": value})
        assert response.status_code == 400, value
        assert response.json()["error"] == "invalid_input"
        html = admin.get("/search", params={"page": value}, headers={"Accept": "text/html"})
        assert html.status_code == 400 and "page must be a whole number" in html.text
        if value.strip() in ("1", "-1"):
            continue  # form fields are trimmed (" 1" is 1); -1 is checked below
        form = {"csrf": token, "action": "rename", "id": value, "name": "x"}
        assert admin.post("/admin/stores", data=form).status_code == 400, value
        form = {"csrf": token, "action": "save", "type": "ldap", "port": value}
        assert admin.post("/admin/directory", data=form).status_code == 400, value
    for field, path, form in (
        ("id", "/admin/stores", {"action": "rename", "name": "x"}),
        ("port", "/admin/directory", {"action": "save", "type": "ldap"}),
    ):
        refused = admin.post(path, data={**form, "csrf": token, field: "-1"})
        assert refused.status_code == 400 and "whole number" in refused.text
    assert admin.get("/search", params={"page": "100001"}).status_code == 400
    assert admin.get("/search", params={"page": "2"}).status_code == 200
    assert admin.get("/search").status_code == 200


def test_the_one_parser() -> None:
    assert [number_or_none(t) for t in ("0", "007", "1" * 18)] == [0, 7, int("1" * 18)]
    assert [number_or_none(t) for t in ("", "1" * 19, "-1", "²", "1 ", "٣")] == [None] * 6
    assert number_or_none("-5", minimum=-10) == -5
    assert message_id("3-141") == (3, 141)
    for text in ("3-", "-3", "3-1-4", "3-¹", "³-1", "1" * 19 + "-1"):
        try:
            message_id(text)
        except NotFoundError:
            continue
        raise AssertionError(text)
    try:
        parse_number("9" * 5000, "page", 1, 10)
    except InvalidInputError as exc:
        assert len(exc.message) < 120 and "page" in exc.message
    else:
        raise AssertionError("accepted")
