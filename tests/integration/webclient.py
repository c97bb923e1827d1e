"""A browser-like client of a running ``mailkeep serve`` over real HTTP: cookies, CSRF tokens
taken from pages, redirects reported rather than followed; and the CLI on a real terminal."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # the terminal's colours: the text is what counts


@dataclass
class Page:
    """One HTTP answer."""

    status: int
    location: str
    text: str


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # show the 303 to the test instead of following it


class WebSession:
    """One browser session (its own cookie jar) against ``base_url``."""

    def __init__(self, base_url: str) -> None:
        assert base_url.startswith(("http://", "https://")), base_url
        self.base_url = base_url
        jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _Stay())

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            with self._opener.open(request, timeout=60) as response:
                return Page(response.status, "", response.read().decode())
        except urllib.error.HTTPError as answer:
            body = answer.read().decode()
            return Page(answer.code, answer.headers.get("location", ""), body)

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(self.base_url + path))  # noqa: S310

    def post(self, path: str, fields: dict[str, str]) -> Page:
        data = urlencode(fields).encode()
        url = self.base_url + path
        request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._open(request)

    def login(self, name: str, password: str) -> Page:
        return self.post("/login", {"username": name, "password": password})

    def csrf(self) -> str:
        page = self.get("/search").text
        found = re.search(r'data-csrf="([^"]+)"', page)
        assert found, page[:500]
        return found.group(1)


def on_terminal(data: Path, *args: str, stdin: str = "") -> tuple[int, str]:
    """``mailkeep --data-dir DATA ARGS`` on a real pseudo-terminal (``script``), as an
    administrator types it; returns the exit status and what the terminal showed."""
    command = shlex.join([sys.executable, "-m", "mailkeep", "--data-dir", str(data), *args])
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("MAILKEEP_HOME", None)
    done = subprocess.run(
        ["script", "-qec", command, "/dev/null"],
        input=stdin.encode(),
        capture_output=True,
        env=env,
        timeout=300,
        check=False,
    )
    shown = done.stdout.decode(errors="replace").replace("\r\n", "\n")
    return done.returncode, _COLOURS.sub("", shown)
