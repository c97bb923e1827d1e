"""Running the real ``mailkeep`` command on a pseudo-terminal, as an administrator's shell does.

Output piped to a test hides everything that only happens on a terminal (progress bars, colour,
rich's live display); these helpers give the command a pty for stdin, stdout and stderr.
"""

from __future__ import annotations

import errno
import os
import pty
import re
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@dataclass(frozen=True)
class TerminalRun:
    """What a command did on the terminal: exit status and everything it drew (escapes kept)."""

    returncode: int
    screen: str

    @property
    def text(self) -> str:
        """The drawn output without terminal escape sequences."""
        return _ANSI.sub("", self.screen).replace("\r", "\n")


def on_pty(data: Path, *args: str, timeout: float = 120) -> TerminalRun:
    """Run ``mailkeep --data-dir DATA ARGS`` with a pty as its terminal; read until it exits."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    for name in ("MAILKEEP_HOME", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(name, None)
    with subprocess.Popen(
        [sys.executable, "-m", "mailkeep", "--data-dir", str(data), *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        start_new_session=True,
    ) as proc:
        os.close(follower)
        try:
            screen = _read_all(leader, time.monotonic() + timeout)
        finally:
            if proc.poll() is None:
                proc.kill()  # timed out: the test fails with what it drew so far
        returncode = proc.wait()
    return TerminalRun(returncode, screen.decode("utf-8", "replace"))


def _read_all(leader: int, deadline: float) -> bytes:
    """Everything written to the pty until the last writer closes it (EIO on Linux)."""
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError("the command did not finish: " + repr(b"".join(chunks)[-500:]))
            if not (chunk := os.read(leader, 65536)):
                break
            chunks.append(chunk)
    except OSError as error:
        if error.errno != errno.EIO:
            raise
    finally:
        os.close(leader)
    return b"".join(chunks)
