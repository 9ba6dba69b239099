"""Logpush simulator, end to end: generator -> encoder -> gzip -> HTTP(S) -> fake HEC.

The fake HEC runs in its own process (`hecharness serve --count-only`), so the simulator's process
does only what Logpush does: make records, batch, gzip and upload them. Each row pushes the same
http_requests records (every field) through a job with the default batch limits, on a virtual
clock so no logical waiting slows it, and checks that the HEC counted every one.

Where the time goes is shown two ways: the same records made and encoded without any upload, and
with gzip added; and a cProfile of one end-to-end run.

Target (issue 6): >= 50,000 records/s with all fields, on this 2-core machine.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from zlib_ng import zlib_ng

from hecharness.clock import VirtualClock
from hecharness.generate import Encoder, RecordSource
from hecharness.logpush import LogpushSimulator

RECORDS = int(os.environ.get("BENCH_LOGPUSH_RECORDS", 300_000))
CHANNEL = "11111111-2222-4333-8444-555555555555"
TARGET = 50_000


def start_hec(workdir: Path) -> tuple[subprocess.Popen, dict]:
    ready = workdir / "ready.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "hecharness.cli", "serve", "--port", "0", "--tls", "valid,plain", "--count-only",
         "--quiet", "--certs-dir", str(workdir / "certs"), "--token", "bench-token", "--ready-file", str(ready)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(400):
        if ready.exists():
            return process, json.loads(ready.read_text())
        time.sleep(0.05)
    process.kill()
    raise SystemExit("the fake HEC did not start")


def events_counted(admin_url: str) -> int:
    return httpx.get(admin_url + "/journal/counters").json()["events"]


def destination(url: str) -> str:
    host_port = url.split("://", 1)[1]
    query = f"channel={CHANNEL}&sourcetype=cloudflare:json&header_Authorization=Splunk%20bench-token"
    if url.startswith("https"):
        return f"splunk://localhost:{host_port.rsplit(':', 1)[1]}/services/collector/raw?{query}"
    return f"http://{host_port}/services/collector/raw?{query}"


def push(url: str, ca: str, level: int, profile: bool = False) -> tuple[float, int, int, str]:
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
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    report = simulator.run_sync()
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    metrics = report.metrics
    if metrics.records_uploaded != RECORDS:
        raise SystemExit(f"uploaded {metrics.records_uploaded} of {RECORDS}: {report.job.error_message}")
    text = ""
    if profiler:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(8)
        text = buffer.getvalue()
    return elapsed, metrics.bytes_uncompressed, metrics.bytes_compressed, text


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
        process, ready = start_hec(Path(workdir))
        try:
            ca = ready["ca_bundle"]
            for name, level in (("generate + encode only", None), ("generate + encode + gzip 1", 1), ("generate + encode + gzip 6", 6)):
                elapsed, raw = generate_only(level)
                rows.append((name, "-", RECORDS / elapsed, raw / elapsed / 1e6, "-"))
            profile_text = ""
            for mode in ("plain", "valid"):
                for level in (1, 6):
                    before = events_counted(ready["admin_url"])
                    profile = mode == "valid" and level == 1
                    elapsed, raw, compressed, text = push(ready["urls"][mode], ca, level, profile=False)
                    if profile:
                        _, _, _, profile_text = push(ready["urls"][mode], ca, level, profile=True)
                    counted = events_counted(ready["admin_url"]) - before
                    if counted < RECORDS:
                        raise SystemExit(f"the HEC counted {counted} of {RECORDS} records")
                    label = f"end to end, {'TLS' if mode == 'valid' else 'plain HTTP'}, gzip {level}"
                    rows.append((label, f"{raw / compressed:.1f}x", RECORDS / elapsed, raw / elapsed / 1e6, "PASS" if RECORDS / elapsed >= TARGET else "FAIL"))
        finally:
            process.terminate()
            process.wait(10)

    print("## Logpush simulator: generator to fake HEC\n")
    print(f"{RECORDS:,} http_requests records, every non-deprecated field (~3.2 KB of ndjson each), default batch")
    print("limits (100,000 records), concurrency 4, virtual clock; the fake HEC (`serve --count-only`) in another")
    print(f"process on 127.0.0.1, which counted every record. Target: >= {TARGET:,} records/s end to end.\n")
    print("| What | gzip ratio | records/s | MB/s (uncompressed) | target |")
    print("|---|---:|---:|---:|---|")
    for name, ratio, rate, mbs, verdict in rows:
        print(f"| {name} | {ratio} | {rate:,.0f} | {mbs:,.0f} | {verdict} |")
    print("\nCPU profile of the TLS, gzip 1 run (simulator process, top functions by own time):\n")
    print("```")
    print("\n".join(line for line in profile_text.strip().splitlines() if line.strip())[:3000])
    print("```")


if __name__ == "__main__":
    main()
