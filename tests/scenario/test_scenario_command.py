"""The external-command sender: what it gets in its environment, and how it is judged."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from hecharness.destination import parse_destination
from hecharness.scenario import DEFAULT_TOKEN, ENVIRONMENT, HEC, Command, Records, Scenario, at, expect, run_scenario

# A sender in a dozen lines: POST the records file to $HEC_URL's raw endpoint, trusting $HEC_CA_BUNDLE,
# and leave its environment behind for the test to read.
POSTER = """
    import json, os, pathlib, httpx
    env = {name: value for name, value in os.environ.items() if name.startswith(("HEC_", "HECHARNESS_"))}
    pathlib.Path(env["HECHARNESS_WORKDIR"], "env.json").write_text(json.dumps(env))
    body = pathlib.Path(env["HEC_RECORDS_FILE"]).read_bytes()
    answer = httpx.post(
        env["HEC_URL"] + "/services/collector/raw",
        params={"channel": env["HEC_CHANNEL"], "sourcetype": env["HEC_SOURCETYPE"]},
        headers={"Authorization": "Splunk " + env["HEC_TOKEN"]},
        content=body,
        verify=env["HEC_CA_BUNDLE"] or True,
    )
    print(answer.text)
    raise SystemExit(0 if answer.is_success else 4)
"""


@pytest.fixture
def poster(tmp_path: Path) -> Path:
    path = tmp_path / "poster.py"
    path.write_text(textwrap.dedent(POSTER))
    return path


def run(out_dir, certs, *, sender, hec=None, records=None, expectations=()):
    scenario = Scenario(
        "command",
        "A command sends the records.",
        hec=hec or HEC(),
        records=records or Records(count=50, rate=100),
        sender=sender,
        expect=list(expectations) or [expect.exit_code(0)],
    )
    result = run_scenario(scenario, out_dir, certs.directory)
    assert result.error is None, result.error
    return result


def test_a_command_gets_the_hec_in_its_environment_and_is_judged_by_what_arrived(poster, out_dir, scenario_certs):
    result = run(
        out_dir,
        scenario_certs,
        sender=Command([sys.executable, str(poster)]),
        expectations=[expect.exit_code(0), expect.delivered("all"), expect.duplicated(0), expect.sourcetype("cloudflare:json")],
    )
    assert result.passed, "\n".join(map(str, result.verdicts))
    env = json.loads((out_dir / "work" / "command" / "env.json").read_text())
    assert set(ENVIRONMENT) <= set(env)
    assert env["HEC_URL"].startswith("https://localhost:") and env["HEC_RAW_URL"] == env["HEC_URL"] + "/services/collector/raw"
    assert env["HEC_EVENT_URL"] == env["HEC_URL"] + "/services/collector/event"
    assert Path(env["HEC_CA_BUNDLE"]) == scenario_certs.ca("valid").absolute()
    assert env["HEC_RECORDS_COUNT"] == "50" and len(Path(env["HEC_RECORDS_FILE"]).read_bytes().splitlines()) == 50
    assert env["HEC_ADMIN_URL"].startswith("http://127.0.0.1:") and env["HECHARNESS_SCENARIO"] == "command"
    destination = parse_destination(env["HEC_DESTINATION_CONF"], any_port=True)
    assert destination.channel == env["HEC_CHANNEL"] and destination.token == env["HEC_TOKEN"]
    assert result.details["command"]["stdout"] == '{"text":"Success","code":0}\n'
    assert [m.outcome for m in result.timeline.marks] == ["accepted"]


def test_plain_http_hec_gives_no_ca_bundle(poster, out_dir, scenario_certs):
    result = run(out_dir, scenario_certs, hec=HEC(tls="plain"), sender=Command([sys.executable, str(poster)]), expectations=[expect.delivered("all")])
    assert result.passed, "\n".join(map(str, result.verdicts))
    env = json.loads((out_dir / "work" / "command" / "env.json").read_text())
    assert env["HEC_URL"].startswith("http://") and env["HEC_CA_BUNDLE"] == ""


def test_a_shell_command_expands_the_variables(out_dir, scenario_certs):
    result = run(out_dir, scenario_certs, sender=Command(f'test -s "$HEC_RECORDS_FILE" && test "$HEC_TOKEN" = {DEFAULT_TOKEN}'))
    assert result.passed, "\n".join(map(str, result.verdicts))


def test_a_failing_command_is_reported_with_its_exit_code_and_last_words(out_dir, scenario_certs):
    result = run(
        out_dir,
        scenario_certs,
        sender=Command([sys.executable, "-c", "import sys; print('cannot reach the HEC', file=sys.stderr); sys.exit(3)"]),
        expectations=[expect.exit_code(0), expect.nothing_delivered()],
    )
    code, nothing = result.verdicts
    assert code.message == "command exit code: expected 0, observed 3 (cannot reach the HEC)"
    assert nothing.passed and not result.passed


def test_a_command_that_outlives_its_timeout_is_killed(out_dir, scenario_certs):
    result = run(out_dir, scenario_certs, sender=Command("sleep 30", timeout=0.5), expectations=[expect.exit_code(0)])
    assert result.details["command"]["timed_out"] is True and result.details["command"]["exit_code"] is None
    assert result.verdicts[0].observed.startswith("killed after")
    assert result.details["command"]["seconds"] < 10


def test_a_sender_that_does_not_retry_loses_what_the_busy_hec_refused(out_dir, scenario_certs):
    result = run(
        out_dir,
        scenario_certs,
        hec=HEC(faults=["error:9 first=1"]),
        records=Records(count=1000, rate=100),
        sender=Command([sys.executable, "-m", "hecharness.scenario.example_sender", "--batch", "250", "--attempts", "1"]),
        expectations=[expect.exit_code(0), expect.missing(0), expect.answers(1, status=503, code=9)],
    )
    code, missing, busy = result.verdicts
    assert code.observed.startswith("1 (sent 1000 records in 4 batches; 1 given up")
    assert missing.observed.startswith("250 (first: RayID=")
    assert busy.passed


@pytest.mark.parametrize("form", ["arguments", "shell"])
def test_python_in_a_command_is_the_interpreter_running_the_harness(form, out_dir, scenario_certs, monkeypatch):
    # As from a shell that never activated the virtualenv: its bin directory is not on PATH.
    monkeypatch.setenv("PATH", os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != os.path.dirname(sys.executable)) or "/usr/bin:/bin")
    module = ["python", "-m", "hecharness.scenario.example_sender", "--batch", "25"]
    result = run(
        out_dir,
        scenario_certs,
        sender=Command(module if form == "arguments" else " ".join(module) + ' && test "$HECHARNESS_PYTHON" = ' + sys.executable),
        expectations=[expect.exit_code(0), expect.delivered("all")],
    )
    assert result.passed, "\n".join(map(str, result.verdicts))


def test_a_timeline_action_that_fails_makes_the_run_an_error_not_a_verdict(out_dir, scenario_certs):
    def misnamed(run):
        run.hec("no-such-hec")

    scenario = Scenario(
        "command-action",
        "A command runs while a timeline action names a HEC that does not exist.",
        hec=HEC(),
        records=Records(count=5, rate=100),
        sender=Command([sys.executable, "-c", "import time; time.sleep(1)"]),
        timeline=[at(0.1, misnamed)],
        expect=[expect.exit_code(0)],
    )
    result = run_scenario(scenario, out_dir, scenario_certs.directory)
    assert result.error is not None and "no-such-hec" in result.error
