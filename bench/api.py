"""Administration API benchmark: calls per second for GetServerInfo and GetUsers.

Creates a throw-away data directory with N users (default 1,000), starts ``mailkeep serve`` with
the API on HTTP and HTTPS, checks one call of each command over the wire, then runs ``wrk`` with
20 connections sending ``POST /api/invoke/<Command>`` with an administrator's Basic credentials,
for each command over each transport. Every call is a full API call: authentication, argument
parsing, the command, the audit event and the BOM'd JSON envelope.

Usage: .venv/bin/python bench/api.py [--users 1000] [--duration 20] [--connections 20]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
PASSWORD = "bench api password 1"  # noqa: S105 - a throw-away benchmark archive
COMMANDS = ("GetServerInfo", "GetUsers")

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "%s"
done = function(summary, latency, requests)
  io.write(string.format("JSON{\\"requests\\":%%d,\\"errors_status\\":%%d,\\"errors_socket\\":%%d,\\"errors_timeout\\":%%d,\\"duration_us\\":%%d,\\"p50_ms\\":%%.2f,\\"p95_ms\\":%%.2f,\\"p99_ms\\":%%.2f}\\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def log(message: str) -> None:
    print(f"[api bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_archive(data: Path, users: int) -> None:
    """A data directory with an administrator and ``users`` users (no passwords: fast)."""
    sys.path.insert(0, str(ROOT / "src"))
    from mailkeep.runtime import Runtime

    with Runtime.init(data) as runtime:
        runtime.users.create("benchadmin", privileges=("admin",), password=PASSWORD)
        for n in range(users - 1):
            runtime.users.create(f"user{n:05d}", (f"user{n:05d}@example.com",), full_name=f"U {n}")


@contextmanager
def server(data: Path, http_port: int, https_port: int, log_path: Path) -> Iterator[None]:
    env = {**os.environ}
    env.pop("MAILKEEP_HOME", None)
    command = [
        str(ROOT / ".venv" / "bin" / "mailkeep"), "--data-dir", str(data), "serve",
        "--bind", "127.0.0.1", "--http-port", "0", "--https-port", "0",
        "--api-http-port", str(http_port), "--api-port", str(https_port),
        "--log-level", "WARNING",
    ]  # fmt: skip
    with log_path.open("wb") as sink:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=sink, env=env)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError(f"server did not start; see {log_path}") from None
                    time.sleep(0.2)
            yield
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


def authorization() -> str:
    return "Basic " + base64.b64encode(f"benchadmin:{PASSWORD}".encode()).decode()


def check_once(base: str, command: str) -> int:
    """One call over the wire; returns the number of result items (1 for an object)."""
    request = urllib.request.Request(  # noqa: S310
        f"{base}/api/invoke/{command}", data=b"", method="POST",
        headers={"Authorization": authorization()},
    )  # fmt: skip
    context = ssl._create_unverified_context()  # noqa: S323 - the local self-signed certificate
    with urllib.request.urlopen(request, timeout=60, context=context) as response:  # noqa: S310
        envelope = json.loads(response.read().decode("utf-8-sig"))
    assert envelope["statusCode"] == "succeeded", envelope
    result = envelope["result"]
    return len(result) if isinstance(result, list) else 1


def run_wrk(url: str, connections: int, duration: int, workdir: Path) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"error": "wrk is not installed (apt-get install wrk)"}
    script = workdir / "api.lua"
    script.write_text(WRK_SCRIPT % authorization())
    proc = subprocess.run(
        [wrk, "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "20s",
         "-s", str(script), url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = re.search(r"JSON(\{.*\})", proc.stdout)
    if found is None:
        return {"error": proc.stdout + proc.stderr}
    result: dict[str, Any] = json.loads(found.group(1))
    result["calls_per_s"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = result["errors_status"] + result["errors_socket"] + result["errors_timeout"]
    return result


def report(results: dict[str, Any]) -> str:
    lines = [
        f"Administration API, {results['users']:,} users, {results['connections']} concurrent "
        f"clients, {results['duration_s']} s per run, {results['cpus']} CPUs",
        "",
        "command         transport  calls/s   p50 ms   p95 ms   p99 ms  errors",
    ]
    for run in results["runs"]:
        load = run["load"]
        if "error" in load:
            lines.append(f"{run['command']:<15} {run['transport']:<9}  {load['error']}")
            continue
        lines.append(
            f"{run['command']:<15} {run['transport']:<9} {load['calls_per_s']:8.0f} "
            f"{load['p50_ms']:8.1f} {load['p95_ms']:8.1f} {load['p99_ms']:8.1f} {load['errors']:7d}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    runs = []
    with tempfile.TemporaryDirectory(prefix="mailkeep-api-bench-") as tmp:
        data = Path(tmp) / "data"
        log(f"creating {args.users} users")
        build_archive(data, args.users)
        http_port, https_port = free_port(), free_port()
        with server(data, http_port, https_port, OUT / "api-server.log"):
            for transport, base in (
                ("http", f"http://127.0.0.1:{http_port}"),
                ("https", f"https://127.0.0.1:{https_port}"),
            ):
                for command in COMMANDS:
                    items = check_once(base, command)
                    log(f"{command} over {transport}: {items} result item(s); loading")
                    load = run_wrk(
                        f"{base}/api/invoke/{command}", args.connections, args.duration, Path(tmp)
                    )
                    runs.append({"command": command, "transport": transport, "items": items,
                                 "load": load})  # fmt: skip
    results = {
        "users": args.users,
        "connections": args.connections,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "runs": runs,
    }
    out = OUT / f"api-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(report(results))
    print(f"\n(figures also in {out.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
