"""Running a page's blocks in order, in the page's own working directory.

A block may use what the blocks before it defined (names, files, a server), so block N always
runs in a page where exactly blocks 0..N-1 ran: the blocks this process has not run yet are run
first. That keeps every block a test of its own, runnable alone (`pytest -k 'README.md:151'`) and
under `pytest -n auto`, whichever worker it lands on.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.docs.blocks import Block

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SCRIPT_TIMEOUT = 300.0  # a bound for a hung command, not a speed requirement
SERVER_READY_TIMEOUT = 60.0
SERVER_STOP_TIMEOUT = 30.0


class BlockFailed(AssertionError):
    """A block did not do what the page says: a Python error, a nonzero exit, a server that would not start or stop."""


class XPassed(BlockFailed):
    """A block marked xfail passed: its marker must go, though the block itself ran as printed."""


class Page:
    """One page's state in this process: its namespace, its working directory, how many blocks ran."""

    def __init__(self, blocks: list[Block], workdir: Path) -> None:
        self.blocks = blocks
        self.workdir = workdir
        self.namespace: dict[str, Any] = {"__name__": "__docs__"}
        self.done = 0
        self.servers: list[Server] = []
        # The blocks here may point .venv/bin/hecharness at the project's own, as after `make install`.
        (workdir / ".venv").symlink_to(VENV_BIN.parent, target_is_directory=True)

    def run_up_to(self, index: int) -> None:
        """Run the blocks before `index` that have not run; an earlier failure fails this block too."""
        while self.done < index:
            block = self.blocks[self.done]
            self.done += 1
            try:
                run(block, self)
            except (pytest.skip.Exception, pytest.xfail.Exception, XPassed):
                pass
            except BaseException as error:  # noqa: BLE001 - any failure of an earlier block is reported as such
                raise BlockFailed(f"the earlier block at {block.where} failed, and this one follows it:\n{error}") from error

    def close(self) -> None:
        """Stop what `background` blocks started, in reverse order; each must stop cleanly."""
        servers, self.servers = self.servers, []
        for server in reversed(servers):
            server.stop()

    def run(self, index: int) -> None:
        self.run_up_to(index)
        block = self.blocks[index]
        self.done = index + 1
        run(block, self)


def run(block: Block, page: Page) -> None:
    """Run one block as its directive says: skipped, expected to fail, or as it is."""
    __tracebackhide__ = True
    if block.marker == "skip":
        pytest.skip(f"{block.where}: {block.reason or 'cannot run here'}")
    if block.marker == "xfail":
        try:
            RUNNERS[block.kind](block, page)
        except Exception as error:  # noqa: BLE001 - the known bug, whichever way it shows
            pytest.xfail(f"{block.reason}: {type(error).__name__}: {error}")
        raise XPassed(f"{block.where} passes now: remove the xfail marker before it ({block.reason})")
    RUNNERS[block.kind](block, page)


def run_python(block: Block, page: Page) -> None:
    __tracebackhide__ = True
    # Padding puts each line at its line number in the page, so a traceback points into the page.
    code = compile("\n" * (block.line - 1) + block.source, str(block.page), "exec", dont_inherit=True)
    exec(code, page.namespace)


