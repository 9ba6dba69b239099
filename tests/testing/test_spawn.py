"""spawn_served: `hecharness serve` in a process of its own, ready when it returns, or a clear error."""

from __future__ import annotations

import signal
import subprocess
import sys
from unittest import mock

import httpx
import pytest

from hecharness.testing import SpawnError, spawn_served


def test_it_returns_a_ready_server_and_stops_it(tmp_path):
    served = spawn_served(["--port", "0", "--token", "t0ken"], tmp_path / "ready.json")
    try:
        assert served.ready["pid"] == served.pid and served.ready_file == tmp_path / "ready.json"
        answer = httpx.post(served.ready["url"] + "/services/collector/raw", content=b"x", headers={"Authorization": "Splunk t0ken"})
        assert answer.status_code == 200
    finally:
        status, _, err = served.stop(signal.SIGTERM)
    assert status == 0 and "POST /services/collector/raw 200" in err


def test_a_process_that_exits_first_is_reported_with_its_stderr(tmp_path):
    with pytest.raises(SpawnError, match=r"(?s)^`serve --port -1` exited with status 2: .*Invalid value for '--port'"):
        spawn_served(["--port", "-1"], tmp_path / "ready.json")
    assert not (tmp_path / "ready.json").exists()


def test_a_process_that_never_gets_ready_is_killed_after_the_timeout(tmp_path):
    sleeper = [sys.executable, "-c", "import sys, time; print('still starting', file=sys.stderr, flush=True); time.sleep(60)"]
    with pytest.raises(SpawnError, match=r"was not ready within 0.5 s: still starting"):
        spawn_served([], tmp_path / "ready.json", timeout=0.5, command=sleeper)


def test_a_stale_ready_file_does_not_count(tmp_path):
    ready = tmp_path / "ready.json"
    ready.write_text('{"url": "http://stale"}')
    with pytest.raises(SpawnError, match="exited with status 2"):
        spawn_served(["--port", "-1"], ready)


def test_a_ready_file_that_is_not_json_stops_the_process_it_came_from(tmp_path):
    # A program that writes a broken ready file, then would keep running: the call must not leave it behind.
    writer = [sys.executable, "-c", "import pathlib, sys, time; pathlib.Path(sys.argv[-1]).write_text('{broken'); time.sleep(60)"]
    started = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    with mock.patch("subprocess.Popen", popen), pytest.raises(ValueError):
        spawn_served([], tmp_path / "ready.json", timeout=10, command=writer)
    (process,) = started
    assert process.poll() is not None
