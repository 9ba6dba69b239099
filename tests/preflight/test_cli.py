"""`hecharness preflight`: the report, --json, exit codes, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hecharness.cli import main
from hecharness.hec import FakeHEC
from hecharness.preflight import FAILURE_CLASSES
from tests.preflight.conftest import RAW_PATH, SHORT_TIMEOUT, TOKEN, destination, raw_url


def preflight(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["preflight", *args], env=env)


def assert_one_line_usage_error(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, result.output
    for word in words:
        assert word in error_lines[0]


def test_success_report(hec: FakeHEC) -> None:
    result = preflight(raw_url(hec), "--token", TOKEN, "--cacert", str(hec.ca_path), "--any-port")

    assert result.exit_code == 0, result.output
    for title in ("Parse and lint the destination", "Resolve the host", "Connect", "TLS handshake", "POST the sample record"):
        assert title in result.output
    assert "PASSED" in result.output
    assert "CN=localhost" in result.output and "IP:127.0.0.1" in result.output
    assert "-H 'Authorization: Splunk 0aa7****'" in result.output
    assert TOKEN not in result.output


def test_show_token_prints_it_in_full(hec: FakeHEC) -> None:
    result = preflight(raw_url(hec), "--token", TOKEN, "--cacert", str(hec.ca_path), "--any-port", "--show-token")

    assert result.exit_code == 0, result.output
    assert f"-H 'Authorization: Splunk {TOKEN}'" in result.output


def test_failure_report_names_cause_fix_and_exit_code(hec: FakeHEC) -> None:
    result = preflight(raw_url(hec, "mismatched-name"), "--token", TOKEN, "--cacert", str(hec.ca_path), "--any-port")

    assert result.exit_code == 8, result.output
    assert "FAILED: hostname-mismatch (exit code 8)" in result.output
    flat = " ".join(result.output.split())
    assert "Cause: the certificate is valid for SplunkServerDefaultCert, not 127.0.0.1" in flat
    assert "Fix: Reissue the certificate" in flat
    assert "skipped" in result.output


def test_json_output(hec: FakeHEC) -> None:
    result = preflight(destination(hec, "self-signed"), "--any-port", "--json")

    assert result.exit_code == 7, result.output
    data = json.loads(result.output)
    assert (data["ok"], data["failure"], data["exit_code"]) == (False, "untrusted-certificate", 7)
    assert data["cause"].startswith("the certificate chain does not verify")
    assert [step["outcome"] for step in data["steps"]] == ["ok", "ok", "ok", "failed", "skipped", "skipped"]
    assert data["certificate"]["self_signed"] is True
    assert TOKEN not in result.output


def test_insecure_flag_passes_a_self_signed_hec(hec: FakeHEC) -> None:
    result = preflight(destination(hec, "self-signed"), "--any-port", "--insecure", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["certificate"]["verified"] is False


def test_timeout_option_bounds_the_wait(hec: FakeHEC) -> None:
    hec.faults.add("hang:5 path=raw")

    result = preflight(destination(hec), "--any-port", "--cacert", str(hec.ca_path), "--timeout", str(SHORT_TIMEOUT), "--json")

    assert result.exit_code == 6
    assert json.loads(result.output)["failure"] == "timeout"


def test_token_from_the_environment(hec: FakeHEC) -> None:
    result = preflight(raw_url(hec), "--cacert", str(hec.ca_path), "--any-port", env={"HECHARNESS_TOKEN": TOKEN})

    assert result.exit_code == 0, result.output


def test_lint_failure_exit_code() -> None:
    result = preflight(f"https://hec.example.com:8088/services/collector/event", "--token", TOKEN, "--json")

    assert result.exit_code == 3
    assert json.loads(result.output)["failure"] == "destination"


def test_exit_codes_are_distinct_and_documented() -> None:
    codes = [failure.exit_code for failure in FAILURE_CLASSES]
    assert len(set(codes)) == len(codes)
    assert not {0, 1, 2} & set(codes)

    help_text = preflight("--help").output
    for failure in FAILURE_CLASSES:
        assert f"{failure.exit_code:<3} {failure.name}:" in help_text


@pytest.mark.parametrize("option", ["--token", "--channel", "--sourcetype"])
def test_url_form_option_with_a_destination(hec: FakeHEC, option: str) -> None:
    assert_one_line_usage_error(preflight(destination(hec), option, "x"), option, "URL form")


def test_url_without_token() -> None:
    assert_one_line_usage_error(preflight(f"https://hec.example.com:8088{RAW_PATH}"), "--token is required")


def test_missing_ca_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    assert_one_line_usage_error(preflight(f"https://hec.example.com:8088{RAW_PATH}", "--token", TOKEN, "--cacert", str(missing)), "nope.pem")


def test_ca_file_without_a_certificate(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("junk\n")
    assert_one_line_usage_error(
        preflight(f"https://hec.example.com:8088{RAW_PATH}", "--token", TOKEN, "--cacert", str(junk)), "junk.pem", "--cacert"
    )


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_bad_timeout(value: str) -> None:
    assert_one_line_usage_error(preflight(f"https://hec.example.com:8088{RAW_PATH}", "--token", TOKEN, "--timeout", value), "--timeout", value)


def test_piped_output_is_not_wrapped(hec: FakeHEC) -> None:
    # Off a terminal rich wraps at 80 columns and pads with spaces: a URL split from its POST.
    import subprocess
    import sys

    sourcetype = "cloudflare:json:" + "long-sourcetype-name-" * 4
    run = subprocess.run(
        [sys.executable, "-m", "hecharness.cli", "preflight", raw_url(hec), "--token", TOKEN, "--cacert", str(hec.ca_path),
         "--any-port", "--sourcetype", sourcetype],
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    url = f"{raw_url(hec)}?sourcetype={sourcetype}"
    assert any(line.strip() == f"POST {url}" for line in lines), run.stdout
    assert len(url) > 80
    assert [line for line in lines if line != line.rstrip()] == []


def test_ctrl_c_exits_130_without_a_traceback() -> None:
    import signal
    import socket
    import subprocess
    import sys

    with socket.create_server(("127.0.0.1", 0)) as silent:  # takes the connection, never speaks TLS
        silent.settimeout(30)
        port = silent.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "hecharness.cli", "preflight", f"https://127.0.0.1:{port}{RAW_PATH}", "--token", TOKEN,
             "--any-port", "--timeout", "120"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            connection, _ = silent.accept()  # the check now waits in the TLS handshake
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
            connection.close()
        finally:
            process.kill()
    assert process.returncode == 130, err
    assert err == "interrupted\n"
