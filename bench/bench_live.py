"""Live page benchmark (issue 20): /raw ingest with the live page open and updating, beside none.

One server kind, `hecharness serve --count-only --quiet` (a fresh process for every sample), takes
wrk's POSTs of a 1 KB ndjson body to /services/collector/raw. Two cells alternate, round by round:

- **no page**: nothing else connected.
- **page open**: headless Chromium (Debian's, through Selenium) has the live page open on the admin
  listener before wrk starts, and it keeps updating: the server pushes a snapshot every tick and the
  page rebuilds its table and chart from it. The browser runs on the same cores as the server and
  wrk, as it would on a developer's machine.

After each page-open sample the page must show the run: its latest request id within a tick of the
server's count. Each cell's median over ROUNDS samples is reported, and the ratio page/no page
against the issue's target of 0.9.

    python bench/bench_live.py          # prints the Markdown section
    python bench/run.py live            # the same, written into bench/RESULTS.md

Exit status: 0 when the run completed (the table says whether the target was met), 1 when the run
itself failed, 2 without wrk or Chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_collector as collector_bench  # noqa: E402 - wrk, its Lua script and the bodies

ROUNDS = 9
QUIET_BUDGET_S = 60  # at most this long, over the whole run, waiting for other work to calm down
DURATION_S = 5
WARMUP_S = 1
TARGET = 0.9
BODY = collector_bench.BODIES[0]  # 1 KB, plain
CELLS = ("no page", "page open")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def start_server(directory: Path) -> tuple[subprocess.Popen[bytes], dict]:
    ready = directory / "ready.json"
    ready.unlink(missing_ok=True)
    command = [str(Path(sys.executable).with_name("hecharness")), "serve", "--port", "0", "--count-only", "--quiet", "--ready-file", str(ready)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not ready.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit("the fake HEC did not start")
        time.sleep(0.05)
    return server, json.loads(ready.read_text())


def open_browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1400"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def wait_for(condition, seconds: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("the live page did not update")
        time.sleep(0.05)


def newest_row(browser) -> int:  # type: ignore[no-untyped-def]
    return int(browser.execute_script(
        "const r = document.querySelector('#request-rows tr'); return r ? r.dataset.id : 0;"
    ))


def sample(cell: str, directory: Path, body: collector_bench.Body, browser) -> float:  # type: ignore[no-untyped-def]
    server, ready = start_server(directory)
    try:
        token = ready["tokens"][0]["value"]
        script = collector_bench.lua_script(directory, body, token)
        if cell == "page open":
            browser.get(ready["admin_url"] + "/")
            wait_for(lambda: browser.find_element("id", "connection").text == "live")
        collector_bench.run_wrk(ready["url"] + collector_bench.RAW_PATH, script, WARMUP_S)
        result = collector_bench.run_wrk(ready["url"] + collector_bench.RAW_PATH, script, DURATION_S)
        if result.errors:
            raise SystemExit(f"wrk saw errors: {result.errors}")
        if cell == "page open":
            served = served_requests(ready)
            wait_for(lambda: newest_row(browser) >= served)
            browser.get("about:blank")
        return result.rps
    finally:
        server.terminate()
        server.wait(10)


def served_requests(ready: dict) -> int:
    import httpx

    return int(httpx.get(ready["admin_url"] + "/journal/counters").json()["requests"])


def main() -> int:
    if collector_bench.ensure_wrk() is None:
        print("wrk is missing (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        print("chromium and chromium-driver are missing (Debian: apt-get install chromium chromium-driver)", file=sys.stderr)
        return 2
    samples: dict[str, list[float]] = {cell: [] for cell in CELLS}
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        data = collector_bench.ndjson(BODY.lines, BODY.line_size, seed=0)
        path = directory / "body.ndjson"
        path.write_bytes(data)
        body = collector_bench.Body(BODY, path, len(data), len(data), BODY.lines)
        browser = open_browser()
        quiet = collector_bench.Quiet(QUIET_BUDGET_S)
        try:
            for round_number in range(ROUNDS):
                # Alternate which cell goes first, so a drift in the machine's load favours neither.
                order = CELLS if round_number % 2 == 0 else CELLS[::-1]
                for cell in order:
                    quiet.wait()
                    samples[cell].append(sample(cell, directory, body, browser))
                    print(f"{cell}: {samples[cell][-1]:,.0f} requests/s", file=sys.stderr, flush=True)
        finally:
            browser.quit()
    # Each round's two samples ran back to back, so their ratio is less at the mercy of the machine's
    # load drifting between rounds than the ratio of the medians; both are shown.
    ratios = [page / plain for plain, page in zip(samples["no page"], samples["page open"])]
    ratio = statistics.median(ratios)
    medians = statistics.median(samples["page open"]) / statistics.median(samples["no page"])
    print("## Live page (issue 20)\n")
    print(f"`/raw`, {BODY.name} ndjson ({BODY.lines} lines), wrk {collector_bench.CONNECTIONS} connections, "
          f"{DURATION_S} s per sample, median of {ROUNDS} in alternating order, `serve --count-only`; the page open in headless "
          "Chromium on the same machine, its table checked to have caught up after each sample.\n")
    print("| cell | requests/s (median) | samples |")
    print("|---|---:|---|")
    for cell in CELLS:
        print(f"| {cell} | {statistics.median(samples[cell]):,.0f} | {', '.join(f'{s:,.0f}' for s in samples[cell])} |")
    verdict = "PASS" if ratio >= TARGET else "FAIL"
    print(f"\npage open / no page, median of the rounds' ratios ({', '.join(f'{r:.2f}' for r in ratios)}): "
          f"**{ratio:.2f}x** (target >= {TARGET}x): {verdict}; ratio of the medians {medians:.2f}x. "
          f"Load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
