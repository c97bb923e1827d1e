"""Archiving from IMAP: mailkeep's ``profile run`` beside ``mbsync`` on the same mailbox.

Run on demand, from the repository root, as root (Dovecot is started as ``nobody``)::

    .venv/bin/python bench/imap.py                    # 10,000 generated messages
    .venv/bin/python bench/imap.py --corpus spamassassin

One private Dovecot serves one Maildir mailbox holding the corpus. Both tools read all of it
over plain IMAP on loopback in the same run: ``mbsync`` (isync) pulls it into a local maildir,
mailkeep archives it (parse, store, encrypt, index). The figure of merit is messages per second
and the ratio mailkeep / mbsync (target: at least 0.5). Results are printed and written to
``bench/out/imap-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]

from tests.dovecot import Dovecot, available  # noqa: E402

import run as bench  # noqa: E402

USER, PASSWORD = "bench@example.com", "bench-secret"
TARGET_RATIO = 0.5


def _fill_mailbox(server_dir: Path, corpus: bench.Corpus) -> None:
    cur = server_dir / "mail" / USER / "Maildir" / "cur"
    cur.mkdir(parents=True)
    for path in corpus.cur.iterdir():
        shutil.copyfile(path, cur / path.name)


def _warm_server(server: Dovecot) -> None:
    """Let Dovecot build its index and UID list once, so neither tool pays for it."""
    from imapclient import IMAPClient

    client = IMAPClient("127.0.0.1", port=server.imap, ssl=False, timeout=600)
    client.login(USER, PASSWORD)
    client.select_folder("INBOX", readonly=True)
    client.fetch(client.search(["ALL"]), ["FLAGS", "RFC822.SIZE"])
    client.logout()


def _ensure_mbsync() -> str | None:
    found = shutil.which("mbsync")
    if found is None and os.geteuid() == 0:
        bench.log("installing isync (mbsync)")
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "isync"], check=False, capture_output=True
        )
        found = shutil.which("mbsync")
    if found is None:
        bench.log("mbsync not found: apt-get install isync; skipping the peer")
    return found


def run_mbsync(mbsync: str, server: Dovecot, work: Path) -> dict[str, Any]:
    """Time ``mbsync -a`` pulling the whole mailbox into an empty maildir."""
    target = work / "mbsync"
    target.mkdir()
    config = work / "mbsyncrc"
    config.write_text(
        f"IMAPAccount bench\nHost 127.0.0.1\nPort {server.imap}\nUser {USER}\n"
        f"Pass {PASSWORD}\nSSLType None\nAuthMechs LOGIN\n\n"
        "IMAPStore remote\nAccount bench\n\n"
        f"MaildirStore local\nPath {target}/\nInbox {target}/INBOX\n\n"
        "Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSync Pull\n"
        f"SyncState {work}/mbsync-state/\n"
    )
    (work / "mbsync-state").mkdir()
    started = time.perf_counter()
    subprocess.run([mbsync, "-q", "-c", str(config), "-a"], check=True)
    seconds = time.perf_counter() - started
    count = sum(1 for _ in (target / "INBOX" / "cur").iterdir()) + sum(
        1 for _ in (target / "INBOX" / "new").iterdir()
    )
    return {"seconds": seconds, "messages": count, "msgs_per_s": count / seconds}


def _mailkeep(data: Path, *args: str, stdin: str | None = None) -> str:
    command = [sys.executable, "-m", "mailkeep", "--data-dir", str(data), *args]
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"mailkeep {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def run_mailkeep(server: Dovecot, work: Path) -> dict[str, Any]:
    """Time ``mailkeep profile run`` archiving the whole mailbox into an empty archive."""
    data = work / "mailkeep"
    _mailkeep(data, "init", "--json")
    _mailkeep(data, "user", "create", "bench", "--email", USER, "--json")
    _mailkeep(
        data,
        "profile",
        "create",
        "imap",
        "bench",
        "--host",
        "127.0.0.1",
        "--port",
        str(server.imap),
        "--security",
        "none",
        "--username",
        USER,
        "--password-stdin",
        "--user",
        "bench",
        "--json",
        stdin=PASSWORD + "\n",
    )
    started = time.perf_counter()
    result = json.loads(_mailkeep(data, "profile", "run", "bench", "--json"))
    seconds = time.perf_counter() - started
    count = result["archived"] + result["duplicates"]
    return {
        "seconds": seconds,
        "messages": count,
        "msgs_per_s": count / seconds,
        "status": result["status"],
        "archived": result["archived"],
        "duplicates": result["duplicates"],
        "failed": result["failed"],
    }


def main(argv: list[str] | None = None) -> int:
    """Prepare the corpus, start Dovecot, run both tools, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=("generated", "spamassassin"), default="generated")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-mbsync", action="store_true")
    args = parser.parse_args(argv)
    if not available():
        raise SystemExit("needs root and Debian's dovecot-imapd (scripts/setup.sh --test)")
    corpus = (
        bench.prepare_spamassassin()
        if args.corpus == "spamassassin"
        else bench.prepare_generated(args.count, args.seed)
    )
    work = Path(tempfile.mkdtemp(prefix="mailkeep-bench-imap-"))
    served = Path(tempfile.mkdtemp(prefix="mailkeep-bench-dovecot-"))  # chowned to nobody
    server = Dovecot(served)
    try:
        _fill_mailbox(served, corpus)
        server.start({USER: PASSWORD})
        bench.log(f"{corpus.count:,} messages ({corpus.bytes / 1e6:,.1f} MB) in Dovecot")
        _warm_server(server)
        mbsync = None if args.skip_mbsync else _ensure_mbsync()
        results: dict[str, Any] = {
            "corpus": corpus.name,
            "count": corpus.count,
            "bytes": corpus.bytes,
        }
        if mbsync:
            bench.log("mbsync: pulling the mailbox")
            results["mbsync"] = run_mbsync(mbsync, server, work)
        bench.log("mailkeep: archiving the mailbox")
        results["mailkeep"] = run_mailkeep(server, work)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(served, ignore_errors=True)
    _report(results)
    return 0


def _report(results: dict[str, Any]) -> None:
    rows = [("tool", "messages", "seconds", "msgs/s")]
    for tool in ("mbsync", "mailkeep"):
        if tool in results:
            r = results[tool]
            rows.append(
                (tool, f"{r['messages']:,}", f"{r['seconds']:.1f}", f"{r['msgs_per_s']:,.0f}")
            )
    for row in rows:
        print(f"{row[0]:<10}{row[1]:>10}{row[2]:>10}{row[3]:>10}")
    if "mbsync" in results:
        ratio = results["mailkeep"]["msgs_per_s"] / results["mbsync"]["msgs_per_s"]
        results["ratio"] = ratio
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(f"mailkeep / mbsync = {ratio:.2f} (target >= {TARGET_RATIO}: {verdict})")
    bench.OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = bench.OUT / f"imap-{stamp}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    bench.log(f"written {out}")


if __name__ == "__main__":
    raise SystemExit(main())
