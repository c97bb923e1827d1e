"""Ordering hits by sender, subject and size in the index, and paging through that order."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.index.index_corpus import make_doc

from mailkeep.errors import InvalidInputError
from mailkeep.index.model import SortOrder
from mailkeep.index.sortkeys import KEY_LIMIT, sender_key, sort_number, subject_key
from mailkeep.index.tantivy_index import VERSION_FILE, TantivyIndex

SENDERS = ["carol@example.com", '"Bob Builder" <bob@example.org>', "alice <a@example.net>"]
SUBJECTS = ["Re: zebra", "AW: Fwd: apple", "mango"]


@pytest.fixture
def index(index_path: Path) -> TantivyIndex:
    index = TantivyIndex.open(index_path, writable=True)
    # Two commits: the order must hold across segments too.
    for n in range(12):
        index.add([make_doc(n + 1, sender=SENDERS[n % 3], subject=SUBJECTS[n % 3],
                            size=1000 + 7 * ((n * 5) % 12), body="common")])  # fmt: skip
        if n == 5:
            index.commit()
    index.commit()
    return index


def _order(index: TantivyIndex, sort: SortOrder) -> list[str | int | float | None]:
    return [hit.sort_key for hit in index.search("common", None, sort, 50).hits]


def _texts(index: TantivyIndex, sort: SortOrder) -> list[str]:
    """The sort texts of the hits in the order the index returned them."""
    texts = {
        "sender": [sender_key(s) for s in SENDERS],
        "subject": [subject_key(s) for s in SUBJECTS],
    }
    table = texts[sort.removesuffix("-desc")]
    return [table[(hit.entry_id - 1) % 3] for hit in index.search("common", None, sort, 50).hits]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("sender", ["alice"] * 4 + ["bob builder"] * 4 + ["carol@example.com"] * 4),
        ("sender-desc", ["carol@example.com"] * 4 + ["bob builder"] * 4 + ["alice"] * 4),
        ("subject", ["apple"] * 4 + ["mango"] * 4 + ["zebra"] * 4),
        ("subject-desc", ["zebra"] * 4 + ["mango"] * 4 + ["apple"] * 4),
    ],
)
def test_sorted_by_text(index: TantivyIndex, sort: SortOrder, expected: list[str]) -> None:
    assert _texts(index, sort) == expected


def test_sorted_by_size_both_ways(index: TantivyIndex) -> None:
    sizes = [1000 + 7 * ((n * 5) % 12) for n in range(12)]
    assert _order(index, "size") == sorted(sizes)
    assert _order(index, "size-desc") == sorted(sizes, reverse=True)


@pytest.mark.parametrize("sort", ["sender", "subject-desc", "size", "date"])
def test_pages_follow_one_order(index: TantivyIndex, sort: SortOrder) -> None:
    """Pages of 5 put together are the whole list in order: no entry twice, none left out."""
    whole = [h.entry_id for h in index.search("common", None, sort, 50).hits]
    paged = [h.entry_id for o in (0, 5, 10) for h in index.search("common", None, sort, 5, o).hits]
    assert paged == whole
    assert sorted(paged) == list(range(1, 13))


def test_older_index_refuses_text_sort_with_a_clear_message(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add([make_doc(1, body="common")])
        index.commit()
    (index_path / VERSION_FILE).write_text("3\n")  # as the previous release marked it
    with TantivyIndex.open(index_path, writable=False) as reader:
        assert len(reader.search("common", None, "size").hits) == 1
        with pytest.raises(InvalidInputError, match="rebuild-index"):
            reader.search("common", None, "sender")


def test_sort_numbers_follow_the_texts() -> None:
    texts = ["", "1abc", "ab", "abc", "abd", "b", "zed", "иван", "пётр", "яков", "ωμέγα", "東京"]
    assert sorted(texts, key=sort_number) == texts
    assert sort_number("ábc") == sort_number("abc")  # accents do not count
    assert sort_number("microsoft teams") == sort_number("microsoft outlook")  # the prefix
    assert all(0 <= sort_number(t) < 2**63 for t in texts)


def test_sort_keys() -> None:
    assert sender_key('"Müller, Hans" <h@example.de>') == "müller, hans"
    assert sender_key("bob@example.org") == "bob@example.org"
    assert subject_key("Re: AW: Fwd:  Budget   2024") == "budget 2024"
    assert subject_key("Re[2]: Ready: go") == "ready: go"
    assert len(subject_key("x" * 10_000)) == KEY_LIMIT


def test_offset_past_the_end_counts_without_reserving_room(index: TantivyIndex) -> None:
    """A page number far past the end (2e9 hits) once made tantivy abort the whole process."""
    page = index.search("common", None, "sender", 50, 2_000_000_000)
    assert page.hits == []
    assert page.total == 12
