"""Reports: the JSON report, JUnit XML for CI, SVG timelines, the parallel runner and the command line."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from hecharness.cli import main
from hecharness.scenario import DEFAULT_TOKEN, Timeline, load_directory, run_many
from hecharness.scenario.svg import render_svg
from hecharness.scenario.timeline import Flag, Mark

PASSING = """
    from hecharness.scenario import HEC, Logpush, Records, Scenario, at, clear_faults, expect

    scenario = Scenario(
        "passes",
        "Two busy answers, then everything arrives.",
        hec=HEC(faults=["error:9 first=2"]),
        records=Records(count=40, rate=10),
        sender=Logpush(),
        timeline=[at(100, clear_faults())],  # after the retries: shows as a flag
        expect=[expect.delivered("all"), expect.retries(2)],
    )
"""
FAILING = """
    from hecharness.scenario import HEC, Logpush, Records, Scenario, expect

    scenario = Scenario(
        "fails",
        "The HEC refuses everything, so nothing can arrive.",
        hec=HEC(faults=["error:8"]),
        records=Records(count=20, rate=10),
        sender=Logpush(),
        expect=[expect.delivered("all"), expect.batches_dropped(1)],
    )
"""
CRASHING = """
    from hecharness.scenario import Logpush, Records, Scenario, expect

    def boom(observation):
        raise RuntimeError("a check that breaks")

    scenarios = [
        Scenario("crashes", "A custom check raises.", records=Records(count=5, rate=10), sender=Logpush(),
                 expect=[expect.that("boom", boom)]),
    ]
"""


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("scenarios")
    for name, text in (("passing", PASSING), ("failing", FAILING), ("crashing", CRASHING)):
        (directory / f"{name}.py").write_text(textwrap.dedent(text))
    (directory / "_helpers.py").write_text("raise RuntimeError('helpers are not scenarios and are not loaded')\n")
    return directory


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("results")


@pytest.fixture(scope="module")
def summary(scenario_dir: Path, results_dir: Path):
    # Two workers: the process pool, as `make scenario` runs it. Once for the module: it is a few seconds.
    return run_many(load_directory(scenario_dir), results_dir, workers=2)


def test_the_summary_knows_what_failed(summary):
    assert [r.name for r in summary.results] == ["crashes", "fails", "passes"]
    assert not summary.passed
    assert [r.name for r in summary.failed] == ["crashes", "fails"]
    crashes, fails, passes = summary.results
    assert passes.passed and passes.sender == "logpush" and passes.logical_seconds > 0
    assert crashes.error is not None and "a check that breaks" in crashes.error
    assert fails.headline == "records delivered: expected all (20), observed 0 of 20"


def test_json_report(summary, results_dir):
    report = json.loads((results_dir / "report.json").read_text())
    assert (report["passed"], report["failed"]) == (1, 2)
    passes = report["scenarios"][2]
    assert passes["name"] == "passes" and passes["passed"] is True
    assert passes["verdicts"][0] == {"what": "records delivered", "expected": "all (40)", "observed": "40 of 40", "passed": True}
    assert passes["details"]["metrics"]["retries"] == 2
    assert passes["details"]["delivery"]["complete"] is True
    assert "header_Authorization=Splunk%200aa7****" in passes["details"]["job"]["destination_conf"]
    assert DEFAULT_TOKEN not in (results_dir / "report.json").read_text()  # the token never lands in a report
    assert [m["outcome"] for m in passes["timeline"]["marks"]] == ["retry", "retry", "delivered"]
    assert passes["timeline_svg"] == "timelines/passes.svg"


def test_junit_xml(summary, results_dir):
    root = ET.parse(results_dir / "junit.xml").getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert cases["passes"].get("classname") == "scenarios.passing"
    assert cases["passes"].find("failure") is None and cases["passes"].find("error") is None
    failure = cases["fails"].find("failure")
    assert failure.get("message") == "records delivered: expected all (20), observed 0 of 20"
    assert "FAILED  records delivered" in failure.text and "ok  batches dropped" in failure.text
    assert "RuntimeError: a check that breaks" in cases["crashes"].find("error").text
    assert "Two busy answers" in cases["passes"].find("system-out").text


def test_svg_timelines(summary, results_dir):
    picture = ET.parse(results_dir / "timelines" / "passes.svg").getroot()
    assert picture.tag == "{http://www.w3.org/2000/svg}svg"
    titles = [t.text for t in picture.iter("{http://www.w3.org/2000/svg}title")]
    assert any("attempt 1" in t and "retry" in t for t in titles)
    assert any("attempt 3" in t and "delivered" in t for t in titles)
    assert any(t.startswith("faults cleared") for t in titles)  # the timeline action, as a flag
    texts = [t.text for t in picture.iter("{http://www.w3.org/2000/svg}text")]
    assert "failed, retried (2)" in texts and "delivered (1)" in texts  # one batch: 40 records in 4 s
    # A check that raised still leaves the run's timeline to look at.
    assert (results_dir / "timelines" / "fails.svg").exists() and (results_dir / "timelines" / "crashes.svg").exists()


def test_svg_of_many_batches_and_job_events_is_well_formed():
    marks = [Mark(f"batch {i}", i * 30.0 + k * 20, outcome, f"batch {i} <&> attempt {k}") for i in range(200) for k, outcome in enumerate(("retry", "dropped"))]
    flags = (Flag(3600, "disabled", "disabled: no success for 3600s"), Flag(9000, "enabled", "enabled"), Flag(7200, "action", "faults cleared"))
    timeline = Timeline(10800, tuple(dict.fromkeys(m.lane for m in marks)), tuple(marks), flags)
    root = ET.fromstring(render_svg(timeline, "many & more", "story <with> markup"))
    assert len(list(root.iter("{http://www.w3.org/2000/svg}circle"))) >= 200
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "3 h" in texts and "disabled" in texts and "many & more" in texts


def test_cli_list_and_run(scenario_dir, tmp_path):
    runner = CliRunner()
    listed = runner.invoke(main, ["scenario", "list", "--dir", str(scenario_dir)])
    assert listed.exit_code == 0, listed.output
    assert "passes" in listed.output and "failing.py" in listed.output

    out = tmp_path / "cli-results"
    passed = runner.invoke(main, ["scenario", "run", "--dir", str(scenario_dir), "--out", str(out), "--workers", "1", "passes"])
    assert passed.exit_code == 0, passed.output
    assert "\n1 scenario passed in " in passed.output and "scenarios passed" not in passed.output and (out / "junit.xml").exists()

    failed = runner.invoke(main, ["scenario", "run", "--dir", str(scenario_dir), "--out", str(out), "--workers", "1", "failing"])
    assert failed.exit_code == 1, failed.output
    assert "FAILED records delivered: expected all (20), observed 0 of 20" in failed.output

    unknown = runner.invoke(main, ["scenario", "run", "--dir", str(scenario_dir), "no-such-scenario"])
    assert unknown.exit_code == 2 and "no scenario 'no-such-scenario'" in unknown.output
