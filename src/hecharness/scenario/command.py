"""Any program as a scenario's sender: it gets the fake HEC through its environment, and is judged by what arrived.

The harness starts the fake HEC, writes the scenario's records to a file, runs the command with
these variables set, and then accounts for every record at the HEC:

| Variable | Holds |
|---|---|
| `HEC_URL` | the HEC's base URL, e.g. `https://localhost:41234` (paths start with /services/collector) |
| `HEC_RAW_URL` | `$HEC_URL/services/collector/raw` |
| `HEC_EVENT_URL` | `$HEC_URL/services/collector/event` |
| `HEC_TOKEN` | the HEC token (send `Authorization: Splunk $HEC_TOKEN`) |
| `HEC_CHANNEL` | a channel GUID (`?channel=` or `X-Splunk-Request-Channel`) |
| `HEC_SOURCETYPE` | `cloudflare:json` |
| `HEC_CA_BUNDLE` | the CA that issued the HEC's certificate, PEM (empty for plain HTTP) |
| `HEC_RECORDS_FILE` | the records to send, one JSON object per line, as a Logpush job would encode them |
| `HEC_RECORDS_COUNT` | how many records the file holds |
| `HEC_DESTINATION_CONF` | the same HEC as a Logpush `splunk://` destination_conf |
| `HEC_ADMIN_URL` | the fake's admin API (journal, faults), for senders that want to look |
| `HECHARNESS_SCENARIO` | the scenario's name |
| `HECHARNESS_WORKDIR` | a directory of the command's own, for state or logs |
| `HECHARNESS_PYTHON` | the Python interpreter running the harness |

The directory of that interpreter comes first on the command's `PATH`, as an activated virtualenv
would put it, so `python -m hecharness.scenario.example_sender` runs with hecharness importable
whether or not the shell that started the harness had its virtualenv activated.

The command runs in real time (a program cannot be put on a virtual clock) and is killed after
its timeout. Its exit code, and the tails of its output, are part of the report.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from hecharness.clock import Clock, RealClock
from hecharness.generate import Encoder
from hecharness.scenario.context import Run
from hecharness.scenario.observation import CommandResult, Observation
from hecharness.scenario.sender import register

__all__ = ["Command", "CommandDriver", "ENVIRONMENT", "environment", "write_records", "run_command", "kill_running_commands"]

ENVIRONMENT = (
    "HEC_URL",
    "HEC_RAW_URL",
    "HEC_EVENT_URL",
    "HEC_TOKEN",
    "HEC_CHANNEL",
    "HEC_SOURCETYPE",
    "HEC_CA_BUNDLE",
    "HEC_RECORDS_FILE",
    "HEC_RECORDS_COUNT",
    "HEC_DESTINATION_CONF",
    "HEC_ADMIN_URL",
    "HECHARNESS_SCENARIO",
    "HECHARNESS_WORKDIR",
    "HECHARNESS_PYTHON",
)
_OUTPUT_LIMIT = 64_000  # characters of stdout and stderr kept
_running: set[int] = set()  # process groups of the commands running now, by their leader's pid


@dataclass(frozen=True)
class Command:
    """Any program as the sender. It runs with the fake HEC's address, token, channel, CA bundle and a
    records file in its environment (see `hecharness.scenario.command`), on real time.

    `command` is a list of arguments, or a string run by the shell (so `$HEC_URL` expands).
    """

    kind: ClassVar[str] = "command"

    command: str | Sequence[str]
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not isinstance(self.command, str):
            object.__setattr__(self, "command", tuple(self.command))
        if not self.command:
            raise ValueError("a command is needed")
        if not self.timeout > 0:
            raise ValueError(f"timeout must be above 0 seconds, got {self.timeout!r}")


class CommandDriver:
    """Writes the records to a file, runs the command with the first HEC in its environment, and waits for it."""

    over_time = True
    admin = True  # a sender may want to look at the journal or the faults, as the environment promises

    def clock(self, sender: Command) -> Clock:
        return RealClock()  # another program cannot be put on a virtual clock

    def abandon(self) -> None:
        kill_running_commands()

    async def send(self, sender: Command, run: Run) -> Observation:
        started = run.clock.now()
        records = run.expected_records(started, encoded=True)
        layout = Encoder(run.records.dataset, run.records.logpull_options).layout
        lines = [line for _, line in records]
        path = write_records(run.workdir / "records.ndjson", lines, layout.batch_prefix, layout.record_delimiter, layout.batch_suffix)
        run.add_faults()
        async with run.acting():
            result = await run_command(sender, environment(run, path, len(records)), cwd=Path.cwd())
        if run.key is not None:
            records = run.expected_records(started)
        return run.observation(started, run.clock.now(), records, command=result)


def environment(run: Run, records_file: Path, count: int) -> dict[str, str]:
    """The variables a command sender gets, for the scenario's first HEC."""
    base = run.base_url()
    ca = run.ca_bundle()
    return {
        "HEC_URL": base,
        "HEC_RAW_URL": base + "/services/collector/raw",
        "HEC_EVENT_URL": base + "/services/collector/event",
        "HEC_TOKEN": run.token(),
        "HEC_CHANNEL": run.channel,
        "HEC_SOURCETYPE": "cloudflare:json",
        "HEC_CA_BUNDLE": str(ca.absolute()) if ca is not None else "",
        "HEC_RECORDS_FILE": str(records_file.absolute()),
        "HEC_RECORDS_COUNT": str(count),
        "HEC_DESTINATION_CONF": run.destination_conf(),
        "HEC_ADMIN_URL": run.hec().admin_url or "",
        "HECHARNESS_SCENARIO": run.name,
        "HECHARNESS_WORKDIR": str(run.workdir.absolute()),
        "HECHARNESS_PYTHON": sys.executable,
    }