def write_file(block: Block, page: Page) -> None:
    assert block.file_name is not None
    path = page.workdir / block.file_name
    path.write_text(block.source, encoding="utf-8")
    if re.fullmatch(r"test_.*\.py", block.file_name):
        # A test file is run as its reader would run it: pytest, in the page's directory.
        finished = _execute([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", block.file_name], page)
        if finished.returncode != 0:
            raise BlockFailed(f"{block.where}: pytest {block.file_name} exited {finished.returncode}:\n{finished.stdout}")


def run_shell(block: Block, page: Page) -> None:
    if block.marker == "server":
        for command in commands(block.source):
            start_server(command, block, page).stop()
        return
    if block.marker == "background":
        page.servers.extend(start_server(command, block, page) for command in commands(block.source))
        return
    finished = _execute(["bash", "-e", "-o", "pipefail", "-c", block.source], page)
    if finished.returncode != 0:
        raise BlockFailed(f"{block.where}: the block exited {finished.returncode}:\n{_tail(finished.stdout)}")


RUNNERS: dict[str, Callable[[Block, Page], None]] = {"python": run_python, "sh": run_shell, "file": write_file}


@dataclass
class Server:
    """A command of a `server` or `background` block, started and ready."""

    command: str
    where: str
    process: subprocess.Popen[str]
    output: list[str]
    reader: threading.Thread

    def stop(self) -> None:
        """Ctrl-C: the command must stop cleanly (exit 0, no traceback)."""
        process = self.process
        try:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                process.wait(SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.reader.join(5)
        text = "".join(self.output)
        # Ctrl-C is how a server is meant to stop, so it exits 0; dying of the signal (-2) means it was not handled.
        if process.returncode != 0 or "Traceback" in text:
            raise BlockFailed(f"{self.where}: `{self.command}` did not stop cleanly on Ctrl-C (exit {process.returncode}):\n{_tail(text)}")


def start_server(command: str, block: Block, page: Page) -> Server:
    """Start `command` and wait until it is ready: until the file its --ready-file names exists.

    A server's first line of output is no sign: `serve` with six TLS modes prints the first before
    it listens on the others, and a Ctrl-C then interrupts its start (exit 130).
    """
    ready_file = _ready_file(command, page.workdir)
    if ready_file is None:
        raise BlockFailed(f"{block.where}: `{command}` needs --ready-file FILE, so that the page knows when it is ready")
    ready_file.unlink(missing_ok=True)
    process = spawn(["bash", "-c", command], page)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or ()), daemon=True)
    reader.start()
    server = Server(command, block.where, process, output, reader)
    deadline = time.monotonic() + SERVER_READY_TIMEOUT
    while True:
        ready = ready_file.exists()
        # A server keeps running once ready: one that printed a usage error and exited never was.
        if process.poll() is not None:
            reader.join(5)
            problem = f"exited {process.returncode} before it was ready"
        elif ready:
            return server
        elif time.monotonic() > deadline:
            problem = f"was not ready after {SERVER_READY_TIMEOUT:.0f} s"
        else:
            time.sleep(0.05)
            continue
        with contextlib.suppress(BlockFailed):
            server.stop()
        raise BlockFailed(f"{block.where}: `{command}` {problem}:\n{_tail(''.join(output))}")


def commands(source: str) -> list[str]:
    """The commands of a shell block: its lines, continuation lines joined, comments and blank lines left out."""
    joined = source.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            found.append(line)
    return found


def environment() -> dict[str, str]:
    """The reader's shell after `make install`: the project's `.venv` first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV_BIN.parent)
    # The suite's own pytest state must not leak into a pytest the page runs.
    for name in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    return env


def spawn(argv: list[str], page: Page) -> subprocess.Popen[str]:
    """Start `argv` in the page's directory, in a process group of its own (Ctrl-C and kill reach what it starts)."""
    return subprocess.Popen(
        argv,
        cwd=page.workdir,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _execute(argv: list[str], page: Page) -> subprocess.CompletedProcess[str]:
    process = spawn(argv, page)
    try:
        stdout, _ = process.communicate(timeout=SCRIPT_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, _ = process.communicate()
        raise BlockFailed(f"`{' '.join(argv)}` still running after {SCRIPT_TIMEOUT:.0f} s:\n{_tail(stdout)}") from None
    return subprocess.CompletedProcess(argv, process.returncode, stdout)


def _ready_file(command: str, workdir: Path) -> Path | None:
    words = shlex.split(command, comments=True)
    for index, word in enumerate(words):
        if word == "--ready-file" and index + 1 < len(words):
            return workdir / words[index + 1]
        if word.startswith("--ready-file="):
            return workdir / word.split("=", 1)[1]
    return None


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
