"""`hecharness push` at the default time scale (60) beside scale 2: compressing time costs no records.

The fake HEC runs in its own process (`hecharness serve --count-only`), a destination on real time
as far as the simulator can tell, and each row runs the `push` command a user would: the issue's
1,000,000 records at 20,000 a second over TLS. Before the upload deadline was measured in the
destination's time, scale 60 squeezed Logpush's 30 s into a 1 s floor and dropped most batches.

Each row runs several times, in rounds over both scales, and the median is reported with every run.
At scale 2 the job's own pacing bounds the rate (20,000 records per logical second is 40,000 per wall
second); at scale 60 the pacing is 1.7 wall seconds in all and the pipeline bounds it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_logpush import destination, events_counted, start_hec
from bench_soak import load_average

RECORDS = int(os.environ.get("BENCH_TIMESCALE_RECORDS", 1_000_000))
RATE = 20_000
SCALES = (60, 2)
SAMPLES = int(os.environ.get("BENCH_TIMESCALE_SAMPLES", 3))


def push(url: str, ca: str, scale: int, report: Path) -> tuple[float, dict]:
    command = [
        sys.executable, "-m", "hecharness.cli", "push", "--destination-conf", destination(url), "--any-port",
        "--cacert", ca, "--count", str(RECORDS), "--rate", str(RATE), "--time-scale", str(scale), "--quiet",
        "--report", str(report),
    ]
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    return wall, json.loads(report.read_text())["metrics"]


def main() -> None:
    runs: dict[int, list[tuple[float, dict, int]]] = {scale: [] for scale in SCALES}
    load_before = load_average()
    with tempfile.TemporaryDirectory() as workdir:
        process, ready = start_hec(Path(workdir))
        try:
            for _ in range(SAMPLES):  # rounds over both scales, so a noisy spell hits them alike
                for scale in SCALES:
                    before = events_counted(ready["admin_url"])
                    wall, metrics = push(ready["urls"]["valid"], ready["ca_bundle"], scale, Path(workdir) / "report.json")
                    counted = events_counted(ready["admin_url"]) - before - 1  # the validation probe
                    runs[scale].append((wall, metrics, counted))
        finally:
            process.terminate()
            process.wait(10)
    load_after = load_average()

    print("## push at time scale 60 beside scale 2\n")
    print(f"`hecharness push --count {RECORDS:,} --rate {RATE:,} --time-scale S` over TLS to `serve --count-only` in another")
    print(f"process on 127.0.0.1 (default batches of 100,000 records, gzip 1, concurrency 4). {SAMPLES} runs of each row,")
    print("taken in rounds; records/s is the whole command's wall time, start-up and validation probe included.")
    print(f"Load average (1/5/15 min) before and after: {load_before}, {load_after} (a shared machine).\n")
    print("| Time scale | records/s (median) | runs | uploaded / dropped / counted by the HEC | answers |")
    print("|---|---:|---|---|---|")
    for scale in SCALES:
        ordered = sorted(runs[scale], key=lambda run: run[0])
        wall, metrics, counted = ordered[len(ordered) // 2]
        spread = ", ".join(f"{RECORDS / run[0]:,.0f}" for run in runs[scale])
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(metrics["outcomes"].items()))
        label = f"{scale}" + (" (the default)" if scale == 60 else "")
        print(f"| {label} | **{RECORDS / wall:,.0f}** | {spread} | "
              f"{metrics['records_uploaded']:,} / {metrics['records_dropped']:,} / {counted:,} | {answers} |")
    lost = [scale for scale in SCALES for _, metrics, counted in runs[scale] if counted != RECORDS or metrics["records_dropped"]]
    print()
    print("Every run delivered every record." if not lost else f"Runs at scale {sorted(set(lost))} lost records.")


if __name__ == "__main__":
    main()
