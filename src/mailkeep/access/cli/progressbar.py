"""The terminal progress bar of long commands (imported only when one is shown)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
from rich.text import Text

_RATE_UNITS = {"messages": "msg"}  # short names for the rate column


class MessageRateColumn(ProgressColumn):
    """Items per second (blank until there is a rate): ``msg/s`` unless told another unit."""

    def __init__(self, unit: str = "messages") -> None:
        super().__init__()
        self._unit = _RATE_UNITS.get(unit, unit)

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        text = "" if speed is None else f"{speed:,.0f} {self._unit}/s"
        return Text(text, style="progress.data.speed")


@contextmanager
def progress_bar(
    console: Console, label: str, total: int | None, unit: str
) -> Iterator[Callable[[int, int], None]]:
    """A bar with rate and ETA on ``console``; yields ``update(seen, done)``.

    ``unit`` is ``"bytes"`` (the bar follows ``done``, bytes read) or what ``seen`` counts
    (``"messages"``, ``"containers"``).
    """
    if unit == "bytes":
        count: ProgressColumn = DownloadColumn()
        rate: ProgressColumn = TransferSpeedColumn()
    else:
        count, rate = MofNCompleteColumn(), MessageRateColumn(unit)
    columns = [TextColumn(label), BarColumn(), TaskProgressColumn(), count, rate]
    with Progress(*columns, TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def update(seen: int, done: int) -> None:
            bar.update(task, completed=done if unit == "bytes" else seen)

        yield update
