"""Logpush simulator, end to end: generator -> encoder -> gzip -> HTTP(S) -> fake HEC.

The fake HEC runs in its own process (`hecharness serve --count-only`), so the simulator's process
does only what Logpush does: make records, batch, gzip and upload them. Each row pushes the same
http_requests records (every field) through a job with the default batch limits, on a virtual
clock so no logical waiting slows it, and checks that the HEC counted every one.

Each end-to-end row is run several times, in rounds over all rows, and the median is reported
with every run beside it. Where the time goes is shown three ways: the same records made and
encoded without any upload, and with gzip added; the CPU seconds the simulator's process and the
HEC's process spent on each run; and a cProfile of one end-to-end run.

Target (issue 6): >= 50,000 records/s with all fields, on this 2-core machine.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from zlib_ng import zlib_ng

from _common import busy_seconds, process_cpu, spawn_hec
from hecharness.clock import VirtualClock
from hecharness.destination import Destination
from hecharness.generate import Encoder, RecordSource
from hecharness.logpush import LogpushSimulator
from hecharness.logpush.batching import DEFAULT_GZIP_LEVEL

RECORDS = int(os.environ.get("BENCH_LOGPUSH_RECORDS", 300_000))
CHANNEL = "11111111-2222-4333-8444-555555555555"
TARGET = 50_000
SAMPLES = int(os.environ.get("BENCH_LOGPUSH_SAMPLES", 3))


def events_counted(admin_url: str) -> int:
    return httpx.get(admin_url + "/journal/counters").json()["events"]


def destination(url: str) -> str:
    # A TLS fake's certificate names localhost, not the address it listens on.
    address = "https://localhost:" + url.rsplit(":", 1)[1] if url.startswith("https") else url
    return Destination.for_hec(address, token="bench-token", channel=CHANNEL).canonical(show_token=True)


@dataclass
class Sample:
    wall: float
    simulator_cpu: float  # this process: encoding on the loop thread, gzip on its worker
    hec_cpu: float  # the fake HEC's process
    others: float  # cores everything else used meanwhile
    raw: int
    compressed: int

    @property
    def rate(self) -> float:
        return RECORDS / self.wall


def push(url: str, ca: str, level: int, hec_pid: int, profile: bool = False) -> tuple[Sample, str]:
    simulator = LogpushSimulator(
        {"destination_conf": destination(url)},
        count=RECORDS,
        rate=1_000_000,  # records are available faster than they can be pushed: batches close at 100k
        clock=VirtualClock(),
        cafile=ca,
        any_port=True,
        allow_http=True,
        compress_level=level,
    )
    profiler = cProfile.Profile() if profile else None
    busy, hec, cpu, started = busy_seconds(), process_cpu(hec_pid), time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    report = simulator.run_sync()
    if profiler:
        profiler.disable()
    wall = time.perf_counter() - started
    cpu, hec = time.process_time() - cpu, process_cpu(hec_pid) - hec
    others = max(0.0, busy_seconds() - busy - cpu - hec) / wall
    metrics = report.metrics
    if metrics.records_uploaded != RECORDS:
        raise SystemExit(f"uploaded {metrics.records_uploaded} of {RECORDS}: {report.job.error_message}")
    text = ""
    if profiler:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(10)
        text = buffer.getvalue()
    return Sample(wall, cpu, hec, others, metrics.bytes_uncompressed, metrics.bytes_compressed), text


def generate_only(level: int | None) -> tuple[float, int]:
    source = RecordSource("http_requests", count=RECORDS, rate=1_000_000)
    render = source.renderer(Encoder("http_requests"))
    started = time.perf_counter()
    total = 0
    compressor = zlib_ng.compressobj(level, zlib_ng.DEFLATED, 31) if level is not None else None
    chunk: list[bytes] = []
    for _, item in source:
        chunk.append(render(item))
        if len(chunk) == 1000:
            data = b"".join(chunk)
            total += len(data)
            if compressor:
                compressor.compress(data)
            chunk.clear()
    return time.perf_counter() - started, total


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        served = spawn_hec(Path(workdir) / "ready.json", "--tls", "valid,plain", "--count-only",
                           "--certs-dir", str(Path(workdir) / "certs"), "--token", "bench-token")
        process, ready = served.process, served.ready
        try:
            ca = ready["ca_bundle"]
            for name, level in (("generate + encode only", None), ("generate + encode + gzip 1", 1), ("generate + encode + gzip 6", 6)):
                elapsed, raw = generate_only(level)
                rows.append((name, None, [], RECORDS / elapsed, raw / elapsed / 1e6))
            configurations = [(mode, level) for mode in ("plain", "valid") for level in (1, 6)]
            samples: dict[tuple[str, int], list[Sample]] = {c: [] for c in configurations}
            for _ in range(SAMPLES):  # rounds over all configurations, so a noisy spell hits them alike
                for mode, level in configurations:
                    before = events_counted(ready["admin_url"])
                    sample, _ = push(ready["urls"][mode], ca, level, process.pid)
                    counted = events_counted(ready["admin_url"]) - before
                    if counted != RECORDS:
                        raise SystemExit(f"the HEC counted {counted} of {RECORDS} records")
                    samples[(mode, level)].append(sample)
            _, profile_text = push(ready["urls"]["valid"], ca, 1, process.pid, profile=True)
            for mode, level in configurations:
                runs = sorted(samples[(mode, level)], key=lambda s: s.rate)
                median = runs[len(runs) // 2]
                label = f"end to end, {'TLS' if mode == 'valid' else 'plain HTTP'}, gzip {level}"
                if level == DEFAULT_GZIP_LEVEL:
                    label += " (the default)"
                rows.append((label, median, runs, median.rate, median.raw / median.wall / 1e6))
        finally:
            served.stop(timeout=10)

    print("## Logpush simulator: generator to fake HEC\n")
    print(f"{RECORDS:,} http_requests records, every non-deprecated field (~3.2 KB of ndjson each), default batch")
    print("limits (100,000 records), concurrency 4, virtual clock; the fake HEC (`serve --count-only`) in another")
    print(f"process on 127.0.0.1, which counted every record. {SAMPLES} runs of each end-to-end row, taken in rounds;")
    print("the table gives the median run. The run includes filling the pipeline (the first batch has nothing to")
    print(f"overlap with) and draining it (the last upload). Target: >= {TARGET:,} records/s end to end.\n")
    print("| What | gzip ratio | records/s (median) | runs | MB/s (uncompressed) | CPU s: simulator / HEC / other cores | target |")
    print("|---|---:|---:|---|---:|---:|---|")
    for name, median, runs, rate, mbs in rows:
        if median is None:
            print(f"| {name} | - | {rate:,.0f} | - | {mbs:,.0f} | - | - |")
            continue
        verdict = ("PASS" if rate >= TARGET else "FAIL") if "(the default)" in name else "-"
        spread = ", ".join(f"{run.rate:,.0f}" for run in runs)
        print(f"| {name} | {median.raw / median.compressed:.1f}x | **{rate:,.0f}** | {spread} | {mbs:,.0f} | "
              f"{median.simulator_cpu:.2f} / {median.hec_cpu:.2f} / {median.others:.2f} | {verdict} |")
    print()
    print("Generation rows run in this process alone, gzip inline. End to end, the simulator encodes on its event")
    print("loop thread and gzips on a worker thread while the HEC inflates and counts in its own process: three")
    print("busy threads on two cores. The target applies to the simulator's default gzip level, 1. Level 6 is shown")
    print("for scale: it halves the bytes, and compressing alone runs at the rate in its generation row, below the target.")
    print("\nCPU profile of one TLS, gzip 1 run (simulator process, top functions by own time):\n")
    print("```")
    print("\n".join(line for line in profile_text.strip().splitlines() if line.strip())[:3500])
    print("```")


if __name__ == "__main__":
    main()