def write_records(path: Path, lines: list[bytes], prefix: bytes = b"", delimiter: bytes = b"", suffix: bytes = b"") -> Path:
    """The records as one upload of the job would carry them, uncompressed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(prefix + delimiter.join(lines) + suffix)
    return path


async def run_command(command: Command, env: dict[str, str], cwd: Path | None = None) -> CommandResult:
    """Run the command with `env` added to ours; kill it (and what it started) after its timeout."""
    full_env = {**os.environ, **env}
    # Not resolved: a virtualenv's python is a symlink, and only its own path makes it the virtualenv's.
    interpreter_dir = os.path.dirname(sys.executable)
    full_env["PATH"] = os.pathsep.join([interpreter_dir, *(full_env.get("PATH") or os.defpath).split(os.pathsep)])
    shown = command.command if isinstance(command.command, str) else shlex.join(command.command)
    started = time.perf_counter()
    common: dict[str, Any] = {
        "stdout": asyncio.subprocess.PIPE,
        "stderr": asyncio.subprocess.PIPE,
        "env": full_env,
        "cwd": cwd,
        "start_new_session": True,  # its own process group, so a timeout kills the shell and its children
    }
    if isinstance(command.command, str):
        process = await asyncio.create_subprocess_shell(command.command, **common)
    else:
        process = await asyncio.create_subprocess_exec(*command.command, **common)
    timed_out = False
    _running.add(process.pid)
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), command.timeout)
    except TimeoutError:
        timed_out = True
        _kill_group(process.pid)
        stdout, stderr = await process.communicate()
    except BaseException:  # cancelled (Ctrl-C): the command must not outlive the run
        _kill_group(process.pid)
        raise
    finally:
        _running.discard(process.pid)
    return CommandResult(
        command=shown,
        exit_code=None if timed_out else process.returncode,
        stdout=stdout.decode("utf-8", "replace")[-_OUTPUT_LIMIT:],
        stderr=stderr.decode("utf-8", "replace")[-_OUTPUT_LIMIT:],
        seconds=time.perf_counter() - started,
        timed_out=timed_out,
    )


def kill_running_commands() -> None:
    """Kill every command this process is running now, and what each started."""
    for pid in list(_running):
        _kill_group(pid)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, 9)  # the group we started, by its id: never anything else
    except ProcessLookupError:
        pass


register(Command.kind, CommandDriver())
