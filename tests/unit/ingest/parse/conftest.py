"""Every message tree built in the parse tests is checked against the stdlib parser.

The fast MIME parser (:mod:`mailkeep.ingest.parse.fastmime`) must either give up or build
exactly the stdlib's tree; this fixture checks that for every input any parse test feeds to
``parse_message``, so each new test adds to the proof without saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message

import pytest

from mailkeep.ingest.parse import fastmime, mime
from mailkeep.ingest.parse.defects import Defects

from .trees import stdlib_tree, tree_difference


@pytest.fixture(autouse=True)
def _fast_tree_equals_stdlib_tree(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = mime.message_tree

    def checked(raw: bytes, defects: Defects) -> Message:
        try:
            fast = fastmime.parse_bytes(raw)
        except fastmime.GiveUp:
            return original(raw, defects)
        difference = tree_difference(fast, stdlib_tree(raw))
        assert difference is None, f"fast MIME tree differs for {raw[:300]!r}: {difference}"
        return original(raw, defects)

    monkeypatch.setattr(mime, "message_tree", checked)
    yield
