"""`hecharness serve` as a real process, for the tests that run the command line as a user does."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from hecharness.testing.spawn import CLI as _CLI
from hecharness.testing.spawn import SpawnError, spawn_served

CLI = list(_CLI)


def start_serve(tmp_path: Path, *args: str, timeout: float = 30) -> tuple[subprocess.Popen[str], dict]:
    """Start `serve --port 0` and wait for its ready file; fails the test with its output if it never gets ready."""
    try:
        served = spawn_served(["--port", "0", *args], tmp_path / "ready.json", timeout=timeout)
    except SpawnError as error:
        pytest.fail(f"serve did not get ready: {error}")
    return served.process, served.ready


def stop_serve(process: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[int, str, str]:
    """SIGTERM, as a service manager stops it (or `sig`, e.g. SIGINT as Ctrl-C sends): exit status, stdout, stderr."""
    process.send_signal(sig)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err
