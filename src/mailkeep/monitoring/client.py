"""A small administration API client (standard library only) for monitoring checks."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode


class ApiError(Exception):
    """The API could not be reached, refused the credentials, or reported a failure."""


@dataclass(frozen=True)
class ApiClient:
    """POSTs form-encoded arguments with Basic credentials; long-polls running commands."""

    base_url: str
    user: str
    password: str
    context: ssl.SSLContext | None = None
    timeout: float = 30.0

    def _post(self, path: str, fields: dict[str, str]) -> Any:
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the URL is built from --host/--port
            self.base_url + path,
            data=urlencode(fields).encode(),
            headers={
                "Authorization": f"Basic {token}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=self.timeout, context=self.context
            ) as response:
                return json.loads(response.read().decode("utf-8-sig"))
        except urllib.error.HTTPError as exc:
            reasons = {401: "wrong user name or password", 403: "not an administrator"}
            raise ApiError(f"HTTP {exc.code}: {reasons.get(exc.code, exc.reason)}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiError(f"cannot reach {self.base_url}: {reason}") from exc

    def commands(self) -> set[str]:
        """Names of the commands the server offers (get-metadata)."""
        return {entry["name"] for entry in self._post("/api/get-metadata", {})}

    def invoke(self, command: str, **args: str) -> Any:
        """The result of ``command`` (waits for long-running ones); ApiError on failure."""
        envelope = self._post(f"/api/invoke/{command}", args)
        while envelope["statusCode"] == "running":
            fields = {
                "token": envelope["token"],
                "lastKnownStatusVersion": str(envelope["statusVersion"]),
                "millisecondsTimeout": "5000",
            }
            envelope = self._post("/api/get-status", fields)
        if envelope["statusCode"] != "succeeded":
            raise ApiError((envelope.get("error") or {}).get("message") or "command failed")
        return envelope["result"]
