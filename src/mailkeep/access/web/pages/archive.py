"""The main page: archives and folder tree on the side, message list or search results."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailkeep.access.numbers import parse_number
from mailkeep.access.permissions import AccessDeniedError, Principal, known_archives
from mailkeep.access.search import SearchResult, search
from mailkeep.access.web.context import WebContext, web
from mailkeep.access.web.folders import ALL_MESSAGES, FolderNode, folder_query, folder_tree
from mailkeep.access.web.guard import visit
from mailkeep.errors import MailkeepError
from mailkeep.index.model import SORT_ORDERS

PAGE_SIZE = 50
MAX_PAGE = 100_000  # 5 million results deep: beyond, nobody pages
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
FILTER_FIELDS = ("from", "to", "subject")


@dataclass(frozen=True)
class ListRequest:
    """What the user asked the list to show."""

    archive: str
    folder: str
    q: str
    filters: dict[str, str]
    page: int
    sort: str

    @classmethod
    def parse(cls, params: Any, default_archive: str) -> ListRequest:
        filters = {k: str(params.get(k, "")).strip() for k in (*FILTER_FIELDS, "after", "before")}
        filters["has"] = "1" if params.get("has") else ""
        page = str(params.get("page", "")) or "1"
        return cls(
            archive=str(params.get("archive", default_archive)),
            folder=str(params.get("folder", "")).strip("/"),
            q=str(params.get("q", "")).strip(),
            filters={k: v for k, v in filters.items() if v},
            page=parse_number(page, "page", 1, MAX_PAGE),
            sort=str(params.get("sort")) if params.get("sort") in SORT_ORDERS else "date",
        )

    def query_text(self) -> str:
        """The user's words plus the filter form, in the query language."""
        parts = [self.q] if self.q else []
        for name in FILTER_FIELDS:
            if value := self.filters.get(name):
                parts.append(f'{name}:"{value.replace(chr(34), " ")}"')
        for name in ("after", "before"):
            if (value := self.filters.get(name)) and _DATE.match(value):
                parts.append(f"{name}:{value}")
        if self.filters.get("has"):
            parts.append("has:attachment")
        return " ".join(parts)


def _archives_for(context: WebContext, principal: Principal) -> list[tuple[str, int]]:
    readable = principal.readable_archives()
    archives = known_archives(context.runtime, context.counts.archives())
    own = principal.user.archive
    listed = [(a, n) for a, n in archives.items() if readable is None or a in readable]
    return sorted(listed, key=lambda item: (item[0] != own, item[0].lower()))


def _list(context: WebContext, principal: Principal, ask: ListRequest) -> dict[str, Any]:
    archives = _archives_for(context, principal)
    scope = ask.archive
    if scope != "*":
        principal.require(scope)
    tree: FolderNode | None = None
    if scope != "*":
        tree = folder_tree(context.counts.folders(scope))
    words = ask.query_text()
    query = words or (folder_query(tree, ask.folder) if tree else ALL_MESSAGES)
    if words and ask.folder:
        query = f'{words} folder:"{ask.folder}"'
    allowed = principal.readable_archives() if scope == "*" else frozenset({scope})
    results: list[SearchResult] = []
    total = 0
    error = ""
    try:
        results, total = search(
            context.runtime.stores,
            query,
            allowed,
            PAGE_SIZE,
            (ask.page - 1) * PAGE_SIZE,
            "date" if (ask.sort == "relevance" and not words) else ask.sort,  # type: ignore[arg-type]
        )
    except MailkeepError as exc:
        error = str(exc)
    return {
        "ask": ask,
        "archives": archives,
        "tree": tree,
        "results": results,
        "total": total,
        "error": error,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "searching": bool(words),
    }


async def home(request: Request) -> Response:
    current = await visit(request)
    return RedirectResponse(f"/search?archive={current.user.archive}", status_code=303)


async def archive_page(request: Request) -> Response:
    current = await visit(request)
    context = web(request)
    ask = ListRequest.parse(request.query_params, current.user.archive)
    if ask.archive != "*" and not current.principal.can(ask.archive):
        raise AccessDeniedError("You do not have access to this archive.")
    values = await run_in_threadpool(_list, context, current.principal, ask)
    return context.render(request, "archive.html", **values)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/search", archive_page, methods=["GET"]),
]
