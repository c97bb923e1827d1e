"""Hostile message structure and legacy mail, imported and searched with the real CLI.

Each test builds its input in code, imports it with ``mailkeep import eml`` and checks that
the message is archived byte-exact and found by what a reader would search for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import build_message
from tests.integration.test_cli import data, mk, mkjson
from tests.unit.ingest.bombs import docx_bomb, flate_bomb_pdf, xlsx_bomb
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


WORKER_MEMORY_MB = 256
# Measuring a process tree's peak: the largest resident set of the CLI process and every
# process below it (its fork server and analysis workers), as RUSAGE_CHILDREN reports it
# to a parent that waited for them all.
_MEASURED = """
import json, resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, check=False)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": proc.returncode, "out": proc.stdout.decode(), "peak_kib": peak_kib}))
"""


def import_measured(data_dir: Path, folder: Path) -> tuple[dict[str, object], int]:
    """``mailkeep import eml FOLDER --json`` and the peak resident set (MiB) of its processes."""
    command = [sys.executable, "-m", "mailkeep", "--data-dir", str(data_dir)]
    command += ["import", "eml", str(folder), "--user", "alice", "--json"]
    env = {k: v for k, v in os.environ.items() if k not in ("MAILKEEP_HOME", "RUST_BACKTRACE")}
    wrapper = subprocess.run(
        [sys.executable, "-c", _MEASURED, *command], capture_output=True, env=env, check=True
    )
    report = json.loads(wrapper.stdout)
    assert report["rc"] == 0, report
    return json.loads(report["out"]), report["peak_kib"] >> 10


def test_hostile_attachments_cost_bounded_memory_and_the_mail_stays_findable(
    data: Path, tmp_path: Path
) -> None:
    mk(data, "config", "set", "ingest.worker_memory_mb", str(WORKER_MEMORY_MB))
    inflated = 150 << 20  # each attachment below is under 500 KB and unpacks to 150 MB
    office = build_message(1, subject="Office bomb memo", attachments=(
        ("minutes.docx", "application/octet-stream", docx_bomb(inflated)),
        ("notes.txt", "text/plain", b"giraffe notes\n"),
    ))  # fmt: skip
    native = build_message(2, subject="Native bomb memo", attachments=(
        ("scan.pdf", "application/pdf", flate_bomb_pdf(inflated)),
        ("figures.xlsx", "application/octet-stream", xlsx_bomb(inflated)),
        ("notes.txt", "text/plain", b"okapi notes\n"),
    ))  # fmt: skip
    folder = tmp_path / "bombs"
    folder.mkdir()
    (folder / "office.eml").write_bytes(office)
    (folder / "native.eml").write_bytes(native)
    result, peak_mib = import_measured(data, folder)
    assert result["archived"] == 2 and result["failed"] == 0, result
    # the workers' cap plus what a process maps from files; uncapped, this peaked past 2 GB
    assert peak_mib < WORKER_MEMORY_MB + 96, peak_mib
    for subject, word, raw in (("Office", "giraffe", office), ("Native", "okapi", native)):
        hits = mkjson(data, "search", f"subject:{subject} subject:bomb")
        assert [h["subject"] for h in hits] == [f"{subject} bomb memo"]
        assert [h["id"] for h in mkjson(data, "search", f"attachment:{word}")] == [hits[0]["id"]]
        assert mk(data, "show", hits[0]["id"], "--raw").stdout == raw
        defects = mkjson(data, "show", hits[0]["id"])["defects"]
        # the docx fails alone (MemoryError); PDFium and calamine abort their worker instead,
        # so that message is analysed again with plain-text attachments only
        assert any(
            "minutes.docx: not indexed" in d and "memory" in d
            if subject == "Office"
            else "worker failed" in d
            for d in defects
        ), defects
