"""Dashboard benchmark: the administrators' landing page at scale.

1. Builds (once, cached in bench/cache; shared with ``web.py``) a data directory of N
   generated messages, starts ``mailkeep serve``, logs on as the administrator and requests
   ``/admin``: the first request computes the store-wide aggregates, the next ones are served
   from the dashboard's short-lived cache. Reports the server time of each (from the server's
   structured request log).
2. Times the catalog aggregates the dashboard runs (``archive_totals``,
   ``per_day_by_mail_date``) on a copy of that store's SQLite catalog inflated to
   ``--catalog-rows`` entries (rows copied with new ids and hashes, spread over 500 user
   archives): the catalog alone, no content, to see the queries at a million entries without
   importing a million messages.

Usage: .venv/bin/python bench/dashboard.py [--messages 100000] [--catalog-rows 1000000]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import shutil
import sqlite3
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "src"))
import web  # noqa: E402

ARCHIVES = 500


def admin_opener(base: str) -> urllib.request.OpenerDirector:
    """An opener logged on as the administrator created by ``mailkeep init``."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = urllib.parse.urlencode({"username": "admin", "password": web.PASSWORD}).encode()
    with opener.open(f"{base}/login", data=body) as response:
        if not response.url.endswith("/admin"):
            raise RuntimeError(f"the administrator landed on {response.url}, not the dashboard")
    return opener


def dashboard_times(data: Path, repeat: int) -> dict[str, Any]:
    """Server milliseconds of the first (uncached) and following (cached) /admin requests."""
    log_path = web.OUT / "dashboard-serve.log"
    web.OUT.mkdir(exist_ok=True)
    with web.server(data, web.free_port(), log_path) as base:
        opener = admin_opener(base)  # the log-on's redirect was the first /admin request
        for _ in range(repeat):
            opener.open(f"{base}/admin").read()
        time.sleep(0.5)  # the server writes its log line after the response
    lines = [json.loads(x) for x in log_path.read_text().splitlines() if x.startswith("{")]
    times = [e["ms"] for e in lines if e.get("path") == "/admin" and "ms" in e]
    return {"first_ms": times[0], "cached_p50_ms": web.percentile(times[1:], 50),
            "cached_max_ms": max(times[1:]), "requests": len(times)}  # fmt: skip


def inflate_catalog(source: Path, target: Path, rows: int) -> None:
    """Copy ``source`` and repeat its entries up to ``rows``: new ids, random hashes (the
    copies are not duplicates) and one of 500 user archives each."""
    shutil.copy(source, target)
    with sqlite3.connect(target) as db:
        have = db.execute("SELECT count(*) FROM entries").fetchone()[0]
        top = db.execute("SELECT max(id) FROM entries").fetchone()[0]
        while have < rows:
            take = min(have, rows - have)
            db.execute(
                "INSERT INTO entries SELECT id + ?, randomblob(32), "
                "'user-' || (abs(random()) % ?), folder, source_id, received, archived_at, "
                "date, size, subject, sender, recipients, message_id, has_attachment, flags, "
                "defects FROM entries ORDER BY id LIMIT ?",
                (top, ARCHIVES, take),
            )
            have, top = have + take, top * 2
        db.commit()


def catalog_times(data: Path, rows: int) -> dict[str, Any]:
    """Seconds of each dashboard aggregate over a catalog of ``rows`` entries."""
    from mailkeep.store.catalog.sqlite import FILE_NAME, SqliteCatalog

    (source,) = data.glob(f"stores/*/metadata/{FILE_NAME}")
    with tempfile.TemporaryDirectory(dir=web.CACHE) as tmp:
        inflate_catalog(source, Path(tmp) / FILE_NAME, rows)
        catalog = SqliteCatalog(Path(tmp))
        results: dict[str, Any] = {"rows": catalog.counts().messages}
        for name in ("archive_totals", "per_day_by_mail_date"):
            started = time.perf_counter()
            groups = len(getattr(catalog, name)())
            results[name] = {"seconds": round(time.perf_counter() - started, 3), "groups": groups}
        catalog.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--catalog-rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    data = web.build_archive(args.messages, args.seed)
    results = {
        "messages": args.messages,
        "page": dashboard_times(data, args.repeat),
        "catalog": catalog_times(data, args.catalog_rows),
    }
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
