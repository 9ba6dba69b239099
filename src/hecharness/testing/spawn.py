"""`hecharness serve` as a process of its own, handed back once its ready file says where it listens."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hecharness.errors import HecHarnessError

__all__ = ["CLI", "Served", "SpawnError", "spawn_served"]

# The command line as a user runs it, from this interpreter (so from this environment's hecharness).
CLI = (sys.executable, "-m", "hecharness.cli")
# How often the ready file is looked for; short, since a server is up in well under a second.
POLL_INTERVAL = 0.05

Output = int | IO[Any] | None


class SpawnError(HecHarnessError, RuntimeError):
    """The server process exited, or did not get ready in time; the message carries its stderr."""


@dataclass
class Served:
    """A running `hecharness serve` process: `ready` is its ready file's content (`url`, `urls`, `admin_url`...)."""

    process: subprocess.Popen[str]
    ready: dict[str, Any]
    ready_file: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[int, str, str]:
        """`sig` (SIGTERM, as a service manager stops it), then its exit status, stdout and stderr.

        The output is empty when it did not go to pipes; a process still running after `timeout`
        seconds is killed, and its exit status says so.
        """
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        return self.process.returncode, out or "", err or ""

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def spawn_served(
    args: Sequence[str],
    ready_file: str | Path,
    *,
    timeout: float = 30,
    stdout: Output = subprocess.PIPE,
    stderr: Output = subprocess.PIPE,
    env: Mapping[str, str] | None = None,
    command: Sequence[str] = (*CLI, "serve"),
) -> Served:
    """Start `hecharness serve *args --ready-file ready_file` and wait until the ready file is there.

    `args` should include `--port 0` for a free port; `command` runs another command that writes a
    ready file the same way (`hecharness record`, say). A process that exits first, or is not ready
    within `timeout` seconds, is killed and `SpawnError` raised with its stderr (when it goes to a pipe).
    """
    ready_file = Path(ready_file)
    ready_file.unlink(missing_ok=True)  # a file left from an earlier run would say "ready" at once
    process = subprocess.Popen(
        [*command, *args, "--ready-file", str(ready_file)],
        stdout=stdout,
        stderr=stderr,
        text=True,
        env=None if env is None else dict(env),
    )
    try:
        deadline = time.monotonic() + timeout
        while not ready_file.exists():
            exited = process.poll() is not None
            if exited or time.monotonic() > deadline:
                if not exited:
                    process.kill()
                out, err = process.communicate()
                why = f"exited with status {process.returncode}" if exited else f"was not ready within {timeout:g} s"
                raise SpawnError(f"`{' '.join([command[-1], *args])}` {why}: {(err or out or '(no output)').strip()}")
            time.sleep(POLL_INTERVAL)
        # serve writes the file to a temporary name and renames it, so it is never seen half-written.
        return Served(process, json.loads(ready_file.read_text()), ready_file)
    except BaseException:
        # Ctrl-C while waiting, or a ready file that is not JSON: the server must not outlive the call.
        if process.poll() is None:
            process.kill()
            process.communicate()
        raise
