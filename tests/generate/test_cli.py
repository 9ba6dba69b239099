"""`hecharness generate` and `hecharness fields`."""

import hashlib
import math
import os
import re
import signal
import subprocess
import sys
import time

import orjson
import pytest
from click.testing import CliRunner

from hecharness.cli import main
from hecharness.generate import DEFAULT_START, Encoder, records


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_generate_writes_ndjson_to_stdout():
    result = run("generate", "--dataset", "http_requests", "--count", "5", "--seed", "3")
    assert result.exit_code == 0
    lines = result.stdout_bytes.splitlines()
    assert [orjson.loads(line) for line in lines] == list(records("http_requests", seed=3, count=5))


def test_generate_with_fields_timestamps_rate_and_start(tmp_path):
    out = tmp_path / "out.ndjson"
    result = run("generate", "-d", "firewall_events", "-n", "4", "--fields", "RayID,Datetime,Action", "--timestamps", "rfc3339",
                 "--rate", "2", "--start", "2024-05-01T12:00:00Z", "--out", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    rows = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [list(r) for r in rows] == [["RayID", "Datetime", "Action"]] * 4
    assert [r["Datetime"] for r in rows] == ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z", "2024-05-01T12:00:01Z", "2024-05-01T12:00:01Z"]


def test_generate_accepts_a_jobs_logpull_and_output_options(tmp_path):
    by_logpull = run("generate", "-d", "dns_logs", "-n", "50", "--seed", "0",
                     "--logpull-options", "fields=QueryName,Timestamp&timestamps=unix&sample=0.5")
    expected = Encoder("dns_logs", "fields=QueryName,Timestamp&timestamps=unix").encode_batch(
        records("dns_logs", count=50, fields=["QueryName", "Timestamp"], sample_rate=0.5))
    assert by_logpull.stdout_bytes == expected
    by_object = run("generate", "-d", "dns_logs", "-n", "3", "--output-options", '{"field_names": ["QueryName"], "output_type": "csv"}')
    assert all(line.startswith(b'"') and line.endswith(b'"') for line in by_object.stdout_bytes.splitlines())


def test_the_same_seed_gives_the_same_file_and_another_seed_does_not(tmp_path):
    def digest(seed: str) -> str:
        path = tmp_path / f"{seed}.csv"
        assert run("generate", "-d", "spectrum_events", "-n", "2000", "--output-type", "csv", "--seed", seed, "-o", str(path)).exit_code == 0
        return hashlib.sha256(path.read_bytes()).hexdigest()

    assert digest("1") == digest("1") != digest("2")


def test_output_is_byte_identical_across_processes_and_hash_seeds(tmp_path):
    digests = set()
    for hash_seed in ("1", "2"):
        out = tmp_path / f"run{hash_seed}.ndjson"
        subprocess.run([sys.executable, "-m", "hecharness.cli", "generate", "-d", "http_requests", "-n", "3000", "--seed", "42",
                        "--jitter", "0.5", "-o", str(out)], check=True, env={**os.environ, "PYTHONHASHSEED": hash_seed})
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_unseeded_events_end_now_and_seeded_ones_start_at_a_fixed_time():
    # Splunk's default search covers the last 24 hours: an unseeded run lands there; a seeded run is
    # the same bytes every time, so its events start at a fixed moment unless --start moves them.
    before = time.time()
    recent = run("generate", "-d", "dns_logs", "-n", "10", "--rate", "1", "--timestamps", "unix")
    after = time.time()
    times = [orjson.loads(line)["Timestamp"] for line in recent.stdout_bytes.splitlines()]
    assert math.floor(before) - 10 <= times[0] <= after - 10 + 1 and times[-1] <= after
    seeded = run("generate", "-d", "dns_logs", "-n", "10", "--rate", "1", "--timestamps", "unix", "--seed", "0")
    assert orjson.loads(seeded.stdout_bytes.splitlines()[0])["Timestamp"] == DEFAULT_START
    moved = run("generate", "-d", "dns_logs", "-n", "1", "--timestamps", "unix", "--seed", "0", "--start", "1714564800")
    assert orjson.loads(moved.stdout_bytes)["Timestamp"] == 1714564800


def test_a_progress_bar_goes_to_stderr_only_when_asked(tmp_path):
    quiet = run("generate", "-d", "dns_logs", "-n", "3000", "-o", str(tmp_path / "a"))
    assert quiet.stderr == ""
    shown = run("generate", "-d", "dns_logs", "-n", "3000", "-o", str(tmp_path / "b"), "--progress")
    assert "3000/3000" in shown.stderr and shown.stdout == ""
    size = (tmp_path / "b").stat().st_size
    assert re.search(rf"^wrote 3,000 records, {size:,} bytes to {tmp_path / 'b'} in \d+\.\d s$", shown.stderr, re.M), shown.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-d", "http_request"], "Invalid value for --dataset: unknown dataset 'http_request' (did you mean 'http_requests'?)"),
        (["-d", "http_requests", "--fields", "RayID,Rayid"], "Invalid value for --fields: field_names: unknown field 'Rayid'"),
        (["-d", "http_requests", "--timestamps", "iso"], "Invalid value for '--timestamps': 'iso' is not one of"),
        (["-d", "http_requests", "--sample", "1.5"], "Invalid value for --sample: sample_rate: 1.5 is out of range"),
        (["-d", "http_requests", "--count", "-1"], "Invalid value for '--count' / '-n': -1 is not in the range x>=0"),
        (["-d", "http_requests", "--rate", "0"], "rate: 0.0 records per second is out of range"),
        (["-d", "http_requests", "--jitter", "-2"], "jitter: -2.0 is out of range"),
        (["-d", "http_requests", "--start", "yesterday"], "Invalid value for '--start': 'yesterday' is neither epoch seconds nor an RFC 3339 date"),
        (["-d", "http_requests", "--logpull-options", "fields=RayID&timestamp=unix"],
         "Invalid value for --logpull-options: logpull_options: unknown parameter 'timestamp' (did you mean 'timestamps'?)"),
        (["-d", "http_requests", "--output-options", "{nope"], "Invalid value for --output-options: not valid JSON"),
        (["-d", "http_requests", "--output-options", '{"sample_rate": 0}'], "Invalid value for --output-options: sample_rate: 0 is out of range"),
        (["-d", "http_requests", "--logpull-options", "fields=RayID", "--timestamps", "unix"],
         "--timestamps cannot be combined with --logpull-options or --output-options"),
        (["-d", "http_requests", "--logpull-options", "fields=RayID", "--output-options", "{}"],
         "give either --logpull-options or --output-options, not both"),
        (["-d", "network_analytics_logs", "--profile", "ibm-cis"], "dataset 'network_analytics_logs' is not offered by IBM CIS"),
        (["-d", "http_requests", "--profile", "ibm-cis", "--fields", "FraudAttack"], "'FraudAttack' is not offered by IBM CIS"),
        (["-d", "dns_logs", "-o", "/nonexistent/dir/out"], "Invalid value for '--out' / '-o': cannot write '/nonexistent/dir/out'"),
    ],
)
def test_bad_input_gets_a_one_line_error_naming_it(args, message):
    result = run("generate", *args)
    assert result.exit_code == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and message in error[0], result.stderr
    assert "Traceback" not in result.stderr


