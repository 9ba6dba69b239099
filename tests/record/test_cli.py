"""`hecharness record` and `hecharness replay` as a user runs them."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import httpx
import pytest

from hecharness.testing import SpawnError, spawn_served
from tests.record.conftest import TOKEN, assert_valid_har, converse, fake
from tests.serve_process import CLI


def start_record(tmp_path, upstream: str, *args: str) -> tuple[subprocess.Popen[str], dict]:
    try:
        served = spawn_served(
            ["--upstream", upstream, "--listen", "127.0.0.1:0", "--out", str(tmp_path / "capture.har"), *args],
            tmp_path / "record.json",
            command=(*CLI, "record"),
        )
    except SpawnError as error:
        pytest.fail(f"record did not get ready: {error}")
    return served.process, served.ready


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


def test_record_then_replay_against_a_fresh_fake_finds_no_differences(tmp_path, upstream):
    process, ready = start_record(tmp_path, upstream.url)
    converse(ready["url"])
    process.send_signal(signal.SIGINT)  # Ctrl-C is how record stops: it writes the capture and exits 0
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopped; wrote 6 requests to" in err and "Traceback" not in err
    assert "/services/collector/raw 200 code=0" in err
    capture = tmp_path / "capture.har"
    assert_valid_har(json.loads(capture.read_text()))
    assert not (tmp_path / "record.json").exists()
    with fake() as target:
        same = run("replay", str(capture), "--to", target.url, "--token", TOKEN, "--speed", "max")
    assert same.returncode == 0, same.stderr
    assert "no differences in 6 answers" in same.stderr and same.stdout == ""


def test_replay_exits_1_with_a_table_when_answers_differ(tmp_path, upstream):
    with fake() as source:
        converse(source.url)
        (tmp_path / "capture.har").write_text(json.dumps(source.journal.to_har()))
    with fake() as target:
        different = run("replay", str(tmp_path / "capture.har"), "--to", target.url, "--speed", "max")
        as_json = run("replay", str(tmp_path / "capture.har"), "--to", target.url, "--speed", "max", "--json")
    assert different.returncode == 1
    assert "note: the capture's tokens are masked; give --token" in different.stderr
    assert different.stdout.splitlines()[0].split() == ["entry", "request", "field", "recorded", "replayed"]
    assert "1      POST /services/collector/raw    status" in different.stdout
    assert as_json.returncode == 1
    rows = json.loads(as_json.stdout)["differences"]
    assert {"entry": 1, "request": "POST /services/collector/raw", "field": "HEC code", "recorded": 0, "replayed": 4} in rows


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "127.0.0.1:8088"], "Invalid value for --to: '127.0.0.1:8088' is not an http:// or https:// URL"),
        (["--to", "http://127.0.0.1:9", "--speed", "0"], "Invalid value for --speed: speed must be a number above 0 or 'max', got '0'"),
    ],
)
def test_replay_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    capture = tmp_path / "capture.har"
    capture.write_text('{"log": {"entries": []}}')
    result = run("replay", str(capture), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_replay_of_a_file_that_is_not_har_is_exit_2(tmp_path):
    capture = tmp_path / "capture.har"
    capture.write_text("[]")
    result = run("replay", str(capture), "--to", "http://127.0.0.1:9")
    assert result.returncode == 2
    assert "capture.har: not a HAR capture: no log.entries list" in result.stderr and "Traceback" not in result.stderr


def test_record_bad_input_is_one_line_and_exit_2(tmp_path):
    out = str(tmp_path / "c.har")
    for args, message in [
        (["--upstream", "splunk:8088", "--out", out], "'splunk:8088' is not an http:// or https:// URL"),
        (["--upstream", "http://127.0.0.1:9", "--out", out, "--listen", "8088"], "'8088' is not HOST:PORT"),
        (["--upstream", "http://127.0.0.1:9", "--out", out, "--listen", "127.0.0.1:0", "--tls", "bogus"], "Invalid value for --tls: unknown TLS mode 'bogus'"),
        (["--upstream", "http://127.0.0.1:9", "--out", str(tmp_path / "no" / "c.har")], "cannot write"),
    ]:
        result = run("record", *args)
        assert result.returncode == 2, args
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_record_serves_senders_over_tls(tmp_path, upstream):
    process, ready = start_record(tmp_path, upstream.url, "--tls", "valid", "--quiet")
    import ssl

    response = httpx.get(ready["url"] + "/services/collector/health", verify=ssl.create_default_context(cafile=ready["ca_bundle"]))
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert response.json()["code"] == 17
    assert process.returncode == 0 and "stopped; wrote 1 request to" in err


def test_help_lists_the_exit_codes():
    for command in ("record", "replay"):
        assert "Exit codes:" in run(command, "--help").stdout


def test_ctrl_c_during_a_replay_says_how_far_it_got_and_exits_130(tmp_path, upstream):
    converse(upstream.url)
    capture = tmp_path / "capture.har"
    capture.write_text(json.dumps(upstream.journal.to_har()))
    with fake() as target:
        hang = target.faults.add("hang:30")
        process = subprocess.Popen(
            [*CLI, "replay", str(capture), "--to", target.url, "--token", TOKEN, "--speed", "max"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 30
        while not hang.fired and time.monotonic() < deadline:  # the first request hangs: replay waits on it
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        target.settle()
    assert process.returncode == 130
    assert "interrupted after 0 of 6 requests" in err and "Traceback" not in err
