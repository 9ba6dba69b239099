"""Locust's LogpushUser against `hecharness push` alone, to the same fake HEC, side by side in one run.

Three senders take turns, round after round, against one `hecharness serve --count-only`: `push` (one
process), Locust with one local worker (a master and a worker process), and Locust with two local
workers. All send http_requests, 10,000 records a batch, gzip level 1, four uploads at once (push's
--concurrency 4, Locust's --users 4). A sender's rate is what the fake counted arriving over a window
that opens once its first records have landed, so start-up costs neither side anything.

Then a Locust worker runs alone for a while (`--long`: ten minutes) and its resident memory is read
every few seconds: it must stay flat, since a worker keeps a tally of a few numbers, not the keys.

    python bench/bench_locust.py           # about four minutes
    python bench/bench_locust.py --long    # the ten-minute memory run
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from _common import spawn_hec, status_kb

import hecharness.locust

LOCUSTFILE = str(Path(hecharness.locust.__file__).with_name("locustfile.py"))
CHANNEL = "11111111-2222-4333-8444-555555555555"
BATCH, LEVEL, CONCURRENCY = 10_000, 1, 4
ROUNDS = int(os.environ.get("BENCH_LOCUST_ROUNDS", 3))
WINDOW = float(os.environ.get("BENCH_LOCUST_WINDOW", 10.0))  # seconds each sender is measured over
TARGET = 0.8

Sender = Callable[[dict, Path], list[subprocess.Popen[bytes]]]


def destination(ready: dict) -> str:
    # A TLS fake's certificate names localhost, not the address it listens on.
    port, token = ready["url"].rsplit(":", 1)[1], ready["tokens"][0]["value"]
    return f"splunk://localhost:{port}/services/collector/raw?channel={CHANNEL}&header_Authorization=Splunk%20{token}"


def trust(ready: dict) -> list[str]:
    return ["--any-port", "--cacert", ready["ca_bundle"]]


def events(admin: str) -> int:
    return httpx.get(admin + "/journal/counters").json()["events"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def push(ready: dict, work: Path) -> list[subprocess.Popen[bytes]]:
    # Records become available far faster than they can be sent: batches close at BATCH records.
    command = [sys.executable, "-m", "hecharness.cli", "push", "--destination-conf", destination(ready), *trust(ready),
               "--count", "50000000", "--rate", "1000000", "--max-upload-records", str(BATCH), "--gzip-level", str(LEVEL),
               "--concurrency", str(CONCURRENCY), "--quiet"]
    return [subprocess.Popen(command, cwd=work, stdout=subprocess.DEVNULL, stderr=log(work, "push"))]


def log(work: Path, name: str):
    """A process's stderr, kept in the scratch directory: what it said is shown if it sends nothing."""
    return open(work / f"{name}.log", "w")


def locust(workers: int) -> Sender:
    def start(ready: dict, work: Path) -> list[subprocess.Popen[bytes]]:
        port = str(free_port())
        common = [sys.executable, "-m", "locust", "-f", LOCUSTFILE]
        master = subprocess.Popen(
            [*common, "--headless", "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
             "--expect-workers", str(workers), "--users", str(CONCURRENCY), "--spawn-rate", str(CONCURRENCY),
             "--destination-conf", destination(ready), *trust(ready), "--max-upload-records", str(BATCH), "--gzip-level", str(LEVEL), "--only-summary"],
            cwd=work, stdout=subprocess.DEVNULL, stderr=log(work, "master"),
        )
        started = [master]
        for number in range(workers):
            started.append(subprocess.Popen([*common, "--worker", "--master-host", "127.0.0.1", "--master-port", port],
                                            cwd=work, stdout=subprocess.DEVNULL, stderr=log(work, f"worker-{number}")))
        return started

    return start


