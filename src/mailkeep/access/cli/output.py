"""How the CLI prints: one JSON document with --json, readable text otherwise, one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

JsonOption = typer.Option(False, "--json", help="Print one JSON document instead of text.")
console = Console()
errors = Console(stderr=True)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit_json(value: Any) -> None:
    """Write ``value`` as JSON to stdout."""
    sys.stdout.write(json.dumps(value, default=_default, ensure_ascii=False, indent=2) + "\n")


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain table for humans."""
    out = Table(*columns, box=None, header_style="bold")
    for row in rows:
        out.add_row(*["" if v is None else str(v) for v in row])
    console.print(out)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error to stderr; return the Exit to raise."""
    errors.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


class MessageRateColumn(ProgressColumn):
    """Messages per second (blank until there is a rate)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} msg/s", style="progress.data.speed")


@contextmanager
def progress(
    label: str, total: int | None, unit: str, enabled: bool
) -> Iterator[Callable[[int, int], None]]:
    """A progress bar with rate and ETA on a terminal; a no-op otherwise."""
    if not enabled or not errors.is_terminal:
        yield lambda _seen, _done: None
        return
    if unit == "bytes":
        count: ProgressColumn = DownloadColumn()
        rate: ProgressColumn = TransferSpeedColumn()
    else:
        count, rate = MofNCompleteColumn(), MessageRateColumn()
    columns = [TextColumn(label), BarColumn(), TaskProgressColumn(), count, rate]
    with Progress(*columns, TimeRemainingColumn(), console=errors, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def update(seen: int, done: int) -> None:
            bar.update(task, completed=done if unit == "bytes" else seen)

        yield update
