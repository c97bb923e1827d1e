"""JobOutcome names messages and filings (a multidrop message filed into two archives)."""

from __future__ import annotations

from mailkeep.jobs.results import JobOutcome


def _row(folder: str, archived: int, duplicates: int) -> dict[str, object]:
    counts = {"found": 9, "new": 9, "archived": archived, "duplicates": duplicates, "failed": 0}
    return {"mailbox": "drop", "folder": folder, "level": "info", **counts}


def test_messages_come_from_the_folder_rows_and_filings_from_the_archive() -> None:
    note = {"mailbox": "drop", "folder": "", "level": "warning", "message": "archived 7"}
    outcome = JobOutcome("succeeded", 4, 2, protocol=[note, _row("INBOX", 2, 1), _row("Old", 1, 0)])
    assert outcome.message_counts() == (3, 1)
    assert outcome.as_dict()["archivedMessages"] == 3 and outcome.as_dict()["archived"] == 4
    assert outcome.counts_text() == (
        "archived 3 messages (4 filings), already archived 1 message (2 filings), "
        "failed 0, deleted at source 0"
    )


def test_without_folder_rows_each_filing_is_one_message() -> None:
    failed = JobOutcome("failed", protocol=[{"level": "error", "message": "login refused"}])
    assert failed.message_counts() == (0, 0)
    assert failed.counts_text().startswith("archived 0 messages, already archived 0 messages")
    assert JobOutcome("succeeded", 1).counts_text().startswith("archived 1 message,")


def test_the_api_and_the_web_name_messages_and_filings() -> None:
    from mailkeep.access.api.commands.results import worker_result
    from mailkeep.access.web.context import _environment

    outcome = JobOutcome("succeeded", 4, 2, protocol=[_row("INBOX", 2, 1), _row("Old", 1, 0)])
    shown = worker_result(outcome, "host")
    assert (shown["itemsArchived"], shown["messagesArchived"]) == (4, 3)
    assert (shown["itemsDuplicates"], shown["messagesDuplicates"]) == (2, 1)
    page = (
        _environment()
        .get_template("_results.html")
        .render(results=[outcome], problems=lambda _result: [])
    )
    assert '<td>3 <span class="hint">(4 filings)</span></td>' in page
