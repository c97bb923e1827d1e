"""What ``mailkeep import`` prints after a run: counts, what was skipped and how to include it,
and failures (grouped by user for bulk imports, where one missing user fails every message).
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from mailkeep.access.cli.output import console
from mailkeep.sources.tree import SKIP_EXTENSION, SKIP_LINK, SKIP_LOOP, SKIP_OUTSIDE, SkippedFiles

if TYPE_CHECKING:
    from mailkeep.ingest.pipeline import ImportResult

FAILURES_SHOWN = 20  # failure lines printed as text (JSON lists them all)
_UNKNOWN_USER = "unknown user"  # the pipeline's reason for a message whose user does not exist

_WHY = {
    SKIP_EXTENSION: "file(s) without the extension {extensions}",
    SKIP_LINK: "symbolic link(s), not followed",
    SKIP_OUTSIDE: "symbolic link(s) to outside the folder or to nothing, never followed",
    SKIP_LOOP: "symbolic link(s) to a folder that contains them, not followed again",
}


def skipped_report(skipped: SkippedFiles, extensions: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each reason for skipping with its count, example names, explanation and the option
    that includes those files (``hint``, empty when nothing can)."""
    shown = ", ".join(extensions)
    return [
        {
            **entry,
            "explanation": _WHY.get(entry["reason"], entry["reason"]).format(extensions=shown),
            "hint": _hint(entry["reason"], entry["examples"]),
        }
        for entry in skipped.as_list()
    ]


def _hint(reason: str, examples: list[str]) -> str:
    if reason == SKIP_LINK:
        return "--follow-links follows links to files and folders inside the imported folder"
    if reason != SKIP_EXTENSION:
        return ""
    suffixes = Counter(_suffix(name) for name in examples)
    common = [s for s, _ in suffixes.most_common(3) if s]
    also = " ".join(f"--extension {s}" for s in common)
    return (f"add {also} (with --extension .eml to keep those), or " if also else "") + (
        "--all-files to import every file (maildir files have no extension)"
    )


def _suffix(name: str) -> str:
    """A file's extension if it looks like one (``.txt``), else "" (maildir ``…:2,S`` names)."""
    suffix = PurePosixPath(name).suffix.lower()
    return suffix if 1 < len(suffix) <= 6 and suffix[1:].isalnum() else ""


def failures_by_user(result: ImportResult) -> list[dict[str, Any]]:
    """Bulk-import failures as one entry per user and reason: ``{"user", "count", "reason",
    "step"}``, users in name order (the user is the first part of each source id)."""
    groups: Counter[tuple[str, str, str]] = Counter()
    for failure in result.failures:
        user = failure["source_id"].partition("/")[0]
        groups[user, failure.get("step", ""), failure["reason"]] += 1
    return [
        {"user": user, "count": count, "reason": reason, "step": step}
        for (user, step, reason), count in sorted(groups.items())
    ]


def print_skipped(report: list[dict[str, Any]]) -> None:
    """One line per reason: how many, why, a few names, and how to include them."""
    for entry in report:
        names = ", ".join(entry["examples"][:3])
        more = ", …" if entry["count"] > 3 else ""
        line = f"skipped {entry['count']} {entry['explanation']}: {names}{more}"
        console.print(line, markup=False, highlight=False, soft_wrap=True)
        if entry["hint"]:
            console.print(
                f"  to include them: {entry['hint']}", markup=False, highlight=False, soft_wrap=True
            )


def print_failures(result: ImportResult, by_user: bool) -> None:
    """Failures as text: grouped per user and reason for bulk imports, else one per message."""
    if by_user:
        for group in failures_by_user(result):
            hint = ""
            if group["reason"].startswith(_UNKNOWN_USER):
                hint = " (create the user, or rerun with --create-users)"
            count = f"{group['count']} message{'s' if group['count'] != 1 else ''}"
            line = f"  failed: {group['user']}: {count}: {group['reason']}{hint}"
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        return
    for failure in result.failures[:FAILURES_SHOWN]:
        console.print(
            f"  failed: {failure['source_id']}: {failure['reason']}", markup=False, highlight=False
        )
    if result.failed > FAILURES_SHOWN:
        console.print(f"  … and {result.failed - FAILURES_SHOWN} more (--json lists them all)")
