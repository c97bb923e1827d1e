"""Archive stores (with long work as background tasks) and the indexed attachment types."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from mailkeep.access.stores import record_verified, store_info
from mailkeep.access.web.context import WebContext, web
from mailkeep.access.web.guard import admin_visit, client_address, form_text
from mailkeep.access.web.tasks import Task
from mailkeep.errors import InvalidInputError, MailkeepError
from mailkeep.numbers import parse_number
from mailkeep.settings import SETTINGS
from mailkeep.store.registry import StoreSpec
from mailkeep.store.verify import verify_store

STATES = ("current", "normal", "writeProtected", "disabled")
ATTACHMENT_KINDS = SETTINGS["index.attachment_kinds"].default


async def stores_page(request: Request) -> Response:
    await admin_visit(request)
    context = web(request)
    rows = await run_in_threadpool(context.runtime.stores.records)
    infos = await run_in_threadpool(lambda: [store_info(context.runtime, r) for r in rows])
    return context.render(request, "admin/stores.html", stores=infos, states=STATES)


def _store_work(
    context: WebContext, admin: str, store_id: int, action: str, task: Task
) -> dict[str, Any]:
    store = context.runtime.stores.open(store_id)
    if action == "verify":
        report = verify_store(store)
        record_verified(context.runtime, store_id, report, admin)
        return {**report.as_dict(), "problems": report.lines()}
    task.total = store.catalog.counts().messages

    def progress(done: int) -> None:
        task.done = done

    from mailkeep.ingest.service import store_writes

    with store_writes():
        indexed = store.rebuild_index(progress)
    context.runtime.audit.record("store.index_rebuilt", target=str(store_id), messages=indexed)
    return {"indexed": indexed}


def _change_store(context: WebContext, admin: str, form: FormData, address: str) -> str | None:
    """Apply a store form; returns a task id for long work."""
    action = form_text(form, "action")
    registry, audit = context.runtime.stores, context.runtime.audit
    if action == "create":
        row = registry.create(StoreSpec(name=form_text(form, "name") or "Archive"))
        audit.record("store.created", admin, address, str(row.id), name=row.name)
        return None
    store_id = parse_number(form_text(form, "id") or "0", "store id")
    if action == "rename":
        registry.rename(store_id, form_text(form, "name"))
        audit.record("store.renamed", admin, address, str(store_id), name=form_text(form, "name"))
    elif action == "state":
        state = form_text(form, "state")
        if state not in STATES:
            raise InvalidInputError(f"Unknown store state {state!r}.")
        registry.set_state(store_id, state)
        audit.record("store.state_changed", admin, address, str(store_id), state=state)
    elif action in ("verify", "rebuild-index"):
        registry.record(store_id)  # unknown ids fail now, not in the background
        task = context.tasks.start(
            f"{action} store {store_id}",
            0,
            lambda t: _store_work(context, admin, store_id, action, t),
        )
        return task.id
    else:
        raise InvalidInputError(f"Unknown action {action!r}.")
    return None


async def change_store(request: Request) -> Response:
    admin = await admin_visit(request)
    context = web(request)
    form = await request.form()
    try:
        task = await run_in_threadpool(
            _change_store, context, admin.user.name, form, client_address(request)
        )
    except (MailkeepError, ValueError) as exc:
        rows = await run_in_threadpool(context.runtime.stores.records)
        infos = await run_in_threadpool(lambda: [store_info(context.runtime, r) for r in rows])
        return context.render(
            request, "admin/stores.html", 400, stores=infos, states=STATES, error=str(exc)
        )
    target = f"/admin/stores?task={task}" if task else "/admin/stores"
    return RedirectResponse(target, status_code=303)


async def store_task(request: Request) -> Response:
    await admin_visit(request)
    task = web(request).tasks.get(request.path_params["id"])
    if task is None:
        return JSONResponse({"error": "not_found", "message": "No such task."}, 404)
    return JSONResponse(task.as_dict())


async def indexing_page(request: Request) -> Response:
    await admin_visit(request)
    context = web(request)
    chosen = await run_in_threadpool(context.runtime.setting, "index.attachment_kinds")
    return context.render(
        request, "admin/indexing.html", kinds=ATTACHMENT_KINDS, chosen=set(chosen)
    )


async def change_indexing(request: Request) -> Response:
    admin = await admin_visit(request)
    context = web(request)
    form = await request.form()
    chosen = [k for k in ATTACHMENT_KINDS if k in form.getlist("kinds")]
    await run_in_threadpool(context.runtime.set_setting, "index.attachment_kinds", ",".join(chosen))
    await run_in_threadpool(
        context.runtime.audit.record, "settings.changed", admin.user.name,
        client_address(request), "index.attachment_kinds", value=chosen,
    )  # fmt: skip
    return RedirectResponse("/admin/indexing?saved=1", status_code=303)


routes = [
    Route("/admin/stores", stores_page, methods=["GET"]),
    Route("/admin/stores", change_store, methods=["POST"]),
    Route("/admin/tasks/{id}", store_task, methods=["GET"]),
    Route("/admin/indexing", indexing_page, methods=["GET"]),
    Route("/admin/indexing", change_indexing, methods=["POST"]),
]
