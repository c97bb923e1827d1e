"""Free TCP ports on loopback for test servers.

Ports are drawn below the kernel's ephemeral range: a port the kernel hands out for ``bind(0)``
is also the kind it hands to outgoing client connections, so another test's connection could
take it between the check here and the server's own bind. Ports handed out once are not
handed out again in the same run, and when the suite runs in several pytest-xdist workers each
worker draws from its own slice of the range, so two workers never pick the same port.
"""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 20000
_given: set[int] = set()


def _ephemeral_start() -> int:
    try:
        return int(_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A loopback port nothing listens on and no client connection is likely to take."""
    highest = _ephemeral_start() - 1
    if highest <= _LOWEST:  # an unusual range: fall back to the kernel's choice
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])
    lowest, highest = _worker_slice(_LOWEST, highest)
    for _ in range(1000):
        port = random.randint(lowest, highest)
        if port not in _given and _bindable(port):
            _given.add(port)
            return port
    raise RuntimeError(f"no free port between {lowest} and {highest}")


def _worker_slice(lowest: int, highest: int) -> tuple[int, int]:
    """This pytest-xdist worker's share of the port range (all of it outside xdist)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ...
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if not worker.startswith("gw") or not worker[2:].isdigit() or count <= 1:
        return lowest, highest
    size = (highest - lowest + 1) // count
    start = lowest + int(worker[2:]) * size
    return start, start + size - 1
