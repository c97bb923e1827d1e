"""One message: headers, body (HTML in a sandboxed frame), attachments, original, source.

Every route checks that the caller may read the message's user archive; a message the caller
may not read answers exactly like one that does not exist (404), so ids reveal nothing.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from mailkeep.access.permissions import Principal
from mailkeep.access.web.context import WebContext, web
from mailkeep.access.web.display import visible
from mailkeep.access.web.guard import client_address, local_path, visit
from mailkeep.access.web.mailview import MailView, parse_view, part_bytes
from mailkeep.access.web.sanitize import SafeHtml, SanitizedCache, safe_html
from mailkeep.errors import ConflictError, NotFoundError
from mailkeep.numbers import message_id as parse_message_id
from mailkeep.numbers import path_number
from mailkeep.store.catalog.base import EntryRow

# The frame that shows mail HTML: nothing active, nothing from elsewhere unless allowed.
_FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: {images}; "
    "sandbox allow-popups allow-popups-to-escape-sandbox; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'"
)
# Sanitised bodies by message content hash: the page and its frame sanitise once, and a
# message opened again (by anyone who may read it: access is checked first) costs nothing.
_SANITIZED = SanitizedCache()
_DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
}


def _load(context: WebContext, principal: Principal, message_id: str) -> tuple[EntryRow, bytes]:
    store_id, entry_id = parse_message_id(message_id)
    try:
        store = context.runtime.stores.open(store_id)
        entry = store.entry(entry_id)
    except (NotFoundError, ConflictError):  # unknown or disabled store
        raise NotFoundError("No such message.") from None
    if not principal.can(entry.archive):
        raise NotFoundError("No such message.")
    return entry, store.raw_of(entry)


def _attachment_disposition(filename: str) -> str:
    """The download's file name as the page shows it: bidi and invisible characters visible,
    so the saved file does not read as another type (``invoice⟨U+202E⟩fdp.exe``)."""
    filename = visible(filename)
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback or 'download'}\"; filename*=UTF-8''{quote(filename)}"


def _safe_body(entry: EntryRow, raw: bytes, view: MailView) -> SafeHtml:
    """The sanitised HTML body of a message (cached by its content hash)."""

    def inline_image(cid: str) -> tuple[str, bytes] | None:
        info = view.inline_images.get(cid)
        return None if info is None else part_bytes(raw, info.index)

    return _SANITIZED.get_or_make(entry.sha256, lambda: safe_html(view.html or "", inline_image))


def _view(
    context: WebContext, principal: Principal, message_id: str, address: str
) -> tuple[EntryRow, MailView, SafeHtml | None]:
    entry, raw = _load(context, principal, message_id)
    view = parse_view(raw)
    body = None if view.html is None else _safe_body(entry, raw, view)
    context.runtime.audit.record(
        "message.viewed", principal.user.name, address, message_id, archive=entry.archive
    )
    return entry, view, body


async def message_page(request: Request) -> Response:
    current = await visit(request)
    context = web(request)
    message_id = request.path_params["id"]
    entry, view, body = await run_in_threadpool(
        _view, context, current.principal, message_id, client_address(request)
    )
    return context.render(
        request,
        "message.html",
        id=message_id,
        entry=entry,
        view=view,
        remote_images=body is not None and body.remote_images,
        flattened=body is not None and body.flattened,
        truncated=body is not None and body.truncated,
        images=request.query_params.get("images") == "1",
        back=local_path(request.query_params.get("back", "/")),
    )


def _body_html(context: WebContext, principal: Principal, message_id: str) -> str:
    entry, raw = _load(context, principal, message_id)
    return _safe_body(entry, raw, parse_view(raw)).html


async def message_body(request: Request) -> Response:
    current = await visit(request)
    context = web(request)
    html = await run_in_threadpool(
        _body_html, context, current.principal, request.path_params["id"]
    )
    images = "https: http:" if request.query_params.get("images") == "1" else ""
    document = (
        '<!doctype html><html><head><meta charset="utf-8"><base target="_blank">'
        "<style>body{font-family:sans-serif;margin:8px;overflow-wrap:anywhere}</style>"
        f"</head><body>{html}</body></html>"
    )
    return HTMLResponse(
        document,
        headers={
            "Content-Security-Policy": _FRAME_CSP.format(images=images).replace("  ", " "),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def _download(
    context: WebContext, principal: Principal, message_id: str, address: str, part: int | None
) -> tuple[str, bytes]:
    entry, raw = _load(context, principal, message_id)
    if part is None:
        name, data = f"{(entry.subject or 'message')[:80]}.eml", raw
    else:
        view = parse_view(raw)
        info = next((a for a in view.attachments if a.index == part), None)
        found = part_bytes(raw, part) if info is not None else None
        if info is None or found is None:
            raise NotFoundError("No such attachment.")
        name, data = info.filename, found[1]
    context.runtime.audit.record(
        "message.downloaded", principal.user.name, address, message_id, part=part, file=name
    )
    return name, data


async def download_original(request: Request) -> Response:
    current = await visit(request)
    name, data = await run_in_threadpool(
        _download, web(request), current.principal, request.path_params["id"],
        client_address(request), None,
    )  # fmt: skip
    headers = {"Content-Disposition": _attachment_disposition(name), **_DOWNLOAD_HEADERS}
    return Response(data, media_type="message/rfc822", headers=headers)


async def download_part(request: Request) -> Response:
    current = await visit(request)
    index = path_number(request.path_params["index"], "attachment")
    name, data = await run_in_threadpool(
        _download, web(request), current.principal, request.path_params["id"],
        client_address(request), index,
    )  # fmt: skip
    headers = {"Content-Disposition": _attachment_disposition(name), **_DOWNLOAD_HEADERS}
    # Always a download, never rendered: an HTML or SVG attachment must not run on this site.
    return Response(data, media_type="application/octet-stream", headers=headers)


async def message_source(request: Request) -> Response:
    current = await visit(request)
    _entry, raw = await run_in_threadpool(
        _load, web(request), current.principal, request.path_params["id"]
    )
    text = raw.decode("utf-8", errors="replace")
    return Response(text, media_type="text/plain; charset=utf-8", headers=_DOWNLOAD_HEADERS)


routes = [
    Route("/message/{id}", message_page, methods=["GET"]),
    Route("/message/{id}/body", message_body, methods=["GET"]),
    Route("/message/{id}/original", download_original, methods=["GET"]),
    Route("/message/{id}/source", message_source, methods=["GET"]),
    Route("/message/{id}/part/{index}", download_part, methods=["GET"]),
]
