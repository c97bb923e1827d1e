"""The JSON envelope every API answer uses: UTF-8 with a byte order mark, as MailStore sends."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from mailkeep.access.api.operations import Operation

BOM = "\ufeff"


def envelope(
    status: str = "succeeded",
    result: Any = None,
    error: str | None = None,
    details: str | None = None,
) -> dict[str, Any]:
    """An envelope for a command that finished at once."""
    return {
        "error": None if error is None else {"message": error, "details": details},
        "token": None,
        "statusVersion": 2,
        "statusCode": status,
        "percentProgress": None,
        "statusText": None,
        "result": result,
        "logOutput": None,
    }


def operation_envelope(operation: Operation) -> dict[str, Any]:
    """The envelope describing a long-running command's current status."""
    error = None if operation.error is None else {"message": operation.error, "details": None}
    return {
        "error": error if operation.status in ("failed", "cancelled") else None,
        "token": operation.token,
        "statusVersion": operation.version,
        "statusCode": operation.status,
        "percentProgress": operation.percent,
        "statusText": operation.text,
        "result": operation.result if operation.status == "succeeded" else None,
        "logOutput": "\n".join(operation.log_lines) if operation.log_lines else None,
    }


def json_response(
    body: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``body`` as JSON text with a leading UTF-8 BOM."""
    text = BOM + json.dumps(body, ensure_ascii=False, default=str)
    return Response(
        text.encode("utf-8"),
        status_code=status_code,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )
