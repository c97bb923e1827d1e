"""A client of the administration API written from the wire description alone
(shared/notes/mailstore-admin-api.md), not from mailkeep's code: what a MailStore script does."""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

BOM = b"\xef\xbb\xbf"
CALLED: set[str] = set()  # commands the wire tests of a session called (coverage check)


@dataclass
class Answer:
    """One HTTP answer: status, headers (lower-case names), decoded JSON body."""

    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw.decode("utf-8-sig"))


@dataclass
class WireClient:
    """POSTs form-encoded arguments with Basic credentials; decodes the BOM'd envelope."""

    base_url: str
    user: str = "admin"
    password: str = ""
    tls: ssl.SSLContext | None = None
    preemptive: bool = True
    called: set[str] = field(default_factory=set)

    def _connection(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.base_url)
        assert parts.hostname and parts.port
        if parts.scheme == "https":
            return http.client.HTTPSConnection(
                parts.hostname, parts.port, context=self.tls, timeout=60
            )
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def _authorization(self) -> str:
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return f"Basic {token}"

    def post(
        self,
        path: str,
        fields: dict[str, Any] | None = None,
        auth: bool = True,
        extra: dict[str, str] | None = None,
    ) -> Answer:
        """One request (``path`` sent exactly as given, ``extra`` headers added); without
        ``preemptive`` credentials are sent only after a 401."""
        data = urlencode(_encode(fields or {}))
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(extra or {})}
        if auth and self.preemptive:
            headers["Authorization"] = self._authorization()
        answer = self._send(path, data, headers)
        if answer.status == 401 and auth and not self.preemptive:
            assert answer.headers["www-authenticate"].startswith("Basic realm=")
            headers["Authorization"] = self._authorization()
            answer = self._send(path, data, headers)
        return answer

    def _send(self, path: str, data: str, headers: dict[str, str]) -> Answer:
        connection = self._connection()
        try:
            connection.request("POST", path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            found = {k.lower(): v for k, v in response.getheaders()}
            return Answer(response.status, found, raw)
        finally:
            connection.close()

    def invoke(self, command: str, **args: Any) -> dict[str, Any]:
        """The envelope of ``/api/invoke/<command>`` (asserting the wire format)."""
        self.called.add(command)
        answer = self.post(f"/api/invoke/{command}", args)
        assert answer.status == 200, (answer.status, answer.raw[:300])
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.raw.startswith(BOM)
        envelope = answer.body
        assert set(envelope) == {
            "error", "token", "statusVersion", "statusCode", "percentProgress",
            "statusText", "result", "logOutput",
        }  # fmt: skip
        return dict(envelope)

    def result(self, command: str, **args: Any) -> Any:
        """The result of a command that must succeed (waiting for long-running ones)."""
        envelope = self.finish(self.invoke(command, **args))
        assert envelope["statusCode"] == "succeeded", envelope
        return envelope["result"]

    def error(self, command: str, **args: Any) -> str:
        """The error message of a command that must fail."""
        envelope = self.finish(self.invoke(command, **args))
        assert envelope["statusCode"] == "failed", envelope
        return str(envelope["error"]["message"])

    def status(self, token: str, known: int, timeout_ms: int) -> Answer:
        fields = {
            "token": token,
            "lastKnownStatusVersion": known,
            "millisecondsTimeout": timeout_ms,
        }
        return self.post("/api/get-status", fields)

    def finish(self, envelope: dict[str, Any], limit: float = 60) -> dict[str, Any]:
        """Long-poll a running command until it ends (as the published clients do)."""
        deadline = time.monotonic() + limit
        while envelope["statusCode"] == "running":
            assert time.monotonic() < deadline, envelope
            answer = self.status(envelope["token"], envelope["statusVersion"], 5000)
            assert answer.status == 200 and answer.raw.startswith(BOM)
            envelope = answer.body
        return envelope

    def metadata(self) -> list[dict[str, Any]]:
        answer = self.post("/api/get-metadata")
        assert answer.status == 200 and answer.raw.startswith(BOM)
        return list(answer.body)


def _encode(fields: dict[str, Any]) -> dict[str, str]:
    """Booleans as true/false, JSON-typed values as JSON text, None dropped (newer clients)."""
    encoded = {}
    for name, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            encoded[name] = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            encoded[name] = json.dumps(value)
        else:
            encoded[name] = str(value)
    return encoded
