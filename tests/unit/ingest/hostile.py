"""A worker task that misbehaves on marked messages (hangs or dies), for isolation tests."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace

from mailkeep.ingest.analyze import ExtractionPolicy
from mailkeep.ingest.workers import analyze_again, analyze_chunk
from mailkeep.store.model import Derived


def misbehaving_task(raws: list[bytes], policy: ExtractionPolicy) -> list[Derived]:
    """Hang forever on b"X-Test: hang", kill the worker on b"X-Test: crash"."""
    for raw in raws:
        if b"X-Test: hang" in raw:
            time.sleep(3600)
        if b"X-Test: crash" in raw:
            os._exit(9)
    return analyze_chunk(raws, policy)


def main_file_task(raws: list[bytes], policy: ExtractionPolicy) -> list[Derived]:
    """Analyse normally, reporting in the subject which main script the worker has run."""
    main_file = str(getattr(sys.modules.get("__mp_main__"), "__file__", None))
    return [replace(d, subject=main_file) for d in analyze_chunk(raws, policy)]


def dying_again(raw: bytes, policy: ExtractionPolicy, reason: str) -> Derived:
    """The second try, dying too on b"X-Test: crash"."""
    if b"X-Test: crash" in raw:
        os._exit(9)
    return analyze_again(raw, policy, reason)
