"""How the CLI prints: one JSON document with --json, readable text otherwise, one-line errors.

rich is imported only when text is printed: a ``--json`` run never loads it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import typer

if TYPE_CHECKING:
    from rich.console import Console

JsonOption = typer.Option(False, "--json", help="Print one JSON document instead of text.")


class _ConsoleOnFirstUse:
    """Stands in for a rich Console, which it creates (importing rich) when first used.

    Attribute access is forwarded; anything that needs the Console itself (rich's progress bar
    enters it as a context manager, which ``__getattr__`` cannot provide) asks :func:`real`.
    """

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def get(self) -> Console:
        """The rich Console, created on the first call."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


console = cast("Console", _ConsoleOnFirstUse(stderr=False))
errors = cast("Console", _ConsoleOnFirstUse(stderr=True))


def real(stand_in: Console) -> Console:
    """The rich Console behind ``console`` or ``errors`` (to hand to rich's own classes)."""
    if isinstance(stand_in, _ConsoleOnFirstUse):
        return stand_in.get()
    return stand_in


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit_json(value: Any) -> None:
    """Write ``value`` as JSON to stdout."""
    sys.stdout.write(json.dumps(value, default=_default, ensure_ascii=False, indent=2) + "\n")


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain table for humans."""
    from rich.table import Table

    out = Table(*columns, box=None, header_style="bold")
    for row in rows:
        out.add_row(*["" if v is None else str(v) for v in row])
    console.print(out)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error to stderr; return the Exit to raise."""
    errors.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def progress(
    label: str, total: int | None, unit: str, enabled: bool
) -> Iterator[Callable[[int, int], None]]:
    """A progress bar with rate and ETA on a terminal; a no-op otherwise."""
    if not enabled or not errors.is_terminal:
        yield lambda _seen, _done: None
        return
    from mailkeep.access.cli.progressbar import progress_bar

    with progress_bar(real(errors), label, total, unit) as update:
        yield update
