"""Hostile message structure and legacy mail, imported and searched with the real CLI.

Each test builds its input in code, imports it with ``mailkeep import eml`` and checks that
the message is archived byte-exact and found by what a reader would search for.
"""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_cli import data, mk, mkjson
from tests.unit.ingest.parse.messages import LEGACY_HEADERS, legacy_header_message

__all__ = ["data"]  # the CLI fixture, shared with test_cli


def deep_multipart(levels: int) -> bytes:
    """A multipart nested ``levels`` deep, each level with a text part before the next."""
    head = (
        b"From: deep@example.com\r\nTo: alice@example.com\r\nSubject: matryoshka report\r\n"
        b"Date: Mon, 01 Jul 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
    )
    opening = [
        b"--b%d\r\nContent-Type: text/plain\r\n\r\nlevel%dword\r\n"
        b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i, i, i + 1)
        for i in range(levels)
    ]
    inner = b"--b%d\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n--b%d--\r\n" % (levels, levels)
    closing = [b"--b%d--\r\n" % i for i in reversed(range(levels))]
    return head + b"".join(opening) + inner + b"".join(closing)


def _import_one(data_dir: Path, folder: Path, name: str, raw: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(raw)
    result = mkjson(data_dir, "import", "eml", str(folder / name), "--user", "alice")
    assert result["archived"] == 1, result


def test_thousand_deep_multipart_is_searchable_by_subject_and_upper_text(
    data: Path, tmp_path: Path
) -> None:
    raw = deep_multipart(1000)
    _import_one(data, tmp_path / "in", "deep.eml", raw)
    hits = mkjson(data, "search", "subject:matryoshka")
    assert [h["subject"] for h in hits] == ["matryoshka report"]
    assert [h["id"] for h in mkjson(data, "search", "level0word")] == [hits[0]["id"]]
    assert [h["id"] for h in mkjson(data, "search", "level5word")] == [hits[0]["id"]]
    assert mk(data, "show", hits[0]["id"], "--raw").stdout == raw
    defects = mkjson(data, "show", hits[0]["id"])["defects"]
    assert any("nesting deeper" in d for d in defects), defects


def test_undeclared_8bit_headers_are_searchable_by_their_words(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "legacy"
    folder.mkdir()
    raws = {}
    for charset, subject, name, _, _, declared in LEGACY_HEADERS:
        raws[charset] = legacy_header_message(charset, subject, name, declared)
        (folder / f"{charset}.eml").write_bytes(raws[charset])
    result = mkjson(data, "import", "eml", str(folder), "--user", "alice")
    assert result["archived"] == len(LEGACY_HEADERS), result
    for charset, subject, name, subject_word, name_word, _ in LEGACY_HEADERS:
        hits = mkjson(data, "search", f"subject:{subject_word} from:{name_word}")
        assert [h["subject"] for h in hits] == [subject], charset
        assert hits[0]["from"].startswith(name), (charset, hits[0]["from"])
        assert mk(data, "show", hits[0]["id"], "--raw").stdout == raws[charset]
