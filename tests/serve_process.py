"""`hecharness serve` as a real process, for the tests that run the command line as a user does."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "hecharness.cli"]


def start_serve(tmp_path: Path, *args: str, timeout: float = 30) -> tuple[subprocess.Popen[str], dict]:
    """Start `serve --port 0` and wait for its ready file; fails the test with its output if it never gets ready."""
    ready = tmp_path / "ready.json"
    process = subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--ready-file", str(ready), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"serve did not get ready: {out}\n{err}")
        time.sleep(0.05)
    return process, json.loads(ready.read_text())


def stop_serve(process: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[int, str, str]:
    """SIGTERM, as a service manager stops it (or `sig`, e.g. SIGINT as Ctrl-C sends): exit status, stdout, stderr."""
    process.send_signal(sig)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err
