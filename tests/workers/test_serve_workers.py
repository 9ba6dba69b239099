"""`hecharness serve --workers N` as a user runs it: one ready file, one admin API, every worker stopped with it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.serve_process import CLI, start_serve, stop_serve

GONE_WITHIN = 20.0  # seconds a worker may take to notice its parent is gone and stop


def _alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie (ended, not yet reaped by whoever adopted it) does not."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def _wait_gone(pids: list[int]) -> list[int]:
    deadline = time.monotonic() + GONE_WITHIN
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if _alive(pid)]


def _raw(ready: dict, body: bytes) -> httpx.Response:
    token = ready["tokens"][0]["value"]
    return httpx.post(ready["url"] + "/services/collector/raw", content=body, headers={"Authorization": f"Splunk {token}"})


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_stops_every_worker_and_says_what_was_served(tmp_path, sig):
    process, ready = start_serve(tmp_path, "--workers", "2")
    assert ready["workers"] == 2 and len(ready["worker_pids"]) == 2
    for n in range(5):
        assert _raw(ready, f"line {n}".encode()).json()["code"] == 0
    assert httpx.get(ready["admin_url"] + "/journal/counters").json()["events"] == 5
    code, out, err = stop_serve(process, sig)
    assert code == 0 and "Traceback" not in err
    assert "stopped 2 workers; 5 requests, 5 events" in err
    assert err.count("POST /services/collector/raw 200 code=0 events=1") == 5  # each worker logs what it served
    assert not (tmp_path / "ready.json").exists()
    assert _wait_gone(ready["worker_pids"]) == []


def test_workers_stop_when_their_parent_is_killed(tmp_path):
    process, ready = start_serve(tmp_path, "--workers", "2", "--quiet")
    process.kill()  # no chance to stop them: they must notice on their own
    process.communicate(timeout=30)
    assert _wait_gone(ready["worker_pids"]) == []


def test_quiet_workers_log_nothing_per_request(tmp_path):
    process, ready = start_serve(tmp_path, "--workers", "2", "--quiet", "--fault", "error:9 first=1")
    assert _raw(ready, b"a").status_code == 503
    assert _raw(ready, b"b").status_code == 200
    code, out, err = stop_serve(process)
    assert code == 0 and "POST /services" not in err
    assert "stopped 2 workers; 2 requests, 1 events" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "Invalid value for '--workers': 0 is not in the range x>=1."),
        (["--workers", "-2"], "Invalid value for '--workers': -2 is not in the range x>=1."),
        (["--workers", "two"], "Invalid value for '--workers': 'two' is not a valid integer range."),
        (["--ack-ledger", "per-worker"], "Invalid value for --ack-ledger: an ack ledger is chosen among workers: add --workers 2 or more"),
        (["--workers", "2", "--indexers", "3"], "Invalid value for --workers: workers serve one HEC, not a cluster: choose --workers or --indexers"),
        (["--workers", "2", "--ack-ledger", "sticky"], "Invalid value for '--ack-ledger': 'sticky' is not one of 'shared', 'per-worker'."),
    ],
)
def test_bad_workers_options_exit_2_in_one_line(args, message):
    run = subprocess.run([*CLI, "serve", "--port", "0", *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1] == f"Error: {message}"
    assert "Traceback" not in run.stderr and "listening" not in run.stdout


def test_a_port_in_use_is_named_with_workers_too(tmp_path):
    process, ready = start_serve(tmp_path, "--quiet")
    port = ready["url"].rsplit(":", 1)[1]
    try:
        run = subprocess.run([*CLI, "serve", "--port", port, "--workers", "2"], capture_output=True, text=True, timeout=60)
        assert run.returncode == 2
        assert f"Invalid value for --port: cannot listen on 127.0.0.1:{port}: Address already in use" in run.stderr
        assert "Traceback" not in run.stderr
    finally:
        stop_serve(process)


def test_a_worker_that_dies_stops_serve_with_exit_1_naming_it(tmp_path):
    process, ready = start_serve(tmp_path, "--workers", "2", "--quiet")
    victim, other = ready["worker_pids"]
    os.kill(victim, signal.SIGKILL)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1 and "Traceback" not in err
    assert f"Error: worker 1 (pid {victim}) ended with exit status -9; stopped the others" in err
    assert _wait_gone([other]) == []
    assert not (tmp_path / "ready.json").exists()
