"""The benchmark corpus generator: parseable, deterministic messages."""

from __future__ import annotations

import email
import email.policy
import hashlib
import importlib.util
import mailbox
import sys
from pathlib import Path
from types import ModuleType

CORPUS_PY = Path(__file__).resolve().parents[3] / "bench" / "corpus.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mailkeep_bench_corpus", CORPUS_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load()


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for file in sorted(folder.iterdir()):
        h.update(file.name.encode())
        h.update(file.read_bytes())
    return h.hexdigest()


def test_maildir_messages_parse_and_are_deterministic(tmp_path: Path) -> None:
    stats = corpus.write_maildir(tmp_path / "a", 50, seed=7)
    corpus.write_maildir(tmp_path / "b", 50, seed=7)
    corpus.write_maildir(tmp_path / "c", 50, seed=8)

    files = sorted((tmp_path / "a" / "cur").iterdir())
    assert len(files) == 50 == stats.count
    assert sum(f.stat().st_size for f in files) == stats.bytes
    for file in files:
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        assert not message.defects, file.name
        assert message["Message-ID"] and message["Date"] and message["From"]
        assert str(message["Subject"])
        for part in message.walk():
            if part.get_content_maintype() == "text":
                assert isinstance(part.get_content(), str)
    assert _digest(tmp_path / "a" / "cur") == _digest(tmp_path / "b" / "cur")
    assert _digest(tmp_path / "a" / "cur") != _digest(tmp_path / "c" / "cur")


def test_mbox_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "bench.mbox"
    stats = corpus.write_mbox(path, 50, seed=3)
    box = mailbox.mbox(str(path), create=False)
    try:
        messages = list(box)
    finally:
        box.close()
    for message in messages:
        assert message["Message-ID"]
    assert len(messages) == stats.count == 50
    assert corpus.write_mbox(tmp_path / "again.mbox", 50, seed=3).bytes == stats.bytes
    assert (tmp_path / "again.mbox").read_bytes() == path.read_bytes()
