"""An OpenAPI 3.1 description of the API, generated from the command registry."""

from __future__ import annotations

from typing import Any

import mailkeep
from mailkeep.access.api.registry import Arg, Command, CommandRegistry

_SCHEMAS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "number": {"type": "integer"},
    "bool": {"type": "string", "enum": ["true", "false"]},
    "json": {"type": "string", "description": "JSON text"},
    "datetime": {"type": "string", "example": "2026-01-01T00:00:00"},
}
_ENVELOPE = {
    "type": "object",
    "description": "Every answer of /api/invoke, /api/get-status and /api/cancel-async "
    "(JSON with a UTF-8 byte order mark). Failures are reported here with HTTP 200.",
    "properties": {
        "error": {
            "type": ["object", "null"],
            "properties": {"message": {"type": "string"}, "details": {"type": ["string", "null"]}},
        },
        "token": {"type": ["string", "null"]},
        "statusVersion": {"type": "integer"},
        "statusCode": {"type": "string", "enum": ["succeeded", "failed", "running", "cancelled"]},
        "percentProgress": {"type": ["integer", "null"]},
        "statusText": {"type": ["string", "null"]},
        "result": {},
        "logOutput": {"type": ["string", "null"]},
    },
}
_ENVELOPE_REF = {"$ref": "#/components/schemas/Envelope"}


def _form(args: tuple[Arg, ...] | list[Arg]) -> dict[str, Any]:
    return {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        a.name: {**_SCHEMAS[a.type], "description": a.help} for a in args
                    },
                    "required": [a.name for a in args if not a.nullable],
                }
            }
        }
    }


def _answers(ok: str) -> dict[str, Any]:
    json_envelope = {"application/json": {"schema": _ENVELOPE_REF}}
    return {
        "200": {"description": ok, "content": json_envelope},
        "401": {"description": "No or wrong credentials (WWW-Authenticate: Basic challenge)."},
        "403": {"description": "The user is not an administrator."},
        "429": {"description": "Too many failed logons from this user name or address."},
    }


def _operation(command: Command) -> dict[str, Any]:
    summary = command.summary + (
        " Long-running: answers `running` with a token." if command.long_running else ""
    )
    operation: dict[str, Any] = {
        "operationId": command.name,
        "summary": summary,
        "tags": ["commands"],
        "responses": _answers("The envelope; `result` holds the command's answer."),
    }
    if command.args:
        operation["requestBody"] = _form(command.args)
    return operation


def _low_level() -> dict[str, Any]:
    status_args = [
        Arg("token", help="The token of a running command."),
        Arg("lastKnownStatusVersion", "number", nullable=True, help="Answer once it changes."),
        Arg("millisecondsTimeout", "number", nullable=True, help="Longest wait."),
    ]
    listing = {"type": "array", "items": {"type": "object"}}
    return {
        "/api/get-metadata": {
            "post": {
                "operationId": "get-metadata",
                "summary": "Every command with its arguments (a bare array, no envelope).",
                "responses": {
                    "200": {
                        "description": "The commands.",
                        "content": {"application/json": {"schema": listing}},
                    }
                },
            }
        },
        "/api/get-status": {
            "post": {
                "operationId": "get-status",
                "summary": "Wait for a long-running command's status to change (long-polling).",
                "requestBody": _form(status_args),
                "responses": {
                    **_answers("The current status."),
                    "404": {"description": "Unknown token."},
                },
            }
        },
        "/api/cancel-async": {
            "post": {
                "operationId": "cancel-async",
                "summary": "Ask a long-running command to stop.",
                "requestBody": _form(status_args[:1]),
                "responses": {**_answers("The status."), "404": {"description": "Unknown token."}},
            }
        },
    }


def openapi_document(registry: CommandRegistry) -> dict[str, Any]:
    """The description of every registered command and the low-level endpoints."""
    paths = {f"/api/invoke/{c.name}": {"post": _operation(c)} for c in registry}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mailkeep administration API",
            "version": mailkeep.__version__,
            "description": "MailStore Server compatible administration API. HTTP Basic "
            "authentication of an administrator on every request.",
        },
        "servers": [{"url": "https://localhost:8463"}],
        "security": [{"basic": []}],
        "paths": {**paths, **_low_level()},
        "components": {
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
            "schemas": {"Envelope": _ENVELOPE},
        },
    }
