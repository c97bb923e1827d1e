"""Where plain HTTP requests are redirected (the Host header is the client's, so it is checked)."""

from __future__ import annotations

from typing import Any

import pytest

from mailkeep.server.transport import https_location


def scope(host: bytes | None, path: bytes = b"/search", query: bytes = b"") -> dict[str, Any]:
    headers = [(b"host", host)] if host is not None else []
    return {"type": "http", "path": path.decode(), "raw_path": path, "query_string": query,
            "headers": headers}  # fmt: skip


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        (b"archive.example:8461", 8462, "https://archive.example:8462/search?q=1"),
        (b"archive.example", 443, "https://archive.example/search?q=1"),
        (b"[2001:db8::1]:8461", 8462, "https://[2001:db8::1]:8462/search?q=1"),
        (b"10.0.0.5", 8462, "https://10.0.0.5:8462/search?q=1"),
        (b"evil.example/@x", 8462, None),
        (b"a b", 8462, None),
        (b"", 8462, None),
        (None, 8462, None),
    ],
)
def test_https_location(host: bytes | None, port: int, expected: str | None) -> None:
    assert https_location(scope(host, query=b"q=1"), port) == expected
