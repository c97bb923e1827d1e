"""Web access benchmark: search page server time at scale, and 20 concurrent clients.

Builds (once, cached in bench/cache) a data directory with N generated messages in one user's
archive spread over several folders, starts ``mailkeep serve``, logs on, then

1. requests the search page for a fixed set of queries, folder listings and filters, one at a
   time, and reports p50/p95 of the **server time** (from the server's structured request log)
   and of the time the client saw;
2. runs ``wrk`` with 20 connections for 60 s over a mix of browsing, searching and opening
   messages, and reports requests/s, latency percentiles and every non-2xx/3xx or socket error.

Usage: .venv/bin/python bench/web.py [--messages 100000] [--duration 60] [--connections 20]
Target (issue 3): search page p95 <= 100 ms at 100,000 messages; no errors under load.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / "cache"
OUT = BENCH / "out"
MAILKEEP = ROOT / ".venv" / "bin" / "mailkeep"
PASSWORD = "bench password 1"  # noqa: S105 - a throw-away benchmark archive
FOLDERS = (("Inbox", 0.5), ("Sent", 0.2), ("Projects/Alpha", 0.15), ("Projects/Beta", 0.15))
SEARCHES = (
    "meeting",
    "report",
    "click",
    "linux",
    "zymurgy",
    '"quarterly report"',
    "from:alice",
    "subject:budget",
    "has:attachment",
    "after:2018-01 before:2018-07",
    "meeting OR budget",
    "report -meeting",
)
TARGET_P95_MS = 100.0

sys.path.insert(0, str(BENCH))
import corpus as corpus_gen  # noqa: E402


def log(message: str) -> None:
    print(f"[web-bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def mk(data: Path, *args: str, stdin: bytes | None = None) -> str:
    """Run the mailkeep CLI; raise with its error output on failure."""
    proc = subprocess.run(
        [str(MAILKEEP), "--data-dir", str(data), *args],
        input=stdin,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"mailkeep {' '.join(args)}: {proc.stderr.decode().strip()}")
    return proc.stdout.decode()


def build_archive(messages: int, seed: int) -> Path:
    """A cached data directory holding ``messages`` generated messages for user alice."""
    data = CACHE / f"web-{messages}-s{seed}"
    stamp = data / "bench-stamp.json"
    if stamp.exists():
        return data
    if data.exists():
        shutil.rmtree(data)
    mk(data, "init", "--admin-password-stdin", stdin=f"{PASSWORD}\n".encode())
    mk(data, "user", "create", "alice", "--password-stdin", stdin=f"{PASSWORD}\n".encode())
    for n, (folder, share) in enumerate(FOLDERS):
        count = int(messages * share)
        mbox = CACHE / f"web-part-{count}-s{seed + n}.mbox"
        if not mbox.exists():
            log(f"generating {count:,} messages for {folder}")
            corpus_gen.write_mbox(mbox, count, seed + n)
        log(f"importing {count:,} messages into alice/{folder}")
        started = time.perf_counter()
        mk(data, "import", "mbox", str(mbox), "--user", "alice", "--folder", folder, "--json")
        rate = count / (time.perf_counter() - started)
        log(f"  {rate:,.0f} msg/s")
    stamp.write_text(json.dumps({"messages": messages, "seed": seed}))
    return data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(data: Path, port: int, log_path: Path) -> Iterator[str]:
    """``mailkeep serve`` on ``port`` until the block ends (stopped with SIGTERM)."""
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [str(MAILKEEP), "--data-dir", str(data), "serve", "--bind", "127.0.0.1",
             "--http-port", str(port), "--https-port", "0"],
            stdout=subprocess.DEVNULL,
            stderr=out,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=2).close()  # noqa: S310
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError(f"server did not start; see {log_path}") from None
                    time.sleep(0.2)
            yield base
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)


def log_on(base: str) -> tuple[urllib.request.OpenerDirector, str]:
    """An opener with alice's session, and the Cookie header value for wrk."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = urllib.parse.urlencode({"username": "alice", "password": PASSWORD}).encode()
    opener.open(f"{base}/login", data=body).close()
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "mailkeep_session" not in cookies:
        raise RuntimeError("log on failed")
    return opener, cookies


def page_urls() -> list[str]:
    """The fixed set of search-page requests: queries, folder listings, filters, paging."""
    urls = [f"/search?archive=alice&q={urllib.parse.quote(q)}" for q in SEARCHES]
    urls += [f"/search?archive=*&q={urllib.parse.quote(q)}" for q in SEARCHES[:4]]
    for folder, _share in FOLDERS:
        urls.append(f"/search?archive=alice&folder={urllib.parse.quote(folder)}")
        urls.append(f"/search?archive=alice&folder={urllib.parse.quote(folder)}&page=7")
    urls.append("/search?archive=alice")
    urls.append("/search?archive=alice&from=alice&has=1&after=2018-01-01")
    urls.append("/search?archive=alice&q=report&sort=relevance")
    return urls


