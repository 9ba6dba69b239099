"""Cluster ingest benchmark (issue 17): three indexers behind the in-process balancer against the single collector.

Two servers answer POST /services/collector/raw, one at a time, each `hecharness serve` in its own
process (started afresh for every sample), journal on:

- **single**: `serve`, the single collector;
- **cluster**: `serve --indexers 3 --balancer round-robin`, three indexers behind the in-process
  balancer, each request choosing its indexer.

wrk (bench_collector's driver and bodies: 32 keep-alive connections, Logpush-like ndjson) POSTs 1 KB
and 1 MB bodies. Each round measures both servers back to back for each body, in alternating order,
and the ratio cluster / single is taken within the round: the machine's speed drifts over minutes, a
ratio taken seconds apart does not carry it. After each sample the server's own counters (its admin
API's /journal/counters, merged over the indexers in the cluster) must hold exactly lines x requests
events and no answer other than 200.

    python bench/bench_cluster.py          # prints the Markdown section
    python bench/run.py cluster            # the same, written into bench/RESULTS.md

Exit status: 0 when the run completed (a missed target says FAIL in the table), 1 when the run itself
failed, 2 without wrk.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from _common import spawn_hec
from bench_collector import (
    RAW_PATH,
    Body,
    BenchError,
    CpuWindow,
    Quiet,
    WrkResult,
    build_bodies,
    ensure_wrk,
    lua_script,
    run_wrk,
)

ROUNDS = 5
DURATION_S = 4
WARMUP_S = 1
QUIET_BUDGET_S = 60
TARGET = 0.8  # cluster requests/s against the single collector's, per body
SERVERS = {
    "single": (),
    "cluster": ("--indexers", "3", "--balancer", "round-robin"),
}
BODIES = ("1 KB", "1 MB")


@dataclass
class Sample:
    server: str
    body: str
    wrk: WrkResult
    cpu: CpuWindow

    @property
    def rps(self) -> float:
        return self.wrk.rps


def counters(admin_url: str) -> dict:
    with urllib.request.urlopen(admin_url + "/journal/counters", timeout=10) as answer:
        return json.load(answer)


def settled(admin_url: str, timeout: float = 15) -> dict:
    """Counters once the requests wrk abandoned at its deadline have finished: two readings agree."""
    deadline = time.monotonic() + timeout
    last = counters(admin_url)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = counters(admin_url)
        if now == last:
            return now
        last = now
    raise BenchError(f"the server kept counting for {timeout:.0f} s after wrk stopped")


def measure(server: str, body: Body, token: str, script: Path, directory: Path, quiet: Quiet) -> Sample:
    quiet.wait()
    ready = directory / f"{server}.json"
    with spawn_hec(ready, "--token", token, "--max-events", "100000", *SERVERS[server]) as served:
        url = served.ready["url"] + RAW_PATH
        admin = served.ready["admin_url"]
        run_wrk(url, script, WARMUP_S)
        before = settled(admin)
        with CpuWindow(served.pid) as cpu:
            result = run_wrk(url, script, DURATION_S)
        after = settled(admin)
    requests = after["requests"] - before["requests"]
    events = after["events"] - before["events"]
    statuses = {status: count for status, count in after["by_status"].items() if status != "200"}
    problems = []
    if result.errors:
        problems.append(f"wrk errors {result.errors}")
    if events != requests * body.lines:
        problems.append(f"{events} events for {requests} requests of {body.lines} lines")
    if statuses:
        problems.append(f"answers other than 200: {statuses}")
    if not 0 <= requests - result.requests <= 32:  # at most one abandoned request per connection
        problems.append(f"server answered {requests} requests, wrk completed {result.requests}")
    if problems:
        raise BenchError(f"{server} with {body.spec.name}: {'; '.join(problems)}")
    return Sample(server, body.spec.name, result, cpu)


def main() -> int:
    if ensure_wrk() is None:
        print("wrk is not installed (Debian/Ubuntu: sudo apt-get install wrk); run again once it is.", file=sys.stderr)
        return 2
    from hecharness.hec.tokens import new_token_value

    token = new_token_value()
    samples: dict[tuple[str, str], list[Sample]] = {}
    ratios: dict[str, list[float]] = {name: [] for name in BODIES}
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        directory = Path(tmp)
        bodies = [body for body in build_bodies(directory) if body.spec.name in BODIES]
        scripts = {body.spec.name: lua_script(directory, body, token) for body in bodies}
        quiet = Quiet(QUIET_BUDGET_S)
        try:
            for round_ in range(1, ROUNDS + 1):
                for body in bodies:
                    order = list(SERVERS) if round_ % 2 else list(reversed(SERVERS))
                    rates = {}
                    for server in order:
                        print(f"   {round_}/{ROUNDS} {server:8} {body.spec.name:5}", end="", file=sys.stderr, flush=True)
                        sample = measure(server, body, token, scripts[body.spec.name], directory, quiet)
                        samples.setdefault((server, body.spec.name), []).append(sample)
                        rates[server] = sample.rps
                        print(f" {sample.rps:10,.0f} req/s", file=sys.stderr, flush=True)
                    ratios[body.spec.name].append(rates["cluster"] / rates["single"])
        except BenchError as error:
            print(f"\nbenchmark failed: {error}", file=sys.stderr)
            return 1
    load = os.getloadavg()
    lines = [
        "## Cluster: three indexers behind the in-process balancer, /services/collector/raw",
        "",
        f"Load average when the run ended: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} (a busy machine makes single samples noisy; "
        "the ratios are taken within a round, servers back to back).",
        "",
        f"Load: wrk, 32 keep-alive connections, {ROUNDS} rounds of {DURATION_S} s samples (after a {WARMUP_S} s warm-up), "
        "both servers back to back per body in alternating order, each `hecharness serve` in its own process with the journal "
        "on; `cluster` is `serve --indexers 3 --balancer round-robin`. Checked after every sample: exactly lines x requests "
        "events in the server's counters, only 200 answers.",
        "",
        "| Server | Body | Requests/s (median) | samples | CPU cores: server / other |",
        "|---|---|---:|---|---:|",
    ]
    for (server, body), taken in sorted(samples.items(), key=lambda item: (BODIES.index(item[0][1]), item[0][0] != "single")):
        rate = statistics.median(sample.rps for sample in taken)
        nearest = min(taken, key=lambda sample: abs(sample.rps - rate))
        cpu = nearest.cpu
        shown = "-" if cpu.server is None else f"{cpu.server:.2f} / {cpu.others:.2f}"
        lines.append(f"| {server} | {body} | **{rate:,.0f}** | {', '.join(f'{s.rps:,.0f}' for s in taken)} | {shown} |")
    lines += ["", f"| Body | cluster / single (median of rounds) | by round | >= {TARGET}x |", "|---|---:|---|---|"]
    for body, taken in ratios.items():
        ratio = statistics.median(taken)
        lines.append(f"| {body} | {ratio:.2f}x | {', '.join(f'{r:.2f}' for r in taken)} | {'PASS' if ratio >= TARGET else 'FAIL'} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
