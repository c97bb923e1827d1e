"""Free TCP ports on loopback for test servers.

Ports are drawn below the kernel's ephemeral range: a port the kernel hands out for ``bind(0)``
is also the kind it hands to outgoing client connections, so another test's connection could
take it between the check here and the server's own bind. Ports handed out once are not
handed out again in the same run.
"""

from __future__ import annotations

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
    for _ in range(1000):
        port = random.randint(_LOWEST, highest)
        if port not in _given and _bindable(port):
            _given.add(port)
            return port
    raise RuntimeError(f"no free port between {_LOWEST} and {highest}")