def measure(sender: Sender, ready: dict, work: Path) -> float:
    """Records a second the fake counted over WINDOW seconds, once the sender's first records arrived."""
    admin = ready["admin_url"]
    httpx.post(admin + "/journal/clear")
    processes = sender(ready, work)
    try:
        deadline = time.monotonic() + 120
        while events(admin) == 0:
            if time.monotonic() > deadline:
                said = "\n".join(f"{path.name}: {path.read_text()[-2000:]}" for path in sorted(work.glob("*.log")))
                raise SystemExit(f"a sender sent nothing in 120 s\n{said}")
            time.sleep(0.2)
        time.sleep(1.0)  # past the first batches' burst
        first, since = events(admin), time.monotonic()
        time.sleep(WINDOW)
        return (events(admin) - first) / (time.monotonic() - since)
    finally:
        stop(processes)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:  # the master first: its workers are told to quit
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def memory(ready: dict, work: Path, seconds: float, every: float) -> list[tuple[float, int]]:
    """(seconds since the worker's first records arrived, its RSS in kB), sampled while it sends flat out."""
    httpx.post(ready["admin_url"] + "/journal/clear")
    processes = locust(1)(ready, work)
    worker = processes[1]
    samples = []
    try:
        while events(ready["admin_url"]) == 0:  # from its first batch on: start-up is not what is watched
            time.sleep(0.2)
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            samples.append((elapsed, status_kb(worker.pid, "VmRSS")))
            time.sleep(every)
        samples.append((time.monotonic() - started, status_kb(worker.pid, "VmRSS")))
    finally:
        stop(processes)
    return samples


def main() -> None:
    long = "--long" in sys.argv[1:]
    load = os.getloadavg()
    cells: dict[str, Sender] = {"push": push, "Locust, 1 worker": locust(1), "Locust, 2 workers": locust(2)}
    rates: dict[str, list[float]] = {name: [] for name in cells}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        with spawn_hec(work / "hec.json", "--count-only", "--tls", "valid", "--certs-dir", str(work / "certs")) as served:
            for number in range(ROUNDS):
                order = list(cells) if number % 2 == 0 else list(reversed(cells))
                for name in order:
                    rates[name].append(measure(cells[name], served.ready, work))
                    print(f"round {number + 1}: {name} {rates[name][-1]:,.0f} records/s", file=sys.stderr, flush=True)
            seconds, every = (600.0, 30.0) if long else (60.0, 5.0)
            samples = memory(served.ready, work, seconds, every)

    ratios = [one / alone for one, alone in zip(rates["Locust, 1 worker"], rates["push"])]
    ratio = statistics.median(ratios)
    print("## Locust: LogpushUser against `hecharness push`\n")
    print(f"Load average when it started: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} (1, 5, 15 min; 2 cores shared with other work).\n")
    print(f"One `hecharness serve --count-only --tls valid` receives; each sender in turn sends http_requests, {BATCH:,} records a batch, "
          f"gzip level {LEVEL}, {CONCURRENCY} uploads at once (push's concurrency, Locust's users), all on 127.0.0.1. "
          f"A rate is what the fake counted over {WINDOW:.0f} s, from 1 s after the sender's first records landed; "
          f"{ROUNDS} rounds, the order reversed every other round.\n")
    print("| Sender | Records/s (median) | Rounds |")
    print("|---|---:|---|")
    for name, values in rates.items():
        print(f"| {name} | **{statistics.median(values):,.0f}** | {', '.join(f'{v:,.0f}' for v in values)} |")
    verdict = "PASS" if ratio >= TARGET else "FAIL"
    print(f"\nLocust with one worker / push alone, median of the rounds' ratios: **{ratio:.2f}x** "
          f"({', '.join(f'{r:.2f}' for r in ratios)}); target >= {TARGET}x: {verdict}. The fake and every sender share the two cores, "
          "so two workers add a process to feed, not a core.\n")
    first, last = samples[0][1], samples[-1][1]
    settled = [kb for at, kb in samples if at >= samples[-1][0] / 4]
    print(f"A Locust worker's RSS over {samples[-1][0]:,.0f} s of sending (sampled every {every:.0f} s): "
          f"{first / 1024:,.0f} MiB at start, {last / 1024:,.0f} MiB at the end; after the first quarter "
          f"{min(settled) / 1024:,.0f}-{max(settled) / 1024:,.0f} MiB. Samples (s: MiB): "
          + ", ".join(f"{at:.0f}: {kb / 1024:.0f}" for at, kb in samples) + ".")
    print("\nRe-run: `make bench NAME=locust` (`python bench/bench_locust.py --long` for the ten-minute memory run).")


if __name__ == "__main__":
    main()
