"""One bad byte in a store's compression dictionary, met as an administrator meets it: the real
``mailkeep store verify`` names the damaged record and the affected messages (text and JSON),
messages stay readable while another copy is intact, and ``store compact`` repairs the copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailkeep.ingest.service import import_source
from mailkeep.runtime import Runtime
from mailkeep.store import dictionaries
from mailkeep.store.content.containers import Location, container_path
from tests.conftest import MakeMessage, source_of
from tests.integration.test_cli import mk

MESSAGES = 100
FIRST, LAST = "1-1", f"1-{MESSAGES}"  # entry ids count from 1


@pytest.fixture
def raws(data_dir: Path, make_message: MakeMessage, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """A store whose later messages are compressed with a trained dictionary."""
    monkeypatch.setattr(dictionaries, "SAMPLES", 40)
    made = [
        make_message(n, body=f"Dear team, item {n} of the weekly status. " * 20)
        for n in range(MESSAGES)
    ]
    with Runtime(data_dir) as runtime:
        runtime.set_setting("ingest.batch_size", "20")
        import_source(runtime, source_of(made[:60]), "alice")
        runtime.stores.open(1).trainer.wait()  # the next batch writes it and uses it
        import_source(runtime, source_of(made[60:]), "alice")
    return made


def _copies(data_dir: Path) -> list[Location]:
    with Runtime(data_dir) as runtime:
        return dictionaries.locations(runtime.stores.open(1).catalog)


def _flip(data_dir: Path, location: Location) -> None:
    path = container_path(
        data_dir / "stores" / _store_dir(data_dir) / "content", location.container
    )
    data = bytearray(path.read_bytes())
    data[location.offset + location.length // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _store_dir(data_dir: Path) -> str:
    (only,) = [p.name for p in (data_dir / "stores").iterdir()]
    return only


def _verify(data_dir: Path) -> tuple[int, dict[str, object], str]:
    as_json = mk(data_dir, "store", "verify", "--json", ok=None)
    as_text = mk(data_dir, "store", "verify", ok=None)
    assert as_json.returncode == as_text.returncode
    return as_json.returncode, json.loads(as_json.stdout), as_text.stdout.decode()


def _raw(data_dir: Path, message_id: str) -> bytes:
    return mk(data_dir, "show", message_id, "--raw").stdout


def test_a_damaged_copy_is_reported_and_costs_no_message(data_dir: Path, raws: list[bytes]) -> None:
    copies = _copies(data_dir)
    assert len(copies) == dictionaries.COPIES
    _flip(data_dir, copies[0])

    status, report, text = _verify(data_dir)
    assert status == 1
    (problem,) = report["corrupt"]  # type: ignore[misc]
    assert problem["container"] == copies[0].container
    assert problem["offset"] == copies[0].offset
    assert "compression dictionary" in problem["reason"]
    assert problem["messages"] == []
    assert f"container {copies[0].container} at offset {copies[0].offset}" in text
    assert "no message affected" in text
    # Every message, those compressed with the dictionary included, still reads byte-exact.
    assert _raw(data_dir, LAST) == raws[-1]

    mk(data_dir, "store", "compact")
    assert _verify(data_dir)[0] == 0
    assert len(_copies(data_dir)) == dictionaries.COPIES
    assert _raw(data_dir, LAST) == raws[-1]


def test_without_any_intact_copy_only_the_messages_that_need_it_are_lost(
    data_dir: Path, raws: list[bytes]
) -> None:
    for location in _copies(data_dir):
        _flip(data_dir, location)

    status, report, text = _verify(data_dir)
    assert status == 1
    affected = sorted(
        {m for problem in report["corrupt"] for m in problem["messages"]},  # type: ignore[attr-defined]
        key=lambda m: int(m.split("-")[1]),
    )
    assert affected, "the messages compressed with the dictionary are named"
    assert FIRST not in affected and LAST in affected
    assert LAST in text
    # Messages written before the dictionary existed stay readable.
    assert _raw(data_dir, FIRST) == raws[0]
    broken = mk(data_dir, "show", LAST, "--raw", ok=False)
    assert "dictionary" in broken.stderr.decode()


def test_a_store_with_a_single_copy_gets_its_second_copy_on_the_next_write(
    data_dir: Path, raws: list[bytes], make_message: MakeMessage
) -> None:
    with Runtime(data_dir) as runtime:
        store = runtime.stores.open(1)
        first = dictionaries.locations(store.catalog)[:1]
        store.catalog.set_meta(dictionaries.META_KEY, dictionaries.encode_locations(first))
    with Runtime(data_dir) as runtime:
        import_source(runtime, source_of([make_message(MESSAGES + 1)]), "alice")
    copies = _copies(data_dir)
    assert len(copies) == dictionaries.COPIES and copies[0] == first[0]
    _flip(data_dir, copies[0])
    assert _verify(data_dir)[1]["corrupt"][0]["messages"] == []  # type: ignore[index]
