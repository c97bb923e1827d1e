"""What every web request can reach: the runtime, sessions, throttle, templates, tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from mailkeep.access.browse import CachedCounts
from mailkeep.access.statistics import DashboardStatistics
from mailkeep.access.web.display import visible
from mailkeep.access.web.sessions import SessionStore
from mailkeep.access.web.spool import UploadSpool
from mailkeep.access.web.tasks import TaskBoard
from mailkeep.access.web.throttle import LoginThrottle, shared_throttle
from mailkeep.runtime import Runtime

if TYPE_CHECKING:
    from mailkeep.jobs.runner import JobRunner

HERE = Path(__file__).parent


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["size"] = human_size
    env.filters["visible"] = visible
    return env


def human_size(value: int) -> str:
    """Bytes as a short human-readable size."""
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


@dataclass
class WebContext:
    """Shared by all requests of one server process."""

    runtime: Runtime
    sessions: SessionStore
    throttle: LoginThrottle
    counts: CachedCounts
    jobs: JobRunner
    statistics: DashboardStatistics
    uploads: UploadSpool
    tasks: TaskBoard = field(default_factory=TaskBoard)
    templates: Environment = field(default_factory=_environment)

    @classmethod
    def create(cls, runtime: Runtime) -> WebContext:
        idle = timedelta(minutes=runtime.setting("web.session_idle_minutes"))
        throttle = shared_throttle(runtime)
        sessions = SessionStore(runtime.sessions, idle)
        uploads = UploadSpool(runtime.data_dir / "uploads")
        counts = CachedCounts(runtime.stores)
        statistics = DashboardStatistics(runtime.stores)
        return cls(runtime, sessions, throttle, counts, runtime.jobs, statistics, uploads)

    def render(
        self, request: Request, template: str, status: int = 200, **values: Any
    ) -> HTMLResponse:
        """A page from a template; ``visit`` (when logged on) and ``request`` are always there."""
        values.setdefault("visit", getattr(request.state, "visit", None))
        html = self.templates.get_template(template).render(request=request, **values)
        return HTMLResponse(html, status_code=status)


def web(request: Request) -> WebContext:
    """The WebContext of the application serving ``request``."""
    context = request.app.state.web
    assert isinstance(context, WebContext)
    return context
