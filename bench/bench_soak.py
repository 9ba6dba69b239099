"""Soak: 10 million events through /raw with flat memory, and 10 million records through a flaky destination.

1. The fake HEC (`hecharness serve`) runs in its own process so its memory is its own. A client in
   this process pushes `EVENTS` events to /services/collector/raw, 1,000 lines per request, over a
   few keep-alive connections: once in count-only mode, once keeping events up to the stored-event
   cap. The server's resident memory (VmRSS in /proc/<pid>/status) is sampled as it goes; after a
   warm-up of the first 10% of the events it must stay within 50 MB of where it was, and the
   server's counters must come out exact.
2. The Logpush simulator pushes `RECORDS` records through a fake HEC that answers at random with
   503s and connection resets, on a scaled real clock, with the FAQ retry policy. Every record must
   be accounted for exactly: uploaded + dropped + lost while disabled == generated, and the HEC's own
   count equals the uploads.

Sizes come from BENCH_SOAK_EVENTS and BENCH_SOAK_RECORDS (10,000,000 each), so a short run can be
had while developing: `BENCH_SOAK_EVENTS=500000 BENCH_SOAK_RECORDS=300000 python bench/bench_soak.py`.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from _common import spawn_hec, status_kb
from hecharness.clock import RealClock
from hecharness.destination import Destination
from hecharness.logpush import LogpushSimulator

EVENTS = int(os.environ.get("BENCH_SOAK_EVENTS", 10_000_000))
RECORDS = int(os.environ.get("BENCH_SOAK_RECORDS", 10_000_000))
LINES_PER_REQUEST = 1_000
CONNECTIONS = 4
WARM_UP = 0.10  # share of the events after which memory must stay flat
FLAT_MB = 50
SAMPLE_EVERY = 0.1  # seconds between VmRSS samples
STORED_EVENTS_CAP = 100_000
STORED_REQUESTS_CAP = 1_000
TOKEN = "soak-token"
CHANNEL = "11111111-2222-4333-8444-555555555555"
# The flaky destination: seeded, so every run meets the same weather.
FAULTS = ["error:9 probability=0.25 seed=1", "reset probability=0.15 seed=2"]
TIME_SCALE = 3000.0  # the FAQ policy's 5 minutes of retries take 0.1 s of wall time
SIM_BATCH_RECORDS = 10_000
SIM_FIELDS = "fields=RayID,EdgeStartTimestamp"


@dataclass
class MemoryWatch:
    """Samples a process's VmRSS with the number of events sent at that moment."""

    pid: int
    progress: list[int]  # [events sent so far], updated by the client
    samples: list[tuple[int, int]] = field(default_factory=list)  # (events sent, VmRSS kB)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.samples.append((self.progress[0], status_kb(self.pid, "VmRSS")))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.samples.append((self.progress[0], status_kb(self.pid, "VmRSS")))


