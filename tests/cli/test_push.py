"""`hecharness push` against a fake HEC: summary, report file and exit codes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from tests.cli.links import SlowLink

from hecharness.cli import main
from hecharness.destination import Destination
from hecharness.hec import FakeHEC, Token

CHANNEL = "11111111-2222-4333-8444-555555555555"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[FakeHEC]:
    with FakeHEC([Token("tok", name="logpush")], tls="valid", certs_dir=tmp_path_factory.mktemp("certs")) as hec:
        yield hec


@pytest.fixture
def hec(server: FakeHEC) -> FakeHEC:
    server.reset()
    return server


def push(hec: FakeHEC, *args: str, token: str = "tok", port: int | None = None, time_scale: str | None = "3000"):
    conf = Destination.for_hec("localhost", port or hec.listeners[0].port, token=token, channel=CHANNEL).canonical(show_token=True)
    base = ["push", "--destination-conf", conf, "--any-port", "--cacert", str(hec.ca_path), "--quiet"]
    scale = ["--time-scale", time_scale] if time_scale is not None else []  # None: push's default, 60
    return CliRunner().invoke(main, [*base, *scale, *args])


def test_push_delivers_and_summarises(hec, tmp_path):
    report = tmp_path / "report.json"
    result = push(hec, "--count", "300", "--rate", "100", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "records generated" in result.output and "300" in result.output
    assert hec.journal.event_count == 300 + 1  # and the validation probe
    data = json.loads(report.read_text())
    assert data["metrics"]["records_uploaded"] == 300
    assert data["attempts"][0]["outcome"] == "delivered"


def test_filtered_records_are_counted_and_not_sent(hec, tmp_path):
    report = tmp_path / "report.json"
    only_errors = '{"where":{"key":"EdgeResponseStatus","operator":"geq","value":"400"}}'
    result = push(hec, "--count", "300", "--rate", "100", "--filter", only_errors, "--report", str(report))
    assert result.exit_code == 0, result.output
    metrics = json.loads(report.read_text())["metrics"]
    assert 0 < metrics["records_filtered_out"] < 300
    assert metrics["records_uploaded"] + metrics["records_filtered_out"] == 300
    assert "filtered out" in result.output
    assert hec.journal.event_count == metrics["records_uploaded"] + 1  # and the validation probe


def test_dropped_records_exit_1(hec):
    hec.faults.add("sequence=ok,error:9,error:9,error:9,error:9,error:9")  # the probe passes, the batch never does
    result = push(hec, "--count", "20", "--rate", "10")
    assert result.exit_code == 1, result.output
    assert "dropped after retries" in result.output and "503" in result.output


def test_validation_refused_exits_3(hec):
    result = push(hec, "--count", "10", token="wrong")
    assert result.exit_code == 3
    assert 'error validating destination: HTTP 403: {"text":"Invalid token","code":4}' in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "dns"], "dataset"),
        (["--logpull-options", "fields=Nope"], "unknown field 'Nope'"),
        (["--max-upload-records", "5"], "max_upload_records"),
        (["--count", "0"], "0 is not in the range"),
        (["--policy", "forever"], "'forever' is not one of"),
        (["--filter", '{"where":{"key":"BotScore","operator":"neq","value":1}}'], "where.operator 'neq' is not a Logpush operator"),
        (["--dataset", "dns_logs", "--filter-attack-traffic"], "filter_attack_traffic is only for"),
    ],
)
def test_bad_input_is_a_one_line_error(hec, args, message):
    result = push(hec, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_gzip_level_trades_bytes_for_cpu(hec, tmp_path):
    sizes = {}
    for level in ("1", "9"):
        report = tmp_path / f"report-{level}.json"
        result = push(hec, "--count", "2000", "--rate", "2000", "--gzip-level", level, "--report", str(report))
        assert result.exit_code == 0, result.output
        metrics = json.loads(report.read_text())["metrics"]
        assert metrics["records_uploaded"] == 2000
        sizes[level] = metrics["bytes_compressed"]
    assert sizes["9"] < sizes["1"]


def test_gzip_level_out_of_range_is_a_one_line_error(hec):
    result = push(hec, "--gzip-level", "10")
    assert result.exit_code == 2
    assert "'--gzip-level': 10 is not in the range 0<=x<=9" in result.output


def test_a_destination_that_answers_in_two_real_seconds_is_never_timed_out(hec):
    # A HEC in its own time (as `serve` or a real Splunk): 2 s is well inside Logpush's 30 s, however
    # fast the simulator's own clock runs. The validation probe was the first to time out.
    hec.faults.add("delay:2 path=raw")
    result = push(hec, "--count", "300", "--rate", "100", time_scale=None)
    assert result.exit_code == 0, result.output
    assert hec.journal.event_count == 300 + 1
    assert "timeout" not in result.output


def test_batches_that_take_seconds_on_the_wire_all_arrive(hec, tmp_path):
    # What a 1,000,000-record push at 20,000/s does to each 100,000-record batch (seconds on the wire),
    # with 1,000-record batches over a slow link instead, so the test stays cheap: every upload takes
    # longer than the second the 30 s deadline used to be compressed to.
    report = tmp_path / "report.json"
    with SlowLink(hec.listeners[0].port, bytes_per_second=200_000) as link:
        result = push(
            hec, "--count", "3000", "--rate", "20000", "--max-upload-records", "1000", "--report", str(report),
            port=link.port, time_scale=None,
        )
    assert result.exit_code == 0, result.output
    metrics = json.loads(report.read_text())["metrics"]
    assert (metrics["records_uploaded"], metrics["retries"], metrics["outcomes"]) == (3000, 0, {"200": 3})
    assert metrics["bytes_compressed"] / 3 / link.bytes_per_second > 1.5  # each batch: over 1.5 s on the link
    assert hec.journal.event_count == 3000 + 1


def test_port_rule_names_the_flag_the_command_line_has():
    conf = f"splunk://localhost:9999/services/collector/raw?channel={CHANNEL}&header_Authorization=Splunk%20tok"
    result = CliRunner().invoke(main, ["push", "--destination-conf", conf, "--quiet"])
    assert result.exit_code == 2
    assert "port 9999 is not allowed" in result.output and "--any-port allows it" in result.output
    assert "any_port=True" not in result.output


def test_port_rule_names_the_keyword_python_has():
    from hecharness.logpush import JobError, LogpushSimulator

    conf = f"splunk://localhost:9999/services/collector/raw?channel={CHANNEL}&header_Authorization=Splunk%20tok"
    with pytest.raises(JobError, match=r"pass any_port=True to allow it"):
        LogpushSimulator({"destination_conf": conf}, count=1)


def test_unwritable_report_is_refused_before_anything_is_sent(hec, tmp_path):
    result = push(hec, "--count", "10", "--report", str(tmp_path / "missing" / "report.json"))
    assert result.exit_code == 2
    assert f"Invalid value for '--report': cannot write '{tmp_path / 'missing' / 'report.json'}': No such file or directory" in result.output
    assert hec.journal.counters.requests == 0  # not even the validation push


def test_ctrl_c_writes_the_partial_report_and_exits_130(hec, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    report = tmp_path / "report.json"
    conf = Destination.for_hec("localhost", hec.listeners[0].port, token="tok", channel=CHANNEL).canonical(show_token=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "hecharness.cli", "push", "--destination-conf", conf, "--any-port", "--cacert", str(hec.ca_path),
         "--quiet", "--count", "100000", "--rate", "10", "--report", str(report)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while hec.journal.counters.requests < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)  # the validation push and a first batch
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Aborted" not in err
    assert re.search(r"interrupted after [\d,]+ of 100,000 records: [\d,]+ uploaded, [\d,]+ not delivered yet", err), err
    assert f"{report} holds the run so far" in err
    data = json.loads(report.read_text())
    assert data["interrupted"] is True
    uploaded = data["metrics"]["records_uploaded"]
    assert f"{uploaded:,} uploaded" in err
    assert hec.journal.event_count - 1 >= uploaded  # every record it counts as uploaded reached the HEC
    assert "records generated" in out  # the summary of what was done


def test_merge_subrequests_and_scope_reach_the_job(hec):
    result = push(hec, "--count", "2000", "--rate", "1000", "--seed", "3", "--merge-subrequests")
    assert result.exit_code == 0, result.output
    assert "subrequests merged into their parent's line" in result.output
    lines = [json.loads(e.text) for e in hec.journal.events[1:]]
    merged = sum(len(line["Subrequests"]) for line in lines)
    assert merged and len(lines) + merged == 2000
    hec.reset()
    account = push(hec, "--count", "1000", "--rate", "1000", "--dataset", "firewall_events", "--scope", "account",
                   "--logpull-options", "fields=ZoneName")
    assert account.exit_code == 0 and len({e.text for e in hec.journal.events[1:]}) == 3
    refused = push(hec, "--count", "10", "--scope", "account")
    assert refused.exit_code == 2 and "http_requests is pushed by zone jobs, not 'account'" in refused.output
