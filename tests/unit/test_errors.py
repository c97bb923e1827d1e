"""How failures from the OS and libraries become mailkeep errors every interface can show."""

from __future__ import annotations

import errno
import sqlite3

import pytest
import sqlalchemy.exc

from mailkeep.errors import DiskFullError, DiskIOError, NotFoundError, recognise

TANTIVY = (
    "An IO error occurred: 'No space left on device (os error 28) at path "
    '"/srv/mailkeep/stores/Archive-2026-12/index/.tmpQXRWFX"\''
)


def test_an_oserror_for_a_full_disk_names_the_file() -> None:
    found = recognise(OSError(errno.ENOSPC, "No space left on device", "/srv/c/000001.mkc"))
    assert isinstance(found, DiskFullError)
    assert found.detail["path"] == "/srv/c/000001.mkc"
    assert found.as_dict()["error"] == "disk_full"


def test_tantivy_s_value_error_is_a_full_disk_with_its_path() -> None:
    found = recognise(ValueError(TANTIVY))
    assert isinstance(found, DiskFullError)
    assert found.detail["path"] == "/srv/mailkeep/stores/Archive-2026-12/index/.tmpQXRWFX"


def test_sqlite_through_sqlalchemy_is_recognised_in_the_chain() -> None:
    cause = sqlite3.OperationalError("database or disk is full")
    wrapped = sqlalchemy.exc.OperationalError("INSERT ...", {}, cause)
    try:
        raise wrapped from cause
    except sqlalchemy.exc.OperationalError as exc:
        assert isinstance(recognise(exc), DiskFullError)


def test_sqlite_s_io_error_and_eio_are_disk_io_errors() -> None:
    assert isinstance(recognise(sqlite3.OperationalError("disk I/O error")), DiskIOError)
    assert isinstance(recognise(OSError(errno.EIO, "Input/output error")), DiskIOError)


def test_a_mailkeep_error_anywhere_in_the_chain_is_returned_as_is() -> None:
    cause = NotFoundError("No user bob.")
    try:
        try:
            raise cause
        except NotFoundError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as exc:
        assert recognise(exc) is cause


@pytest.mark.parametrize(
    "exc", [ValueError("bad literal"), OSError(errno.ENOENT, "No such file"), KeyError("x")]
)
def test_unexpected_failures_are_not_recognised(exc: BaseException) -> None:
    assert recognise(exc) is None
