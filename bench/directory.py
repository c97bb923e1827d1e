"""Directory sync benchmark: 10,000 directory users created, re-synced with no change, then
re-synced with 10 % of them changed; prints the time of each step.

``--source ldap`` (default when slapd is installed) serves the users from a throw-away OpenLDAP
server (tests/slapdserver.py) and syncs over LDAP, paged; ``--source csv`` reads them from a CSV
file, which measures mailkeep's side alone.

Usage: .venv/bin/python bench/directory.py [--users 10000] [--source ldap|csv]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import slapdserver  # noqa: E402

from mailkeep.directory import config as directory_config  # noqa: E402
from mailkeep.directory.config import DirectoryConfig  # noqa: E402
from mailkeep.directory.sync import SyncResult, sync_directory  # noqa: E402
from mailkeep.runtime import Runtime  # noqa: E402

PEOPLE = f"ou=bench,{slapdserver.SUFFIX}"


def _person(n: int, changed: bool) -> tuple[str, str, str]:
    name = f"user{n:05d}"
    full = f"User {n} {'Renamed' if changed else 'Original'}"
    return name, full, f"{name}@example.com"


def _csv(path: Path, count: int, changed: set[int]) -> None:
    lines = ["name,full_name,email"]
    lines += [",".join(_person(n, n in changed)) for n in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _ldif(path: Path, count: int) -> None:
    entries = [f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: bench\n"]
    for n in range(count):
        name, full, mail = _person(n, False)
        entries.append(
            f"dn: uid={name},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {name}\n"
            f"cn: {full}\nsn: {n}\nmail: {mail}\n"
        )
    path.write_text("\n".join(entries), encoding="utf-8")


def _modify(server: slapdserver.Slapd, path: Path, changed: set[int]) -> None:
    changes = [
        f"dn: uid={_person(n, True)[0]},{PEOPLE}\nchangetype: modify\nreplace: cn\n"
        f"cn: {_person(n, True)[1]}\n"
        for n in sorted(changed)
    ]
    path.write_text("\n".join(changes), encoding="utf-8")
    subprocess.run(
        ["ldapmodify", "-x", "-H", f"ldap://127.0.0.1:{server.port}", "-D", slapdserver.ROOT_DN,
         "-w", slapdserver.ROOT_PASSWORD, "-f", str(path)],
        check=True, capture_output=True, env={**os.environ, "LDAPNOINIT": "1"},
    )  # fmt: skip


def _timed(label: str, step: Callable[[], SyncResult]) -> None:
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    counts = {k: len(v) if isinstance(v, list) else v for k, v in result.as_dict().items()}
    print(f"{label:<28} {seconds:8.2f} s   {counts}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    default = "ldap" if slapdserver.available() else "csv"
    parser.add_argument("--source", choices=("ldap", "csv"), default=default)
    args = parser.parse_args()
    changed = set(range(0, args.users, 10))  # every tenth user: 10 %
    with tempfile.TemporaryDirectory(prefix="mailkeep-bench-directory-") as tmp:
        work = Path(tmp)
        server = slapdserver.start() if args.source == "ldap" else None
        try:
            with Runtime.init(work / "data") as runtime:
                _run(runtime, work, server, args.users, changed)
        finally:
            if server is not None:
                server.stop()


def _run(
    runtime: Runtime, work: Path, server: slapdserver.Slapd | None, count: int, changed: set[int]
) -> None:
    if server is not None:
        _ldif(work / "users.ldif", count)
        started = time.perf_counter()
        slapdserver.seed(server, work / "users.ldif")
        print(f"(loading slapd: {time.perf_counter() - started:.1f} s)")
        config = DirectoryConfig(
            type="ldap", host="127.0.0.1", port=server.port, base_dn=PEOPLE,
            bind_dn=slapdserver.ROOT_DN, bind_password=slapdserver.ROOT_PASSWORD,
        )  # fmt: skip
    else:
        _csv(work / "users.csv", count, set())
        config = DirectoryConfig(type="csv", file=str(work / "users.csv"))
    directory_config.save(runtime, config)
    print(f"{count:,} directory users from {'ldap' if server else 'csv'}")
    _timed("create", lambda: sync_directory(runtime))
    _timed("resync, nothing changed", lambda: sync_directory(runtime))
    if server is not None:
        _modify(server, work / "changes.ldif", changed)
    else:
        _csv(work / "users.csv", count, changed)
    _timed("resync, 10 % changed", lambda: sync_directory(runtime))


if __name__ == "__main__":
    main()
