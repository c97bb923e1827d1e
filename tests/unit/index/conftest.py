"""Fixtures: the hand-made corpus in a real TantivyIndex."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from index_corpus import CORPUS

from mailkeep.index.tantivy_index import TantivyIndex


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TantivyIndex]:
    """A committed, read-only index of CORPUS (shared by the tests of a module)."""
    path = tmp_path_factory.mktemp("corpus") / "index"
    with TantivyIndex.open(path, writable=True) as writer:
        writer.add(CORPUS)
        writer.commit()
    index = TantivyIndex.open(path, writable=False)
    yield index
    index.close()


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    """A fresh directory for an index."""
    return tmp_path / "index"
