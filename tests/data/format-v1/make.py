"""Writes the committed copy of an on-disk format-1 archive store (run once per format).

    MAILKEEP_MASTER_KEY=<KEY in README.md> python tests/data/format-v1/make.py

Never regenerate the committed copy for an existing format: it exists to prove that stores
written by earlier releases stay readable.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.conftest import build_message, source_of  # noqa: E402

from mailkeep.ingest.service import import_source  # noqa: E402
from mailkeep.runtime import Runtime  # noqa: E402
from mailkeep.store.registry import StoreSpec  # noqa: E402


def main() -> None:
    raws = [
        build_message(
            n, subject=f"format one {n}", attachments=(("n.txt", "text/plain", b"okapi"),)
        )
        for n in range(5)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        with Runtime.init(Path(tmp) / "data") as runtime:
            runtime.users.create("alice")
            row = runtime.stores.create(StoreSpec(name="Format 1", path=str(Path(tmp) / "store")))
            import_source(runtime, source_of(raws, folder="Inbox/Old"), "alice")
            runtime.stores.open(row.id).move(2, "Inbox/Moved")
        target = HERE / "store"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(Path(tmp) / "store", target, ignore=shutil.ignore_patterns(".writer.lock"))
    expected = {"sha256": [hashlib.sha256(r).hexdigest() for r in raws]}
    (HERE / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")


if __name__ == "__main__":
    main()
