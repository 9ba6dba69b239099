"""What every benchmark repeats: CPU and memory readings from /proc, a fake HEC in its own process.

Benchmarks run as scripts (`python bench/bench_x.py`), so this directory is on their path and they
`import _common`. The readings are Linux's: elsewhere they raise OSError, which the benchmarks that
can do without them catch.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hecharness.testing import Served

__all__ = ["busy_cores", "busy_seconds", "process_cpu", "spawn_hec", "status_kb"]


def busy_seconds() -> float:
    """CPU seconds all processes have spent busy since boot (all but idle and iowait), from /proc/stat."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def busy_cores(seconds: float) -> float | None:
    """Cores the whole machine kept busy over `seconds` while we sleep; None where /proc/stat is missing."""
    try:
        start = busy_seconds()
        time.sleep(seconds)
        return (busy_seconds() - start) / seconds
    except (OSError, ValueError):
        return None


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, every thread) a process has used, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_kb(pid: int, key: str) -> int:
    """One kB figure of /proc/<pid>/status: VmRSS (resident now), VmHWM (resident at its peak)..."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def spawn_hec(ready_file: Path, *args: str) -> Served:
    """`hecharness serve --port 0 --quiet *args` in its own process, so that its CPU and memory are its own.

    Its stdout is thrown away (a benchmark prints Markdown on its own) and its stderr goes to a file
    beside `ready_file`, never to a pipe that a long run could fill; a server that does not start ends
    the benchmark with what it said.
    """
    # Imported here, not above: bench_collector's server children import this module while measuring
    # an older commit's src/ (BENCH_REV), which may have no hecharness.testing.
    from hecharness.testing import SpawnError, spawn_served

    log = ready_file.with_suffix(".log")
    with open(log, "w") as stderr:
        try:
            return spawn_served(["--port", "0", "--quiet", *args], ready_file, stdout=subprocess.DEVNULL, stderr=stderr)
        except SpawnError as error:
            raise SystemExit(f"the fake HEC did not start: {error} {log.read_text().strip()}") from None
