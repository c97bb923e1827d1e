"""Compression dictionaries: trained on a store's own first messages, kept as records.

Small messages compress far better with a dictionary trained on similar mail (SpamAssassin
corpus: 0.40 -> about 0.32 of raw, counting the messages written before it was ready). A store
trains one from the first messages it receives, appends it as DICTIONARY records before the
first blob that uses it, and lists the records' locations in its catalog
(``meta["dictionaries"]``); ``store recover`` finds them by scanning.

Every blob compressed with a dictionary needs it, so each dictionary is kept in ``COPIES``
records: a damaged copy costs nothing while another is intact (``store verify`` reports it,
``store compact`` writes fresh copies), and a store written before copies were kept gets its
missing copies with its next write. Without any intact copy only the blobs that need that
dictionary are unreadable; the rest of the store stays readable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import zstandard

from mailkeep.store.catalog.base import Catalog
from mailkeep.store.content.containers import (
    ContainerReader,
    ContainerWriter,
    Location,
)
from mailkeep.store.content.records import CorruptRecordError, RecordCodec

SAMPLES = 500
SAMPLE_BYTES = 16 * 1024
SIZE = 256 * 1024
META_KEY = "dictionaries"
COPIES = 2
log = logging.getLogger(__name__)


def encode_locations(locations: Sequence[Location]) -> str:
    """The catalog value listing dictionary records."""
    return json.dumps([[loc.container, loc.offset, loc.length] for loc in locations])


def locations(catalog: Catalog) -> list[Location]:
    """Where a store's dictionary records are, per its catalog."""
    text = catalog.get_meta(META_KEY)
    return [Location(*item) for item in json.loads(text)] if text else []


@dataclass
class Loaded:
    """What opening a store's dictionaries found."""

    damaged: list[tuple[Location, str]] = field(default_factory=list)
    # One sealed record of each intact dictionary with fewer than COPIES intact copies.
    short: list[bytes] = field(default_factory=list)


def load(catalog: Catalog, reader: ContainerReader, codec: RecordCodec) -> Loaded:
    """Register every intact dictionary of a store with its codec (the newest one for writing).

    A damaged copy is skipped and reported, never fatal: blobs that need no dictionary, or a
    dictionary with another intact copy, stay readable."""
    loaded = Loaded()
    intact: dict[int, tuple[bytes, int]] = {}  # dictionary id -> (a sealed record, copies)
    for location in locations(catalog):
        try:
            record = reader.read(location)
            _kind, plain = codec.open_record(record)
        except (CorruptRecordError, OSError) as exc:
            log.error("compression dictionary record at %s is damaged: %s", location, exc)
            loaded.damaged.append((location, str(exc)))
            continue
        dict_id = zstandard.ZstdCompressionDict(plain).dict_id()
        if dict_id not in intact:
            codec.use_dictionary(plain)
        first, copies = intact.get(dict_id, (record, 0))
        intact[dict_id] = (first, copies + 1)
    loaded.short = [record for record, copies in intact.values() if copies < COPIES]
    return loaded


def copy_intact(
    catalog: Catalog, reader: ContainerReader, codec: RecordCodec, writer: ContainerWriter
) -> list[Location]:
    """Append COPIES fresh copies of every intact dictionary to ``writer`` (compaction);
    damaged copies are left behind."""
    records: dict[int, bytes] = {}
    for location in locations(catalog):
        try:
            record = reader.read(location)
            _kind, plain = codec.open_record(record)
        except (CorruptRecordError, OSError):
            continue
        records.setdefault(zstandard.ZstdCompressionDict(plain).dict_id(), record)
    return [writer.append(record) for record in records.values() for _ in range(COPIES)]


class Trainer:
    """Collects samples from the first messages and trains the store's dictionary once.

    Training takes a few tenths of a second, so it runs in a background thread while batches
    keep being written without a dictionary; the first batch after it finishes writes it.
    """

    def __init__(self, samples: int = SAMPLES, top_up: Sequence[bytes] = ()) -> None:
        self._top_up = list(top_up)  # sealed dictionaries short of COPIES copies
        self._wanted = samples
        self._samples: list[bytes | bytearray | memoryview] = []
        self._training: Future[bytes | None] | None = None

    def offer(
        self, raws: Sequence[bytes], codec: RecordCodec, writer: ContainerWriter, catalog: Catalog
    ) -> dict[str, str]:
        """Take samples; once a trained dictionary is ready, append its record and start using
        it. Returns the catalog meta values to commit with the batch (or nothing)."""
        if self._top_up:
            records, self._top_up = self._top_up, []
            added = [writer.append(record) for record in records for _ in range(COPIES - 1)]
            return {META_KEY: encode_locations([*locations(catalog), *added])}
        if codec.dictionary_id:
            return {}
        if self._training is None:
            self._samples.extend(raw[:SAMPLE_BYTES] for raw in raws)
            if len(self._samples) >= self._wanted:
                samples, self._samples = self._samples, []
                self._training = _TRAINERS.submit(_train, samples)
            return {}
        if not self._training.done():
            return {}
        trained, self._training = self._training.result(), None
        if trained is None:
            return {}  # too little variety to train on; blobs stay dictionary-less
        record = codec.seal_dictionary(trained)
        added = [writer.append(record) for _ in range(COPIES)]
        codec.use_dictionary(trained)
        return {META_KEY: encode_locations([*locations(catalog), *added])}

    def wait(self) -> None:
        """Block until a running training has finished (tests, orderly shutdown)."""
        if self._training is not None:
            self._training.result()


_TRAINERS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zstd-dictionary")


def _train(samples: list[bytes | bytearray | memoryview]) -> bytes | None:
    try:
        # Fixed cover parameters: one training pass (about 0.05 s instead of 0.3 s for a
        # search over parameters, about as good), so fewer blobs are written before it is ready.
        return zstandard.train_dictionary(SIZE, samples, k=1024, d=8).as_bytes()
    except zstandard.ZstdError:
        return None