def request_bytes(port: int, body: bytes) -> bytes:
    head = (
        f"POST /services/collector/raw?channel={CHANNEL}&sourcetype=cloudflare:json HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nAuthorization: Splunk {TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def bodies(count: int) -> list[bytes]:
    """A few distinct Logpush-like bodies of LINES_PER_REQUEST lines each, reused in turn."""
    made = []
    for variant in range(count):
        lines = (
            b'{"RayID":"%07x%09x","EdgeStartTimestamp":%d,"ClientIP":"192.0.2.%d","ClientRequestHost":"www.example.com",'
            b'"EdgeResponseStatus":200,"ClientRequestPath":"/soak/%d"}'
            % (variant, line, 1_700_000_000_000_000_000 + line, line % 250, line)
            for line in range(LINES_PER_REQUEST)
        )
        made.append(b"\n".join(lines) + b"\n")
    return made


async def push_raw(port: int, total_events: int, progress: list[int]) -> tuple[int, int]:
    """Push the events; (requests answered 200, requests answered otherwise)."""
    payloads = [request_bytes(port, body) for body in bodies(8)]
    requests = total_events // LINES_PER_REQUEST
    numbers = itertools.count()
    outcome = [0, 0]

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (number := next(numbers)) < requests:
                writer.write(payloads[number % len(payloads)])
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
                await reader.readexactly(length)
                outcome[0 if head.startswith(b"HTTP/1.1 200 ") else 1] += 1
                progress[0] += LINES_PER_REQUEST
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return outcome[0], outcome[1]


@dataclass
class RawRun:
    mode: str
    events: int
    requests_ok: int
    requests_failed: int
    seconds: float
    wire_bytes: int
    counters: dict
    baseline_mb: float
    peak_after_mb: float
    end_mb: float
    hwm_mb: float
    exact: bool
    samples: int

    @property
    def growth_mb(self) -> float:
        return self.peak_after_mb - self.baseline_mb


def soak_raw(workdir: Path, mode: str) -> RawRun:
    if mode == "count-only":
        args = ["--token", TOKEN, "--count-only"]
    else:
        config = workdir / "capped.toml"
        config.write_text(
            f"max_events = {STORED_EVENTS_CAP}\nmax_requests = {STORED_REQUESTS_CAP}\n[[tokens]]\nvalue = \"{TOKEN}\"\n"
        )
        args = ["--config", str(config)]
    served = spawn_hec(workdir / f"{mode}.json", *args)
    process, ready = served.process, served.ready
    port = int(ready["url"].rsplit(":", 1)[1])
    progress = [0]
    watch = MemoryWatch(process.pid, progress)
    try:
        started = time.perf_counter()
        ok, failed = asyncio.run(push_raw(port, EVENTS, progress))
        seconds = time.perf_counter() - started
        watch.stop()
        counters = httpx.get(ready["admin_url"] + "/journal/counters", timeout=30).json()
        hwm_kb = status_kb(process.pid, "VmHWM")
    finally:
        served.stop()
    sent = ok + failed
    stored = EVENTS - counters["events_dropped_from_store"]
    expected_stored = 0 if mode == "count-only" else min(EVENTS, STORED_EVENTS_CAP)
    exact = (
        failed == 0
        and counters["events"] == EVENTS
        and counters["requests"] == sent
        and counters["by_status"] == {"200": sent}
        and stored == expected_stored
    )
    warm = [rss for events, rss in watch.samples if events >= WARM_UP * EVENTS]
    baseline = warm[0] if warm else watch.samples[-1][1]
    body_size = sum(len(b) for b in bodies(1))
    return RawRun(
        mode, EVENTS, ok, failed, seconds, body_size * sent, counters, baseline / 1024, max(warm, default=baseline) / 1024,
        watch.samples[-1][1] / 1024, hwm_kb / 1024, exact, len(warm),
    )


@dataclass
class SimRun:
    seconds: float
    metrics: dict
    hec_events: int
    hec_by_status: dict
    sim_hwm_mb: float
    hec_hwm_mb: float
    exact: bool


def soak_simulator(workdir: Path) -> SimRun:
    args = ["--token", TOKEN, "--count-only"]
    for spec in FAULTS:
        args += ["--fault", spec]
    served = spawn_hec(workdir / "flaky.json", *args)
    process, ready = served.process, served.ready
    try:
        conf = Destination.for_hec(ready["url"], token=TOKEN, channel=CHANNEL).canonical(show_token=True)
        simulator = LogpushSimulator(
            {"destination_conf": conf, "logpull_options": SIM_FIELDS, "max_upload_records": SIM_BATCH_RECORDS},
            clock=RealClock(scale=TIME_SCALE),
            policy="faq",
            count=RECORDS,
            rate=1_000_000,  # records become available faster than they can be pushed
            allow_http=True,
            compress_level=1,
        )
        started = time.perf_counter()
        report = simulator.run_sync()
        seconds = time.perf_counter() - started
        counters = httpx.get(ready["admin_url"] + "/journal/counters", timeout=30).json()
        hec_hwm = status_kb(process.pid, "VmHWM")
    finally:
        served.stop()
    metrics = report.metrics.to_dict()
    accounted = (
        metrics["records_uploaded"] + metrics["records_dropped"] + metrics["records_lost_disabled"]
        + metrics["records_sampled_out"] + metrics["records_filtered_out"]
    )
    exact = (
        metrics["records_generated"] == RECORDS
        and accounted == RECORDS
        and metrics["records_pending"] == 0
        and counters["events"] == metrics["records_uploaded"]
    )
    return SimRun(seconds, metrics, counters["events"], counters["by_status"], status_kb(os.getpid(), "VmHWM") / 1024, hec_hwm / 1024, exact)


def load_average() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        load_before = load_average()
        raw_runs = [soak_raw(workdir, "count-only"), soak_raw(workdir, "stored-event cap")]
        sim = soak_simulator(workdir)
        load_after = load_average()

    print("## Soak: 10 million events with flat memory, 10 million records through a flaky destination\n")
    print(f"Load average (1/5/15 min) before and after: {load_before}, {load_after} (a shared machine).\n")
    print(f"### /services/collector/raw, {EVENTS:,} events\n")
    print(
        f"`hecharness serve` in its own process; a client in the bench process sends {LINES_PER_REQUEST:,}-line "
        f"Logpush-like bodies (~{len(bodies(1)[0]) / 1000:.0f} KB) over {CONNECTIONS} keep-alive connections on 127.0.0.1. "
        "Count-only keeps counters only; the stored-event cap keeps the last "
        f"{STORED_EVENTS_CAP:,} events and {STORED_REQUESTS_CAP:,} requests (config `max_events`, `max_requests`). "
        f"Server VmRSS sampled every {SAMPLE_EVERY:g} s; the baseline is the first sample after {WARM_UP:.0%} of the events "
        f"(warm-up). Flat means the largest sample after it is within {FLAT_MB} MB of it. Exact means the server "
        "counted every event and request, all answered 200, and stored exactly what its cap allows.\n"
    )
    print("| Mode | Events | Requests | Seconds | Events/s | MB/s | RSS after warm-up | Max after (samples) | Growth | At end | Peak RSS (VmHWM) | Flat | Exact |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    failed = False
    for run in raw_runs:
        flat = run.growth_mb <= FLAT_MB
        failed |= not (flat and run.exact)
        print(
            f"| {run.mode} | {run.counters['events']:,} | {run.counters['requests']:,} | {run.seconds:,.1f} | "
            f"{run.events / run.seconds:,.0f} | {run.wire_bytes / run.seconds / 1e6:,.1f} | {run.baseline_mb:,.1f} MB | "
            f"{run.peak_after_mb:,.1f} MB ({run.samples}) | {run.growth_mb:+,.1f} MB | {run.end_mb:,.1f} MB | {run.hwm_mb:,.1f} MB | "
            f"{'PASS' if flat else 'FAIL'} | {'PASS' if run.exact else 'FAIL'} |"
        )
    m = sim.metrics
    accounted = m["records_uploaded"] + m["records_dropped"] + m["records_lost_disabled"] + m["records_sampled_out"] + m["records_filtered_out"]
    failed |= not sim.exact
    print(f"\n### Logpush simulator, {RECORDS:,} records through a flaky destination\n")
    print(
        f"http_requests records with `{SIM_FIELDS}`, batches of {SIM_BATCH_RECORDS:,} records, gzip level 1, FAQ "
        f"policy (5 attempts at 0, 20, 60, 140, 300 s), on `RealClock(scale={TIME_SCALE:g})`. The fake HEC "
        f"(`serve --count-only`, its own process) answers at random: {', '.join(f'`{f}`' for f in FAULTS)}. "
        "Exact means uploaded + dropped + lost while disabled + sampled out == generated, nothing pending, "
        "and the HEC's own event count equals the records uploaded.\n"
    )
    print("| Generated | Uploaded | Dropped (after 5 attempts) | Lost while disabled | Sampled out | Pending | Accounted | HEC counted | Exact |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print(
        f"| {m['records_generated']:,} | {m['records_uploaded']:,} | {m['records_dropped']:,} | {m['records_lost_disabled']:,} | "
        f"{m['records_sampled_out']:,} | {m['records_pending']:,} | {accounted:,} | {sim.hec_events:,} | {'PASS' if sim.exact else 'FAIL'} |"
    )
    outcomes = ", ".join(f"{k}: {v:,}" for k, v in m["outcomes"].items())
    print(
        f"\nBatches {m['batches']:,} (uploaded {m['batches_uploaded']:,}, dropped {m['batches_dropped']:,}); "
        f"uploads {m['uploads']:,}, of which retries {m['retries']:,}; answers {outcomes}. "
        f"{sim.seconds:,.1f} s wall, {m['records_generated'] / sim.seconds:,.0f} records/s; peak RSS of the simulator "
        f"process {sim.sim_hwm_mb:,.0f} MB, of the fake HEC {sim.hec_hwm_mb:,.0f} MB."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
