"""Container files: appending, committed sizes, rollover, scanning damaged files."""

from __future__ import annotations

from pathlib import Path

from mailkeep.store.content.containers import (
    ContainerReader,
    ContainerWriter,
    container_path,
    list_containers,
    scan,
)
from mailkeep.store.content.records import FILE_MAGIC, RecordCodec


def _records(codec: RecordCodec, count: int) -> list[bytes]:
    return [codec.seal_entries([{"op": "remove", "id": i}]) for i in range(count)]


def test_uncommitted_tail_is_cut_on_resume(tmp_path: Path) -> None:
    codec = RecordCodec(b"k" * 32)
    writer = ContainerWriter.resume(tmp_path, {}, 1 << 20)
    first = [writer.append(r) for r in _records(codec, 3)]
    committed = writer.sync()
    writer.append(codec.seal_entries([{"op": "remove", "id": 99}]))  # never synced/committed
    writer.sync()
    writer.close()
    resumed = ContainerWriter.resume(tmp_path, committed, 1 << 20)
    resumed.close()
    assert container_path(tmp_path, 1).stat().st_size == committed[1]
    reader = ContainerReader(tmp_path)
    assert [reader.read(loc) for loc in first] == _records_bytes(tmp_path, first)
    reader.close()


def _records_bytes(directory: Path, locations: list) -> list[bytes]:  # type: ignore[type-arg]
    data = container_path(directory, 1).read_bytes()
    return [data[loc.offset : loc.offset + loc.length] for loc in locations]


def test_rollover_starts_new_containers_and_reports_each(tmp_path: Path) -> None:
    codec = RecordCodec(b"k" * 32)
    writer = ContainerWriter.resume(tmp_path, {}, 300)
    locations = [writer.append(r) for r in _records(codec, 10)]
    sizes = writer.sync()
    writer.close()
    assert len(list_containers(tmp_path)) > 1
    assert set(sizes) == set(list_containers(tmp_path))
    assert {loc.container for loc in locations} == set(sizes)


def test_containers_unknown_to_the_catalog_are_removed(tmp_path: Path) -> None:
    codec = RecordCodec(b"k" * 32)
    writer = ContainerWriter.resume(tmp_path, {}, 300)
    for record in _records(codec, 10):
        writer.append(record)
    writer.sync()
    writer.close()
    assert len(list_containers(tmp_path)) > 1
    ContainerWriter.resume(tmp_path, {1: len(FILE_MAGIC)}, 300).close()
    assert list_containers(tmp_path) == [1]


def test_scan_resynchronises_after_a_damaged_header(tmp_path: Path) -> None:
    codec = RecordCodec(b"k" * 32)
    writer = ContainerWriter.resume(tmp_path, {}, 1 << 20)
    locations = [writer.append(r) for r in _records(codec, 5)]
    writer.sync()
    writer.close()
    path = container_path(tmp_path, 1)
    data = bytearray(path.read_bytes())
    data[locations[2].offset + 9] ^= 0xFF  # the length field of the third record
    path.write_bytes(bytes(data))
    scanned = list(scan(path, 1))
    kinds = [r.kind is not None for r in scanned]
    assert kinds == [True, True, False, True, True]
    assert scanned[3].location == locations[3]
