"""What the index stores (bounded, compressed snippet prefixes) and schema version upgrades."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import tantivy
from index_corpus import CORPUS, make_doc

from mailkeep.index.schema import (
    STORED_LIMITS,
    build_schema,
    join_snippet_texts,
    register_analyzers,
    stored_prefix,
    to_tantivy,
)
from mailkeep.index.snippet_codec import (
    DICTIONARY_FILE,
    TRAIN_DOCS,
    SnippetCodec,
    deflate_legacy,
)
from mailkeep.index.tantivy_index import (
    REBUILD_FILE,
    VERSION_FILE,
    IndexVersionError,
    TantivyIndex,
)

BODY_LIMIT = STORED_LIMITS["body"]


def ids(index: TantivyIndex, query: str) -> set[int]:
    return {hit.entry_id for hit in index.search(query, None, limit=1000).hits}


# --- stored prefixes ---------------------------------------------------------------------


def test_short_text_is_stored_whole() -> None:
    assert stored_prefix("short text", 100) == "short text"
    assert stored_prefix("", 100) == ""


def test_prefix_is_bounded_and_does_not_cut_a_word() -> None:
    text = "word " * 1000
    prefix = stored_prefix(text, 102)
    assert len(prefix) <= 102
    assert text.startswith(prefix)
    assert prefix.endswith("word")


def test_prefix_of_one_long_word_is_cut_at_the_limit() -> None:
    assert stored_prefix("x" * 500, 100) == "x" * 100


def test_pack_round_trip(tmp_path: Path) -> None:
    texts = {
        "body": "Hello\x00there — ünïcödé 東京 \udcff",
        "attachment_text": "",
        "subject": "Re: the plan",
    }
    codec = SnippetCodec(tmp_path)
    unpacked = codec.unpack(codec.pack(join_snippet_texts(texts)))
    assert unpacked == {"body": "Hello there — ünïcödé 東京 ?", "subject": "Re: the plan"}


def test_pack_stores_only_prefixes_compressed(tmp_path: Path) -> None:
    body = "The quarterly budget meeting moves to Monday. " * 2000
    codec = SnippetCodec(tmp_path)
    packed = codec.pack(join_snippet_texts({"body": body, "subject": "budget"}))
    assert len(packed) < 1000  # 92,000 characters in, a few hundred bytes stored
    unpacked = codec.unpack(packed)
    assert body.startswith(unpacked["body"])
    assert BODY_LIMIT - 40 <= len(unpacked["body"]) <= BODY_LIMIT


@pytest.mark.parametrize("value", [None, b"", b"not zstd at all \xff\xfe", 7])
def test_unpack_of_missing_or_damaged_value_is_empty(tmp_path: Path, value: object) -> None:
    assert SnippetCodec(tmp_path).unpack(value) == {}
    assert SnippetCodec(tmp_path, legacy=True).unpack(value) == {}


def _texts(n: int) -> bytes:
    rng = random.Random(n)
    words = ["budget", "meeting", "Monday", "report", "invoice", "kind regards", "the", "a"]
    body = " ".join(rng.choices(words, k=120)) + f" number {n}"
    return join_snippet_texts({"body": body, "subject": f"Re: report {n}"})


def test_dictionary_is_trained_on_the_first_documents_and_shared(tmp_path: Path) -> None:
    writer = SnippetCodec(tmp_path)
    reader = SnippetCodec(tmp_path)  # opened before the dictionary exists (another process)
    early = [writer.pack(_texts(n)) for n in range(TRAIN_DOCS - 1)]
    assert not (tmp_path / DICTIONARY_FILE).exists()
    late = [writer.pack(_texts(n)) for n in range(TRAIN_DOCS - 1, TRAIN_DOCS + 50)]
    assert (tmp_path / DICTIONARY_FILE).exists()
    assert sum(map(len, late)) < sum(map(len, early[-51:]))  # the dictionary pays
    for n, value in enumerate(early + late):
        assert reader.unpack(value)["subject"] == f"Re: report {n}"
    reopened = SnippetCodec(tmp_path)
    assert reopened.unpack(late[-1])["subject"] == f"Re: report {TRAIN_DOCS + 49}"
    assert reopened.unpack(reopened.pack(_texts(7))) == reader.unpack(early[7])


def test_version_2_values_are_still_read(tmp_path: Path) -> None:
    legacy = SnippetCodec(tmp_path, legacy=True)
    assert legacy.unpack(deflate_legacy(_texts(3)))["subject"] == "Re: report 3"
    with pytest.raises(ValueError, match="read-only"):
        legacy.pack(_texts(3))


# --- snippets from the stored prefix -----------------------------------------------------


def test_match_inside_and_past_the_stored_prefix(index_path: Path) -> None:
    filler = "lorem ipsum dolor " * (BODY_LIMIT // 9)
    body = "Opening line about apples. " + filler + "the hidden zebra paragraph"
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add([make_doc(1, body=body, subject="Fruit news")])
        index.commit()
        (hit,) = index.search("apples", None).hits
        assert "<b>apples</b>" in hit.snippet
        # Found through the whole body, but the snippet falls back to the stored start.
        (hit,) = index.search('"hidden zebra"', None).hits
        assert hit.entry_id == 1
        assert "<b>" not in hit.snippet
        assert hit.snippet.startswith("Opening line about apples.")
        assert hit.snippet.endswith("…")
        # A word of the subject is highlighted there even when the body is long.
        (hit,) = index.search("zebra fruit", None).hits
        assert "<b>Fruit</b>" in hit.snippet


def test_long_attachment_text_is_searchable_past_its_prefix(index_path: Path) -> None:
    text = "spreadsheet cells " * 2000 + " ocelot"
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add([make_doc(1, attachment_text=text, has_attachment=True)])
        index.commit()
        assert ids(index, "attachment:ocelot") == {1}
        (hit,) = index.search("ocelot", None).hits
        assert hit.snippet.startswith("spreadsheet cells")


def test_stored_text_of_long_mail_is_bounded(index_path: Path) -> None:
    words = [f"w{n:x}" for n in range(20_000)]
    bodies = [" ".join(random.Random(i).choices(words, k=10_000)) for i in range(20)]
    with TantivyIndex.open(index_path, writable=True) as index:
        index.add([make_doc(i, body=body) for i, body in enumerate(bodies)])
        index.commit()
        assert ids(index, words[-1]) == {i for i, body in enumerate(bodies) if words[-1] in body}
    stored = sum(f.stat().st_size for f in index_path.glob("*.store"))
    assert stored < 20 * BODY_LIMIT  # not the ~65 KB of each body


# --- schema versions -----------------------------------------------------------------------


def _old_index(path: Path, version: str | None) -> None:
    """An index of another schema in ``path``, marked with ``version`` (None: no marker)."""
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("stored_body", stored=True)
    index = tantivy.Index(sb.build(), path=str(path.resolve()), reuse=False)
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    writer.add_document(tantivy.Document(stored_body="old mail"))
    writer.commit()
    writer.wait_merging_threads()
    if version is not None:
        (path / VERSION_FILE).write_text(f"{version}\n")


def test_new_index_needs_no_rebuild(index_path: Path) -> None:
    with TantivyIndex.open(index_path, writable=True) as index:
        assert not index.needs_rebuild
    with TantivyIndex.open(index_path, writable=False) as index:
        assert not index.needs_rebuild


@pytest.mark.parametrize("version", ["1", None])
def test_outdated_index_read_only_asks_for_rebuild(index_path: Path, version: str | None) -> None:
    index_path.mkdir()
    _old_index(index_path, version)
    with pytest.raises(IndexVersionError, match="mailkeep store rebuild-index") as info:
        TantivyIndex.open(index_path, writable=False)
    assert info.value.code == "index_version"


@pytest.mark.parametrize("version", ["1", None])
def test_outdated_index_opened_writable_is_replaced(
    index_path: Path, version: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    index_path.mkdir()
    _old_index(index_path, version)
    with TantivyIndex.open(index_path, writable=True) as index:
        assert index.needs_rebuild
        assert index.count() == 0
        index.add([make_doc(1, subject="new mail")])
        index.commit()
        assert ids(index, "new") == {1}
        assert index.needs_rebuild  # adding is not rebuilding
    assert "rebuild-index" in caplog.text
    # The flag survives reopening (until a rebuild), and the replaced index is readable.
    with TantivyIndex.open(index_path, writable=False) as reader:
        assert reader.needs_rebuild
        assert ids(reader, "new") == {1}
    with TantivyIndex.open(index_path, writable=True) as index:
        assert index.needs_rebuild
        index.clear()
        index.add(CORPUS)
        assert index.needs_rebuild  # not before the commit
        index.commit()
        assert not index.needs_rebuild
        assert index.count() == len(CORPUS)
    assert not (index_path / REBUILD_FILE).exists()
    with TantivyIndex.open(index_path, writable=False) as reader:
        assert not reader.needs_rebuild


def test_rebuild_flag_survives_an_uncommitted_clear(index_path: Path) -> None:
    index_path.mkdir()
    _old_index(index_path, "1")
    with TantivyIndex.open(index_path, writable=True) as index:
        index.clear()  # closed without commit: the rebuild did not happen
    with TantivyIndex.open(index_path, writable=True) as index:
        assert index.needs_rebuild
        index.commit()  # a commit without a clear is not a rebuild either
        assert index.needs_rebuild


def _version_2_index(path: Path) -> None:
    """An index as schema version 2 wrote it: same fields, deflated snippet texts."""
    index = tantivy.Index(build_schema(), path=str(path.resolve()), reuse=False)
    register_analyzers(index)
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    doc = make_doc(1, body="The walrus budget is approved.", subject="Walrus budget")
    writer.add_document(to_tantivy(doc, index.schema, deflate_legacy))
    writer.commit()
    writer.wait_merging_threads()
    (path / VERSION_FILE).write_text("2\n")


def test_version_2_index_is_searched_read_only_and_replaced_on_write(index_path: Path) -> None:
    index_path.mkdir()
    _version_2_index(index_path)
    with TantivyIndex.open(index_path, writable=False) as reader:
        (hit,) = reader.search("walrus", None).hits
        assert "<b>walrus</b>" in hit.snippet
        assert not reader.needs_rebuild
    with TantivyIndex.open(index_path, writable=True) as index:
        assert index.needs_rebuild
        assert index.count() == 0
