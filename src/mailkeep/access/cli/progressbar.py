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


class MessageRateColumn(ProgressColumn):
    """Messages per second (blank until there is a rate)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} msg/s", style="progress.data.speed")


@contextmanager
def progress_bar(
    console: Console, label: str, total: int | None, unit: str
) -> Iterator[Callable[[int, int], None]]:
    """A bar with rate and ETA on ``console``; yields ``update(seen, done)``."""
    if unit == "bytes":
        count: ProgressColumn = DownloadColumn()
        rate: ProgressColumn = TransferSpeedColumn()
    else:
        count, rate = MofNCompleteColumn(), MessageRateColumn()
    columns = [TextColumn(label), BarColumn(), TaskProgressColumn(), count, rate]
    with Progress(*columns, TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def update(seen: int, done: int) -> None:
            bar.update(task, completed=done if unit == "bytes" else seen)

        yield update
