"""Administrators configure the directory service, test the settings (a dry run of the sync
with the settings in the form, before saving them) and synchronise users now."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailkeep.access.web.context import WebContext, web
from mailkeep.access.web.guard import admin_visit, client_address, form_text
from mailkeep.directory import config as directory_config
from mailkeep.directory.config import KINDS, SECURITY, DirectoryConfig
from mailkeep.directory.sources import source_for
from mailkeep.directory.sync import SyncResult, run_sync
from mailkeep.errors import InvalidInputError, MailkeepError
from mailkeep.master.users import PRIVILEGES
from mailkeep.numbers import parse_number

PRIVILEGE_CHOICES = tuple(p for p in PRIVILEGES if p != "none")
TEXT_FIELDS = (
    "host", "ca_file", "bind_dn", "base_dn", "filter", "user_attribute", "name_attribute",
    "nested_groups", "file", "file_encoding", "login", "imap_host", "security", "imap_security",
)  # fmt: skip
FLAGS = (
    "insecure", "ad_enabled_only", "ad_mail_enabled_only", "ad_skip_hidden", "delete_missing",
    "imap_insecure",
)  # fmt: skip


def _number(form: FormData, name: str) -> int:
    return parse_number(form_text(form, name) or "0", name, 0, 65535)


def _split(text: str, separators: str) -> tuple[str, ...]:
    for separator in separators:
        text = text.replace(separator, "\n")
    return tuple(part.strip() for part in text.split("\n") if part.strip())


def config_from_form(form: FormData, stored: DirectoryConfig) -> DirectoryConfig:
    """The configuration a submitted form describes (an empty password keeps the stored one)."""
    kind = form_text(form, "type")
    if kind and kind not in KINDS:
        raise InvalidInputError(f"Directory type must be one of {', '.join(KINDS)}.")
    values: dict[str, Any] = {name: form_text(form, name) for name in TEXT_FIELDS}
    values.update({name: form.get(name) == "on" for name in FLAGS})
    password = form_text(form, "bind_password") or stored.bind_password
    return DirectoryConfig(
        type=kind,
        port=_number(form, "port"),
        imap_port=_number(form, "imap_port"),
        bind_password=password,
        email_attributes=_split(form_text(form, "email_attributes"), ",\r"),
        groups=_split(form_text(form, "groups"), ";\r"),
        default_privileges=tuple(p for p in PRIVILEGE_CHOICES if p in form.getlist("privileges")),
        **values,
    ).validate()


def _page(request: Request, config: DirectoryConfig, status: int = 200, **extra: Any) -> Response:
    return web(request).render(
        request, "admin/directory.html", status, config=config, kinds=KINDS,
        security=SECURITY, privileges=PRIVILEGE_CHOICES, **extra,
    )  # fmt: skip


async def directory_page(request: Request) -> Response:
    await admin_visit(request)
    config = await run_in_threadpool(directory_config.load, web(request).runtime)
    return _page(request, config, saved=bool(request.query_params.get("saved")))


def _act(
    context: WebContext, action: str, config: DirectoryConfig, actor: str, address: str
) -> SyncResult | None:
    runtime = context.runtime
    if action == "save":
        directory_config.save(runtime, config)
        runtime.audit.record(
            "directory.configured", actor, address, type=config.type, host=config.host
        )
        return None
    if action not in ("test", "sync"):
        raise InvalidInputError(f"Unknown action {action!r}.")
    if action == "sync":  # syncs what is stored: save first, as the scheduler will use it
        config = directory_config.load(runtime)
    return run_sync(runtime, config, source_for(config), action == "test", actor)


async def change_directory(request: Request) -> Response:
    admin = await admin_visit(request)
    context = web(request)
    form = await request.form()
    action = form_text(form, "action")
    stored = await run_in_threadpool(directory_config.load, context.runtime)
    shown = stored
    try:
        shown = config_from_form(form, stored) if action != "sync" else stored
        result = await run_in_threadpool(
            _act, context, action, shown, admin.user.name, client_address(request)
        )
    except MailkeepError as exc:
        return _page(request, shown, 400, error=str(exc))
    if result is None:
        return RedirectResponse("/admin/directory?saved=1", status_code=303)
    return _page(request, shown, result=result)


routes = [
    Route("/admin/directory", directory_page, methods=["GET"]),
    Route("/admin/directory", change_directory, methods=["POST"]),
]