def percentile(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[rank]


def server_times(log_path: Path, start_line: int) -> list[float]:
    """Server-side milliseconds of /search requests logged after ``start_line``."""
    lines = log_path.read_text().splitlines()[start_line:]
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    return [e["ms"] for e in entries if e.get("path") == "/search" and "ms" in e]


def measure_pages(
    opener: urllib.request.OpenerDirector, base: str, log_path: Path, repeat: int
) -> dict[str, Any]:
    urls = page_urls()
    for url in urls:  # warm caches once, as a running server would be
        opener.open(base + url).read()
    start_line = len(log_path.read_text().splitlines())
    client: list[float] = []
    for _ in range(repeat):
        for url in urls:
            started = time.perf_counter()
            with opener.open(base + url) as response:
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url}: HTTP {response.status}")
            client.append((time.perf_counter() - started) * 1000)
    time.sleep(0.5)  # the server writes its log line after the response
    server = server_times(log_path, start_line)
    return {
        "requests": len(client),
        "distinct_pages": len(urls),
        "server_p50_ms": percentile(server, 50),
        "server_p95_ms": percentile(server, 95),
        "client_p50_ms": percentile(client, 50),
        "client_p95_ms": percentile(client, 95),
    }


def message_urls(opener: urllib.request.OpenerDirector, base: str) -> list[str]:
    page = opener.open(f"{base}/search?archive=alice&q=report").read().decode()
    ids = re.findall(r'href="/message/([0-9]+-[0-9]+)', page)[:20]
    return [f"/message/{i}" for i in ids] + [f"/message/{i}/body" for i in ids[:10]]


WRK_SCRIPT = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1], {["Cookie"] = "%s"})
end
done = function(summary, latency, requests)
  io.write(string.format("JSON{\\"requests\\":%%d,\\"errors_status\\":%%d,\\"errors_connect\\":%%d,\\"errors_read\\":%%d,\\"errors_write\\":%%d,\\"errors_timeout\\":%%d,\\"duration_us\\":%%d,\\"p50_ms\\":%%.2f,\\"p95_ms\\":%%.2f,\\"p99_ms\\":%%.2f,\\"max_ms\\":%%.2f}\\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def run_wrk(base: str, cookies: str, urls: list[str], connections: int, duration: int,
            workdir: Path) -> dict[str, Any]:  # fmt: skip
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"error": "wrk is not installed (apt-get install wrk)"}
    script = workdir / "mix.lua"
    quoted = ", ".join(json.dumps(u) for u in urls)
    script.write_text(WRK_SCRIPT % (quoted, cookies))
    proc = subprocess.run(
        [wrk, "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
         "-s", str(script), base],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    found = re.search(r"JSON(\{.*\})", proc.stdout)
    if found is None:
        return {"error": proc.stdout + proc.stderr}
    result: dict[str, Any] = json.loads(found.group(1))
    result["requests_per_s"] = result["requests"] / (result["duration_us"] / 1e6)
    result["connections"] = connections
    result["duration_s"] = duration
    result["errors"] = sum(v for k, v in result.items() if k.startswith("errors_"))
    return result


def report(results: dict[str, Any]) -> str:
    pages, load = results["pages"], results["load"]
    lines = [
        f"Web access at {results['messages']:,} messages ({results['distinct_pages']} pages)",
        "",
        "search page, one client      p50 ms   p95 ms",
        f"  server time               {pages['server_p50_ms']:7.1f}  {pages['server_p95_ms']:7.1f}"
        f"   (target p95 <= {TARGET_P95_MS:.0f})",
        f"  client time               {pages['client_p50_ms']:7.1f}  {pages['client_p95_ms']:7.1f}",
        "",
    ]
    if "error" in load:
        lines.append(f"load test: {load['error']}")
    else:
        lines += [
            f"{load['connections']} concurrent clients for {load['duration_s']} s "
            "(browse, search, open messages)",
            f"  requests/s {load['requests_per_s']:.0f}; latency p50 {load['p50_ms']:.1f} ms, "
            f"p95 {load['p95_ms']:.1f} ms, p99 {load['p99_ms']:.1f} ms, "
            f"max {load['max_ms']:.0f} ms",
            f"  errors: {load['errors']} (non-2xx/3xx {load['errors_status']}, socket "
            f"{load['errors_connect'] + load['errors_read'] + load['errors_write']}, "
            f"timeouts {load['errors_timeout']})",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=10, help="rounds over the page set")
    args = parser.parse_args(argv)
    CACHE.mkdir(exist_ok=True)
    OUT.mkdir(exist_ok=True)
    data = build_archive(args.messages, args.seed)
    log_path = OUT / "web-server.log"
    with server(data, free_port(), log_path) as base:
        opener, cookies = log_on(base)
        log("measuring the search page")
        pages = measure_pages(opener, base, log_path, args.repeat)
        urls = page_urls() + message_urls(opener, base)
        log(f"load: {args.connections} clients for {args.duration} s")
        load = run_wrk(base, cookies, urls, args.connections, args.duration, OUT)
    results = {
        "messages": args.messages,
        "distinct_pages": len(page_urls()),
        "pages": pages,
        "load": load,
        "cpus": os.cpu_count(),
    }
    out = OUT / f"web-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(report(results))
    print(f"\n(figures also in {out.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
