"""A Locust run as a user starts it: `hecharness serve`, a master and workers on loopback, each its own process.

Locust patches the process it is imported in for gevent, so these tests only ever start it.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import hecharness.locust
from tests.serve_process import start_serve, stop_serve

LOCUSTFILE = str(Path(hecharness.locust.__file__).with_name("locustfile.py"))
CHANNEL = "0aa7e2a5-8f35-4b7b-9d7e-3c1d9c2f4e10"
VERDICT = re.compile(r"^sent ([\d,]+), received ([\d,]+), missing ([\d,]+), duplicated ([\d,]+)$", re.MULTILINE)
# Runs end when --count records are sent, not on a clock; this only bounds a run that hangs.
TIMEOUT = 180


def _locust(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "locust", "-f", LOCUSTFILE, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return process.returncode, out, err


def _run_options(ready: dict, *extra: str) -> list[str]:
    token = ready["tokens"][0]["value"]
    destination = f"{ready['url']}/services/collector/raw?channel={CHANNEL}&header_Authorization=Splunk%20{token}"
    return [
        "--headless", "--only-summary", "--destination-conf", destination, "--hec-admin", ready["admin_url"],
        "--logpull-options", "fields=RayID,EdgeStartTimestamp,ClientIP", "--max-upload-records", "1000", *extra,
    ]


def _verdict(out: str) -> tuple[int, int, int, int]:
    found = VERDICT.search(out)
    assert found, out
    return tuple(int(number.replace(",", "")) for number in found.groups())  # type: ignore[return-value]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path):
    def start(*args: str) -> dict:
        process, ready = start_serve(tmp_path, "--quiet", *args)
        started.append(process)
        return ready

    started: list[subprocess.Popen[str]] = []
    yield start
    for process in started:
        stop_serve(process)


def test_a_master_and_two_workers_account_for_every_record(served, tmp_path: Path) -> None:
    ready = served("--workers", "2")  # the fake on both cores, as the docs run it
    port = str(_free_port())
    master = _locust(
        *_run_options(ready, "--sent-file", str(tmp_path / "sent.json")),
        "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
        "--expect-workers", "2", "--expect-workers-max-wait", "60", "--users", "4", "--spawn-rate", "4", "--count", "6500",
        cwd=tmp_path,
    )
    workers = [_locust("--worker", "--master-host", "127.0.0.1", "--master-port", port, cwd=tmp_path) for _ in range(2)]
    code, out, err = _finish(master)
    for worker in workers:
        _finish(worker)
    assert code == 0, out + err
    assert "2 sender(s) sent" in out
    assert _verdict(out) == (6500, 6500, 0, 0)
    slices = json.loads((tmp_path / "sent.json").read_text())["slices"]
    assert sorted((item["seed"], item["records"]) for item in slices) == [(0, 3250), (1, 3250)]


def test_a_batch_lost_to_a_reset_shows_up_as_missing(served, tmp_path: Path) -> None:
    ready = served("--workers", "2", "--fault", "reset first=1")  # first=1 counts across the fake's workers
    code, out, err = _finish(_locust(*_run_options(ready), "--users", "2", "--spawn-rate", "2", "--count", "3000", cwd=tmp_path))
    assert code == 1, out + err
    assert _verdict(out) == (3000, 2000, 1000, 0)
    assert "1 batches (1,000 records) not accepted" in out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--destination-conf", "ftp://nowhere"], "hecharness: --destination-conf:"),
        (["--destination-conf", "http://127.0.0.1:9/services/collector/raw", "--hec-admin", "http://127.0.0.1:9"], "no answer from the admin API"),
    ],
)
def test_bad_options_stop_the_run_in_one_line_with_exit_2(options: list[str], message: str, tmp_path: Path) -> None:
    code, out, err = _finish(_locust("--headless", *options, "--run-time", "1s", cwd=tmp_path))
    assert code == 2, out + err
    assert message in err
    assert "Traceback" not in err
