"""Running archiving profiles as jobs: limits, timeout, cancel, results, notifications.

One :class:`JobRunner` per process shares one Runtime (and so one open archive store) among its
jobs; the store serialises their writes. A job reads its source through the ordinary import
pipeline, so everything it reports as archived is durable. After the import it applies moves
seen at the source, then the profile's deletion rule (never by default, and only for mail the
archive holds). Before reading anything it checks again that the profile's owner may still file
into every archive the profile reaches (``targets.py``): a refused run fails and files nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mailkeep.errors import ConflictError, MailkeepError, recognise
from mailkeep.jobs.build import JobSource, build_source
from mailkeep.jobs.cleanup import apply_moves, archived_check, delete_at_source
from mailkeep.jobs.ledger import DatabaseLedger
from mailkeep.jobs.notify import SmtpRelay, send_notification
from mailkeep.jobs.profiles import ProfileDirectory, ProfileInfo
from mailkeep.jobs.progress import JobProgress, ProgressSnapshot
from mailkeep.jobs.results import JobOutcome, JobResults
from mailkeep.jobs.targets import check_profile_targets, profile_owner
from mailkeep.runtime import Runtime
from mailkeep.sources.imap import ImapMailboxSource
from mailkeep.sources.multi import MultiMailboxSource
from mailkeep.sources.sync import RunProtocol

if TYPE_CHECKING:
    from mailkeep.ingest.pipeline import Progress

log = logging.getLogger("mailkeep.jobs")

MAX_FAILURE_LINES = 200  # failed messages named in a protocol; the count is always exact
NOTIFY_STATUSES = ("failed", "completedWithErrors")


@dataclass
class _Run:
    """The state of one job while it runs."""

    profile: ProfileInfo
    terminal: Progress | None = None  # also hears (messages seen, done): a terminal's bar
    cancel: threading.Event = field(default_factory=threading.Event)
    deadline: float | None = None
    timed_out: bool = False
    fatal: str = ""
    progress: JobProgress = field(init=False)

    def __post_init__(self) -> None:
        self.progress = JobProgress(self.profile.name)

    def report_progress(self, seen: int, done: int) -> None:
        """The pipeline's progress: kept for the dashboard and the API, and drawn on a
        terminal when the CLI runs the job."""
        self.progress.update(seen, done)
        if self.terminal is not None:
            self.terminal(seen, done)

    def should_stop(self) -> bool:
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.timed_out = True
        return self.timed_out or self.cancel.is_set()


class JobRunner:
    """Runs profiles now, at most ``jobs.max_parallel`` at a time, one run per profile."""

    def __init__(self, runtime: Runtime, relay: SmtpRelay | None = None) -> None:
        self.runtime = runtime
        self.profiles = ProfileDirectory(runtime.sessions, runtime.master_key)
        self.results = JobResults(runtime.sessions)
        self._slots = threading.BoundedSemaphore(runtime.setting("jobs.max_parallel"))
        self._running: dict[str, _Run] = {}
        self._lock = threading.Lock()
        self._relay = relay

    # -- control ---------------------------------------------------------------------------

    def running(self) -> list[str]:
        """Names of the profiles running now."""
        with self._lock:
            return sorted(self._running)

    def progress(self) -> list[ProgressSnapshot]:
        """How far each running job has got, oldest first."""
        with self._lock:
            runs = list(self._running.values())
        return sorted((r.progress.snapshot() for r in runs), key=lambda s: s.started_at)

    def cancel(self, name: str) -> bool:
        """Ask a running job to stop after the message it is reading; False if not running."""
        with self._lock:
            run = self._running.get(name.lower())
        if run is None:
            return False
        run.cancel.set()
        return True

    def start(self, name: str, trigger: str = "manual") -> None:
        """Run a profile in a background thread; ConflictError at once if it is running."""
        profile = self.profiles.get(name)
        if profile.name.lower() in {n.lower() for n in self.running()}:
            raise ConflictError(f"Profile {profile.name!r} is already running.")

        def run() -> None:
            try:
                self.run(profile.name, trigger)
            except MailkeepError as exc:  # e.g. started twice at the same moment
                log.warning("job %s did not start: %s", profile.name, exc)

        threading.Thread(target=run, name=f"job-{profile.name}", daemon=True).start()

    def run(
        self, name: str, trigger: str = "manual", progress: Progress | None = None
    ) -> JobOutcome:
        """Run a profile to the end and return its recorded result (``progress`` hears how
        many messages were archived after each batch, for a terminal's progress bar)."""
        profile = self.profiles.get(name)
        run = _Run(profile, terminal=progress)
        with self._lock:
            if profile.name.lower() in self._running:
                raise ConflictError(f"Profile {profile.name!r} is already running.")
            self._running[profile.name.lower()] = run
        try:
            with self._slots:
                return self._run(run, trigger)
        finally:
            with self._lock:
                self._running.pop(profile.name.lower(), None)

    # -- one run -----------------------------------------------------------------------------

    def _run(self, run: _Run, trigger: str) -> JobOutcome:
        profile = run.profile
        outcome = self.results.start(profile.id, profile.name, trigger)
        assert outcome.started_at is not None
        # Every run is noted here, whoever started it; the scheduler's own note (made when
        # it claims a slot) is only there to avoid a double run.
        self.profiles.note_run(profile.id, outcome.started_at)
        timeout = profile.timeout_seconds or self.runtime.setting("jobs.timeout_seconds")
        if timeout:
            run.deadline = time.monotonic() + timeout
        protocol = RunProtocol()
        try:
            self._archive(run, protocol, outcome)
        except MailkeepError as exc:
            run.fatal = str(exc)
        except Exception as exc:  # recorded in the result rather than lost in a thread
            known = recognise(exc)
            run.fatal = known.message if known else f"internal error: {type(exc).__name__}: {exc}"
        if run.fatal:
            protocol.note("", "", "error", run.fatal)
        if run.timed_out:
            protocol.note("", "", "error", f"stopped: the job ran longer than {timeout} s")
        if run.cancel.is_set():
            protocol.note("", "", "warning", "cancelled")
        outcome.status = _status(run, protocol, outcome)
        outcome.protocol = protocol.as_list()
        finished = self.results.finish(outcome)
        if finished.status in NOTIFY_STATUSES:
            self._notify(finished)
        return finished

    def _archive(self, run: _Run, protocol: RunProtocol, outcome: JobOutcome) -> None:
        from mailkeep.ingest.service import import_source  # heavy: parsers and extractors

        profile = run.profile
        # Checked at every run, not only when saved: the owner may have lost privileges since.
        users = self.runtime.users.list()
        check_profile_targets(profile_owner(profile.owner, users), profile, users)
        if profile.settings.get("sync_directory"):
            self._sync_directory_first(protocol)
            users = self.runtime.users.list()
        ledger = DatabaseLedger(self.runtime.sessions, profile.id)
        job = build_source(
            profile,
            self.profiles.secrets(profile.name),
            users,
            ledger,
            protocol,
            run.should_stop,
            self.runtime.setting("jobs.connection_timeout_seconds"),
        )
        run.progress.total, run.progress.unit = job.source.estimate(), job.source.estimate_unit
        if isinstance(multi := job.source, MultiMailboxSource):
            run.progress.follow_mailboxes(len(multi.mailboxes), lambda: multi.started)
        try:
            result = import_source(
                self.runtime, job.source, job.archive, run.report_progress, job.source.confirm
            )
        finally:
            ledger.flush()
        outcome.archived, outcome.duplicates = result.archived, result.duplicates
        outcome.failed = result.failed
        for failure in result.failures[:MAX_FAILURE_LINES]:
            text = f"{failure['source_id']}: {failure['step']}: {failure['reason']}"
            protocol.note("", "", "error", f"not archived: {text}")
        if result.aborted:
            run.fatal = f"import stopped: {result.aborted}"
            return
        self._after_import(run, job, protocol, outcome)
        ledger.flush()

    def _sync_directory_first(self, protocol: RunProtocol) -> None:
        """Bring the users in line with the directory before reading their mailboxes (a
        profile option); a failed sync is a warning and the run goes on with the users as
        they are."""
        from mailkeep.directory.sync import sync_directory

        try:
            result = sync_directory(self.runtime, actor="profile")
        except MailkeepError as exc:
            protocol.note("", "", "warning", f"directory sync failed: {exc}")
            return
        counts = result.as_dict()
        protocol.note(
            "", "", "info",
            f"directory synced: {len(counts['created'])} created, {len(counts['updated'])} "
            f"updated, {len(counts['deleted'])} deleted",
        )  # fmt: skip

    def _after_import(
        self, run: _Run, job: JobSource, protocol: RunProtocol, outcome: JobOutcome
    ) -> None:
        profile = run.profile
        stores = self.runtime.stores
        for mailbox in job.mailboxes:
            if isinstance(mailbox, ImapMailboxSource):
                if profile.kind in ("imap", "imap-multi", "imap-csv"):  # folders map 1:1
                    moves = mailbox.pending_moves()
                    for move in moves:
                        protocol.count(mailbox.mailbox, move.to_folder, "moved")
                    apply_moves(stores, moves)
                mailbox.forget_vanished()
        days = profile.settings.get("delete_after_days")
        if days is None or run.should_stop():
            return
        check = archived_check(stores)
        for mailbox in job.mailboxes:
            try:
                outcome.deleted += delete_at_source(mailbox, int(days), check)
            except MailkeepError as exc:
                protocol.note(mailbox.mailbox, "", "error", f"deleting failed: {exc}")

    def _notify(self, outcome: JobOutcome) -> None:
        relay = self._relay or relay_from_settings(self.runtime)
        lines = [
            f"Archiving profile {outcome.profile!r} ended with status {outcome.status}.",
            outcome.counts_text().capitalize() + ".",
            "",
        ]
        for entry in outcome.protocol or []:
            if entry.get("level") == "error":
                where = " / ".join(p for p in (entry["mailbox"], entry["folder"]) if p)
                lines.append(f"- {where + ': ' if where else ''}{entry['message']}")
        subject = f"mailkeep: job {outcome.profile} {outcome.status}"
        send_notification(relay, subject, "\n".join(lines[:200]) + "\n")


def _status(run: _Run, protocol: RunProtocol, outcome: JobOutcome) -> str:
    if run.cancel.is_set():
        return "cancelled"
    done = outcome.archived + outcome.duplicates
    if run.fatal or run.timed_out or (protocol.has("error") and not done and not outcome.deleted):
        return "failed"
    if protocol.has("error") or outcome.failed:
        return "completedWithErrors"
    if protocol.has("warning"):
        return "completedWithWarnings"
    return "succeeded"


def relay_from_settings(runtime: Runtime) -> SmtpRelay:
    """The notification relay from the ``notify.*`` settings."""
    recipients: list[Any] = runtime.setting("notify.recipients")
    if not recipients:
        recipients = [
            u.emails[0] for u in runtime.users.list() if "admin" in u.privileges and u.emails
        ]
    return SmtpRelay(
        runtime.setting("notify.smtp_host"),
        runtime.setting("notify.smtp_port"),
        runtime.setting("notify.smtp_security"),
        runtime.setting("notify.from"),
        tuple(recipients),
    )
