"""`serve --workers 2` against `serve --workers 1` (issue 18): /raw ingest under wrk, side by side in one run.

Each sample starts `hecharness serve --quiet --workers N` afresh in its own process (journal on, the
default caps), warms it with a short wrk run, clears its journal through the admin API, then runs wrk
(1 thread, 32 keep-alive connections, the same pre-built Logpush-like ndjson body every time, from
bench_collector) and checks the server's own count through the admin API: exactly lines x requests
events, no non-2xx, at most one request per connection more than wrk completed. The two servers
alternate within each round, so each round's ratio compares them on the same machine weather; the
table gives the median over rounds with every round's ratio beside it.

At 1 MB gzip a request is mostly inflating and scanning bytes in C inside the server, so wrk's own
cost is small and two workers on two cores should come near twice one: the target is >= 1.6x. At
1 KB uvicorn's per-request cost and wrk's share of the two cores weigh more; it is reported, not held
to a target.

    python bench/bench_workers.py        # prints the Markdown section
    python bench/run.py workers          # the same, written into bench/RESULTS.md

Exit status: 0 when the run completed (the table says PASS or FAIL), 1 when it failed (a server did
not start, counts did not match, wrk errors), 2 without wrk.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from _common import spawn_hec
from bench_collector import CONNECTIONS, Body, BenchError, WrkResult, build_bodies, lua_script, run_wrk

WORKERS = (1, 2)
BODY_NAMES = ("1 MB gzip", "1 KB")
ROUNDS = int(os.environ.get("BENCH_WORKERS_ROUNDS", 3))
DURATION_S = int(os.environ.get("BENCH_WORKERS_SECONDS", 4))
WARMUP_S = 1
TARGET = 1.6  # two workers against one, 1 MB gzip
TOKEN = "bench-workers-token"


@dataclass
class Sample:
    workers: int
    body: Body
    wrk: WrkResult


def load() -> str:
    """The load averages, as `uptime` gives them: how busy the shared machine was."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def settle(admin: str) -> None:
    """Wait until the server's request count stops moving (at most a few seconds)."""
    last = None
    for _ in range(50):
        counted = httpx.get(admin + "/journal/counters", timeout=30).json()["requests"]
        if counted == last:
            return
        last = counted
        time.sleep(0.1)


def sample(workers: int, body: Body, script: Path, directory: Path) -> Sample:
    ready = directory / f"ready-{workers}.json"
    served = spawn_hec(ready, "--token", TOKEN, "--workers", str(workers))
    try:
        url, admin = served.ready["url"], served.ready["admin_url"]
        warm = run_wrk(url + "/services/collector/raw", script, WARMUP_S)
        if warm.errors or not warm.requests:
            raise BenchError(f"--workers {workers} failed the warm-up with {body.spec.name}: {warm}")
        settle(admin)  # requests wrk left in flight at the warm-up's deadline must not count in the sample
        httpx.post(admin + "/journal/clear", timeout=30).raise_for_status()
        result = run_wrk(url + "/services/collector/raw", script, DURATION_S)
        counted = httpx.get(admin + "/journal/counters", timeout=30).json()
    finally:
        served.stop()
    problems = []
    if result.errors:
        problems.append(f"wrk errors {result.errors}")
    if counted["events"] != counted["requests"] * body.lines:
        problems.append(f"server counted {counted['events']} events in {counted['requests']} requests of {body.lines} lines")
    if set(counted["by_status"]) != {"200"}:
        problems.append(f"answers {counted['by_status']}")
    if not 0 <= counted["requests"] - result.requests <= CONNECTIONS:
        problems.append(f"server answered {counted['requests']} requests, wrk completed {result.requests}")
    if problems:
        raise BenchError(f"--workers {workers}, {body.spec.name}: {'; '.join(problems)}")
    return Sample(workers, body, result)


def report(samples: list[Sample], bodies: list[Body], loads: tuple[str, str]) -> list[str]:
    out = [
        "## Workers: `serve --workers 2` against `--workers 1`, /services/collector/raw",
        "",
        f"Load: wrk, 1 thread, {CONNECTIONS} keep-alive connections, {ROUNDS} rounds of one {DURATION_S} s sample per "
        f"server and body (after a {WARMUP_S} s warm-up, excluded), the servers alternating within each round; "
        "`serve --quiet`, journal on, default caps; each server started afresh per sample. Counts checked after "
        "every sample through the admin API (summed over the workers).",
        "",
        f"Machine load (`uptime`'s averages) at the start: {loads[0]}; at the end: {loads[1]}. The machine was shared "
        "with other work: absolute rates are noisy, the ratio within a round less so.",
        "",
        "| Body | --workers 1 req/s (by round) | --workers 2 req/s (by round) | 2 / 1 median (by round) | Target |",
        "|---|---:|---:|---:|---|",
    ]
    for body in bodies:
        rates = {n: [s.wrk.rps for s in samples if s.body is body and s.workers == n] for n in WORKERS}
        ratios = [two / one for one, two in zip(rates[1], rates[2])]
        verdict = ("PASS" if statistics.median(ratios) >= TARGET else "FAIL") + f" (>= {TARGET}x)" if body.spec.gzip else "reported"
        cells = [
            f"**{statistics.median(rates[n]):,.0f}** ({', '.join(f'{r:,.0f}' for r in rates[n])})" for n in WORKERS
        ]
        ratio = f"**{statistics.median(ratios):.2f}x** ({', '.join(f'{r:.2f}' for r in ratios)})"
        out.append(f"| {body.spec.name} | {cells[0]} | {cells[1]} | {ratio} | {verdict} |")
    return out


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is missing: install it (Debian/Ubuntu: apt-get install wrk)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as name:
        directory = Path(name)
        bodies = [body for body in build_bodies(directory) if body.spec.name in BODY_NAMES]
        scripts = {body.spec.name: lua_script(directory, body, TOKEN) for body in bodies}
        started = load()
        samples = []
        try:
            for round_number in range(1, ROUNDS + 1):
                for body in bodies:
                    for workers in WORKERS:
                        samples.append(sample(workers, body, scripts[body.spec.name], directory))
                        print(f"round {round_number} {body.spec.name} --workers {workers}: {samples[-1].wrk.rps:,.0f} req/s", file=sys.stderr, flush=True)
        except BenchError as error:
            print(f"benchmark failed: {error}", file=sys.stderr)
            return 1
        print("\n".join(report(samples, bodies, (started, load()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
