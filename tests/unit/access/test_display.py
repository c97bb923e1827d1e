"""What the ``visible`` filter shows for invisible and direction-changing characters."""

from __future__ import annotations

import pytest

from mailkeep.access.web.display import visible


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("invoice\u202efdp.exe", "invoice⟨U+202E⟩fdp.exe"),  # right-to-left override
        ("pay\u2066pal\u2069", "pay⟨U+2066⟩pal⟨U+2069⟩"),  # isolates
        ("a\u200b\u200c\u200d\u2060b", "a⟨U+200B⟩⟨U+200C⟩⟨U+200D⟩⟨U+2060⟩b"),  # zero-width
        ("\ufeffbom\u200e\u200f\u061c", "⟨U+FEFF⟩bom⟨U+200E⟩⟨U+200F⟩⟨U+061C⟩"),  # marks
        ("line\u2028break\x1b[31m", "line⟨U+2028⟩break⟨U+001B⟩[31m"),  # separators, controls
        ("tag\U000e0041", "tag⟨U+E0041⟩"),
        ("tab\tkept", "tab\tkept"),
        ("שלום עולם", "שלום עולם"),  # right-to-left script itself is fine
        ("Grüße\u00a0aus Köln", "Grüße\u00a0aus Köln"),
    ],
)
def test_visible(raw: str, shown: str) -> None:
    assert visible(raw) == shown
