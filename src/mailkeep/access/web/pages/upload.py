"""Uploading EML and MBOX files into a user archive from the browser.

The browser sends the file as the raw request body (so the page can show upload progress);
the server streams it to a file of this process's upload folder (``spool.py``) — never into
memory — then archives it in a background task whose progress the page polls.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mailkeep.access.permissions import Principal, known_archives
from mailkeep.access.web.context import WebContext, web
from mailkeep.access.web.guard import client_address, visit
from mailkeep.access.web.spool import UploadSpool
from mailkeep.access.web.tasks import Task
from mailkeep.errors import InvalidInputError, NotFoundError
from mailkeep.sources.base import MessageSource, SourceMessage
from mailkeep.sources.eml import EmlFolderSource
from mailkeep.sources.mbox import MboxSource

if TYPE_CHECKING:
    from mailkeep.ingest.pipeline import Failed

log = logging.getLogger(__name__)


def writable_archives(context: WebContext, principal: Principal) -> list[str]:
    """Archives the user may upload into: the own one, and those granted ``write``."""
    archives = known_archives(context.runtime)
    if principal.user.is_admin:
        return list(archives)
    return [a for a in archives if principal.is_own(a) or principal.can(a, "write")]


def _may_upload(principal: Principal, archive: str) -> bool:
    return principal.user.is_admin or principal.is_own(archive) or principal.can(archive, "write")


async def upload_form(request: Request) -> Response:
    current = await visit(request)
    context = web(request)
    archives = await run_in_threadpool(writable_archives, context, current.principal)
    return context.render(request, "upload.html", archives=archives)


def _source_for(path: Path, filename: str, folder: str) -> MessageSource:
    with path.open("rb") as handle:
        head = handle.read(5)
    if filename.lower().endswith((".mbox", ".mbx")) or head == b"From ":
        return MboxSource(path, folder, source_name=filename)
    return EmlFolderSource(path, folder=folder, id_prefix=f"upload:{filename}:")


def _import_upload(
    context: WebContext, actor: str, path: Path, target: tuple[str, str, str], task: Task
) -> dict[str, Any]:
    from mailkeep.ingest.service import import_source  # heavy: parsers and extractors

    filename, archive, folder = target
    try:
        source = _source_for(path, filename, folder)
        task.total = source.estimate()

        def progress(_seen: int, done: int) -> None:
            task.done = done

        keep = _quarantine_failures(context, actor, archive)
        result = import_source(context.runtime, source, archive, progress, on_failed=keep)
        context.counts.invalidate()
        outcome = result.as_dict()
        outcome["failures"] = outcome["failures"][:20]
        context.runtime.audit.record(
            "messages.uploaded",
            actor=actor,
            target=archive,
            file=filename,
            stage="archived",
            archived=result.archived,
            duplicates=result.duplicates,
            failed=result.failed,
        )
        return outcome
    finally:
        path.unlink(missing_ok=True)


def _quarantine_failures(context: WebContext, actor: str, archive: str) -> Failed:
    """The uploaded file is removed after its import, so a message that could not be archived
    is kept in the quarantine (``mailkeep quarantine list``/``retry``) instead of being lost."""
    from mailkeep.ingest.quarantine import Quarantine

    quarantine = Quarantine(context.runtime.data_dir)

    def keep(message: SourceMessage, step: str, reason: str) -> None:
        try:
            kept = quarantine.keep(
                replace(message, archive=message.archive or archive), step, reason
            )
        except OSError as exc:  # a full disk: the failure stays in the result for the user
            log.error("could not quarantine %s: %s", message.source_id, exc)
            return
        context.runtime.audit.record("quarantine.kept", actor, target=kept, archive=archive)

    return keep


async def _receive(request: Request, limit: int, spool: UploadSpool) -> Path:
    handle, path = await run_in_threadpool(spool.new_file)
    written = 0
    try:
        with os.fdopen(handle, "wb") as out:
            async for chunk in request.stream():
                written += len(chunk)
                if written > limit:
                    raise InvalidInputError(f"The file is larger than the limit of {limit} bytes.")
                await run_in_threadpool(out.write, chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if written == 0:
        path.unlink(missing_ok=True)
        raise InvalidInputError("The uploaded file is empty.")
    return path


async def upload(request: Request) -> Response:
    current = await visit(request)  # checks the X-CSRF-Token header
    context = web(request)
    archive = unquote(request.headers.get("x-archive", current.user.archive))
    folder = unquote(request.headers.get("x-folder", "")).strip("/")
    filename = Path(unquote(request.headers.get("x-filename", "upload.eml"))).name or "upload"
    archives = await run_in_threadpool(writable_archives, context, current.principal)
    if archive not in archives or not _may_upload(current.principal, archive):
        raise NotFoundError("No such archive you may write to.")
    limit = await run_in_threadpool(context.runtime.setting, "web.upload_max_bytes")
    path = await _receive(request, limit, context.uploads)
    try:
        task = context.tasks.start(
            f"Archiving {filename} into {archive}",
            current.user.id,
            lambda t: _import_upload(
                context, current.user.name, path, (filename, archive, folder), t
            ),
        )
    except BaseException:  # the task never started: nobody else will remove the file
        path.unlink(missing_ok=True)
        raise
    await run_in_threadpool(
        context.runtime.audit.record, "messages.uploaded", current.user.name,
        client_address(request), archive, file=filename, stage="received",
    )  # fmt: skip
    return JSONResponse({"task": task.id}, status_code=202)


async def task_status(request: Request) -> Response:
    current = await visit(request)
    task = web(request).tasks.get(request.path_params["id"])
    if task is None or (task.owner_id != current.user.id and not current.user.is_admin):
        raise NotFoundError("No such task.")
    return JSONResponse(task.as_dict())


routes = [
    Route("/upload", upload_form, methods=["GET"]),
    Route("/upload", upload, methods=["POST"]),
    Route("/tasks/{id}", task_status, methods=["GET"]),
]
