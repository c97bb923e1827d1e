"""Shared CLI plumbing: the data directory option and opening a Runtime with clean errors."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from mailkeep.access.cli.output import emit_json, fail
from mailkeep.errors import MailkeepError, recognise

if TYPE_CHECKING:
    from mailkeep.runtime import Runtime

T = TypeVar("T")


def data_dir(ctx: typer.Context) -> Path:
    """The --data-dir chosen on the root command (default ``$MAILKEEP_HOME`` or
    ``./mailkeep-data``)."""
    value = ctx.find_root().obj
    if value is None:
        from mailkeep.runtime import default_data_dir

        return default_data_dir()
    assert isinstance(value, Path)
    return value


@contextmanager
def runtime(ctx: typer.Context) -> Iterator[Runtime]:
    """An open Runtime for one command, closed afterwards."""
    from mailkeep.runtime import Runtime  # the master database and stores: only when used

    with Runtime(data_dir(ctx)) as opened:
        yield opened


def guarded(func: Callable[..., T]) -> Callable[..., T]:
    """Turn mailkeep and OS errors into one-line messages and a non-zero exit status (and,
    for a ``--json`` run, the error as the one JSON document on stdout)."""

    def wrapper(*args: Any, **kwargs: Any) -> T:
        as_json = kwargs.get("json") is True
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            raise _failed(MailkeepError("interrupted"), as_json, 130) from None
        except Exception as exc:
            if os.environ.get("MAILKEEP_DEBUG") and not isinstance(exc, MailkeepError):
                raise
            known = recognise(exc)
            if known is not None:
                raise _failed(known, as_json) from None
            if isinstance(exc, OSError):
                where = f": {exc.filename}" if exc.filename else ""
                raise _failed(MailkeepError(f"{exc.strerror or exc}{where}"), as_json) from None
            message = f"internal error: {type(exc).__name__}: {exc}"
            raise _failed(MailkeepError(message, error="internal"), as_json, 2) from None

    return functools.wraps(func)(wrapper)


def _failed(error: MailkeepError, as_json: bool, code: int = 1) -> typer.Exit:
    if as_json:
        emit_json(error.as_dict())
    return fail(error.message, code)
