"""The main page: archives and folder tree on the side, message list or search results."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailkeep.access.permissions import AccessDeniedError, Principal, known_archives
from mailkeep.access.search import SearchResult, search
from mailkeep.access.web.context import WebContext, web
from mailkeep.access.web.folders import ALL_MESSAGES, FolderNode, folder_query, folder_tree
from mailkeep.access.web.guard import visit
from mailkeep.errors import MailkeepError
from mailkeep.index.model import SORT_FIELDS, SORT_ORDERS
from mailkeep.numbers import number_or_none, parse_number

PAGE_SIZE = 50
PAGE_SIZES = (25, 50, 100, 200)
MAX_PAGE = 100_000  # 5 million results deep: beyond, nobody pages
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
FILTER_FIELDS = ("from", "to", "subject")
# The orders offered by the list, with the label of the filter form's choice.
SORT_LABELS: dict[str, str] = {
    "date": "Newest first",
    "oldest": "Oldest first",
    "relevance": "Relevance",
    "sender": "Sender A–Z",
    "sender-desc": "Sender Z–A",
    "subject": "Subject A–Z",
    "subject-desc": "Subject Z–A",
    "size-desc": "Largest first",
    "size": "Smallest first",
}
# Column headers: the order a first click picks, and the one a second click turns it into.
COLUMN_ORDERS: dict[str, tuple[str, str]] = {
    "sender": ("sender", "sender-desc"),
    "subject": ("subject", "subject-desc"),
    "date": ("date", "oldest"),
    "size": ("size-desc", "size"),
}


@dataclass(frozen=True)
class ListRequest:
    """What the user asked the list to show."""

    archive: str
    folder: str
    q: str
    filters: dict[str, str]
    page: int
    sort: str
    per_page: int = PAGE_SIZE

    @classmethod
    def parse(cls, params: Any, default_archive: str) -> ListRequest:
        filters = {k: str(params.get(k, "")).strip() for k in (*FILTER_FIELDS, "after", "before")}
        filters["has"] = "1" if params.get("has") else ""
        page = str(params.get("page", "")) or "1"
        per = str(params.get("per", ""))
        return cls(
            archive=str(params.get("archive", default_archive)),
            folder=str(params.get("folder", "")).strip("/"),
            q=str(params.get("q", "")).strip(),
            filters={k: v for k, v in filters.items() if v},
            page=parse_number(page, "page", 1, MAX_PAGE),
            sort=str(params.get("sort")) if params.get("sort") in SORT_ORDERS else "date",
            per_page=per_page if (per_page := number_or_none(per)) in PAGE_SIZES else PAGE_SIZE,
        )

    def url(self, **changes: Any) -> str:
        """This list's address with some of its parameters changed (sort, page, ...)."""
        ask = replace(self, **changes)
        params = {"archive": ask.archive, "folder": ask.folder, "q": ask.q, **ask.filters}
        params |= {"sort": ask.sort, "per": str(ask.per_page), "page": str(ask.page)}
        defaults = {"folder": "", "q": "", "sort": "date", "per": str(PAGE_SIZE), "page": "1"}
        return "/search?" + urlencode({k: v for k, v in params.items() if defaults.get(k) != v})

    def column(self, name: str) -> tuple[str, str]:
        """A column header's link and its ``aria-sort`` state (``none`` when not sorted by)."""
        first, second = COLUMN_ORDERS[name]
        if self.sort not in (first, second):
            return self.url(sort=first, page=1), "none"
        descending = SORT_FIELDS[self.sort][1]  # type: ignore[index]
        turned = second if self.sort == first else first
        return self.url(sort=turned, page=1), "descending" if descending else "ascending"

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
    if ask.sort == "relevance" and not words:
        ask = replace(ask, sort="date")  # nothing to rank a folder listing by
    results: list[SearchResult] = []
    total = 0
    error = ""
    try:
        results, total = _page(context, query, allowed, ask)
        if not results and total and ask.page > 1:  # past the end (a jump, or mail removed)
            ask = replace(ask, page=_pages(total, ask.per_page))
            results, total = _page(context, query, allowed, ask)
    except MailkeepError as exc:
        error = str(exc)
    return {
        "ask": ask,
        "archives": archives,
        "tree": tree,
        "results": results,
        "total": total,
        "query_error": error,
        "pages": _pages(total, ask.per_page),
        "searching": bool(words),
        "sort_labels": SORT_LABELS,
        "page_sizes": PAGE_SIZES,
    }


def _page(
    context: WebContext, query: str, allowed: frozenset[str] | None, ask: ListRequest
) -> tuple[list[SearchResult], int]:
    offset = (ask.page - 1) * ask.per_page
    sort: Any = ask.sort  # one of SORT_ORDERS (checked by ListRequest.parse)
    return search(context.runtime.stores, query, allowed, ask.per_page, offset, sort)


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


async def home(request: Request) -> Response:
    """The landing page: administrators' dashboard, everyone else's own archive."""
    current = await visit(request)
    if current.user.is_admin:
        return RedirectResponse("/admin", status_code=303)
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