def test_fields_lists_names_types_and_allowed_values():
    result = run("fields", "http_requests")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# http_requests: 123 fields (9 deprecated); key RayID")
    assert len(lines) == 124
    cache = next(line for line in lines if line.startswith("CacheCacheStatus"))
    assert "string" in cache and "'stream_hit'" in cache
    assert any(line.startswith("WAFFlags") and "(deprecated)" in line for line in lines)


def test_fields_for_ibm_uses_ibms_table_and_names():
    result = run("fields", "range_events", "--profile", "ibm-cis")
    assert result.stdout.splitlines()[0].startswith("# spectrum_events: 31 fields")
    assert len(run("fields", "http_requests", "--profile", "ibm-cis").stdout.splitlines()) == 100


def test_fields_of_an_unknown_dataset():
    result = run("fields", "dns_log")
    assert result.exit_code == 2 and "Invalid value for DATASET: unknown dataset 'dns_log' (did you mean 'dns_logs'?)" in result.stderr


def test_ctrl_c_says_how_far_it_got_and_exits_130(tmp_path):
    out = tmp_path / "out.ndjson"
    process = subprocess.Popen([sys.executable, "-m", "hecharness.cli", "generate", "-d", "dns_logs", "-n", "50000000", "-o", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and out.stat().st_size > 0) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err
    match = re.fullmatch(rf"interrupted after ([\d,]+) of 50,000,000 records; {out} is incomplete\n", err)
    assert match, err
    written = int(match.group(1).replace(",", ""))
    # Every record it counts was written (whole pieces), and it was nowhere near done.
    assert 0 < written <= len(out.read_bytes().splitlines()) < 50_000_000


def test_scope_picks_an_account_job_and_a_scope_without_one_is_refused():
    result = run("generate", "-d", "firewall_events", "-n", "2000", "--seed", "1", "--scope", "account", "--fields", "ZoneName")
    assert result.exit_code == 0 and len(set(result.stdout.splitlines())) == 3
    refused = run("generate", "-d", "http_requests", "-n", "1", "--scope", "account")
    assert refused.exit_code == 2 and "Invalid value for --scope: scope: http_requests is pushed by zone jobs, not 'account'" in refused.stderr
