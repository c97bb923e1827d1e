"""Append-only container files holding a store's records.

Durability rules: records are appended to the open container and become durable only at
``sync()`` (flush + fsync of the file, and of the directory when a container was created). The
caller records each container's synced size in the store's catalog in the same transaction as
the metadata that points into it; on the next open for writing, bytes past that committed size
(records of a batch that was never reported as archived) are cut off, so a crash never leaves a
half-written record behind. Containers are never rewritten in place: compaction writes new
containers and removes old ones only after the catalog points at the new locations.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mailkeep.store.content.records import (
    FILE_MAGIC,
    HEADER_SIZE,
    RECORD_MAGIC,
    CorruptRecordError,
    RecordKind,
    parse_header,
)

SUFFIX = ".mkc"
DEFAULT_MAX_CONTAINER_BYTES = 1 << 30


@dataclass(frozen=True)
class Location:
    """Where one record lives: container number, byte offset of its header, total length."""

    container: int
    offset: int
    length: int


def container_path(directory: Path, number: int) -> Path:
    """The file of container ``number``."""
    return directory / f"{number:06d}{SUFFIX}"


def list_containers(directory: Path) -> list[int]:
    """Numbers of the container files in a content directory, ascending."""
    return sorted(int(p.stem) for p in directory.glob(f"*{SUFFIX}") if p.stem.isdigit())


def fsync_dir(directory: Path) -> None:
    """Make a file creation, rename or removal in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create(directory: Path, number: int) -> BinaryIO:
    handle = container_path(directory, number).open("xb")
    handle.write(FILE_MAGIC)
    return handle


class ContainerWriter:
    """Appends records to the newest container, starting a new one past a size limit."""

    def __init__(self, directory: Path, number: int, handle: BinaryIO, max_bytes: int) -> None:
        self._dir = directory
        self._max = max_bytes
        self._dirty_dir = True
        self._touched: dict[int, int] = {}
        self._number = number
        self._file = handle
        self._size = handle.tell()

    @classmethod
    def resume(cls, directory: Path, committed: dict[int, int], max_bytes: int) -> ContainerWriter:
        """Continue the newest committed container after cutting off uncommitted bytes.

        Containers the catalog does not list hold only uncommitted records and are removed.
        """
        number = max(committed, default=1)
        for other in list_containers(directory):
            if other > number or (committed and other not in committed):
                container_path(directory, other).unlink()
        path = container_path(directory, number)
        if not path.exists():
            return cls(directory, number, _create(directory, number), max_bytes)
        handle = path.open("r+b")
        size = committed.get(number, len(FILE_MAGIC))
        if handle.seek(0, os.SEEK_END) != size:
            handle.truncate(size)
            os.fsync(handle.fileno())
        handle.seek(size)
        return cls(directory, number, handle, max_bytes)

    @classmethod
    def fresh(cls, directory: Path, number: int, max_bytes: int) -> ContainerWriter:
        """Start writing a new container ``number`` (compaction), touching no other file."""
        return cls(directory, number, _create(directory, number), max_bytes)

    @property
    def current(self) -> int:
        """Number of the container being appended to."""
        return self._number

    def append(self, record: bytes) -> Location:
        """Buffer a record; its location is final, its durability comes with ``sync``."""
        if self._size + len(record) > self._max and self._size > len(FILE_MAGIC):
            self._rollover()
        location = Location(self._number, self._size, len(record))
        self._file.write(record)
        self._size += len(record)
        return location

    def sync(self) -> dict[int, int]:
        """Make everything appended durable; returns {container: size} for each container written
        since the last sync, for the caller to record as committed."""
        self._file.flush()
        os.fsync(self._file.fileno())
        if self._dirty_dir:
            fsync_dir(self._dir)
            self._dirty_dir = False
        self._touched[self._number] = self._size
        touched, self._touched = self._touched, {}
        return touched

    def _rollover(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._touched[self._number] = self._size
        self._file.close()
        self._number += 1
        self._file = _create(self._dir, self._number)
        self._dirty_dir = True
        self._size = len(FILE_MAGIC)

    def close(self) -> None:
        """Close the file; unsynced records are lost (they were never reported archived)."""
        self._file.close()


class ContainerReader:
    """Random access to records by location; keeps one descriptor per container open."""

    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._fds: dict[int, int] = {}

    def read(self, location: Location) -> bytes:
        """The complete record bytes at ``location``; raises CorruptRecordError if absent."""
        fd = self._fds.get(location.container)
        if fd is None:
            try:
                fd = os.open(container_path(self._dir, location.container), os.O_RDONLY)
            except FileNotFoundError as exc:
                raise CorruptRecordError(f"container {location.container} is missing") from exc
            self._fds[location.container] = fd
        data = os.pread(fd, location.length, location.offset)
        if len(data) != location.length:
            raise CorruptRecordError(
                f"record at {location.container}:{location.offset} is truncated"
            )
        return data

    def close(self) -> None:
        """Close every descriptor."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


@dataclass(frozen=True)
class ScannedRecord:
    """A record met while scanning a container file, or a damaged region (``kind`` None)."""

    location: Location
    kind: RecordKind | None
    record: bytes


def scan(path: Path, number: int, chunk: int = 1 << 20) -> Iterator[ScannedRecord]:
    """Walk a container file record by record.

    A damaged region (bad header, or a record running past the end of the file) is yielded as a
    record with ``kind=None`` covering the bytes up to the next record magic, so one bad byte
    costs one record, not the rest of the file.
    """
    with path.open("rb") as handle:
        data = handle.read(len(FILE_MAGIC))
        if data != FILE_MAGIC:
            yield ScannedRecord(Location(number, 0, len(data)), None, data)
        offset = len(data)
        size = path.stat().st_size
        while offset < size:
            handle.seek(offset)
            head = handle.read(HEADER_SIZE)
            parsed = parse_header(head)
            if parsed is not None and offset + HEADER_SIZE + parsed[1] <= size:
                body = handle.read(parsed[1])
                length = HEADER_SIZE + parsed[1]
                yield ScannedRecord(Location(number, offset, length), parsed[0], head + body)
                offset += length
                continue
            end = _next_magic(handle, offset + 1, size, chunk)
            yield ScannedRecord(Location(number, offset, end - offset), None, b"")
            offset = end


def _next_magic(handle: BinaryIO, start: int, size: int, chunk: int) -> int:
    """Offset of the next record magic at or after ``start``, or the file size."""
    position = start
    while position < size:
        handle.seek(position)
        data = handle.read(chunk + len(RECORD_MAGIC))
        found = data.find(RECORD_MAGIC)
        if found >= 0:
            return position + found
        position += chunk
    return size
