"""When scenarios go wrong: a file that cannot load, a command that fails, bad directories and
output paths, stale timelines, Ctrl-C. Each is reported in its place, and the rest still runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from hecharness.cli import main
from hecharness.scenario import run_many
from hecharness.scenario.discovery import ScenarioFileError, discover, load_directory

PASSES = """
    from hecharness.scenario import Logpush, Records, Scenario, expect

    scenario = Scenario("quick", "Ten records, all delivered.", records=Records(count=10, rate=10), sender=Logpush(), expect=[expect.delivered("all")])
"""
BROKEN = {
    "bad_fault.py": """
        from hecharness.scenario import HEC, Logpush, Scenario, expect

        scenario = Scenario(
            "bad-fault",
            "A typo in a fault.",
            hec=HEC(faults=["eror:9 window=0..60"]),
            sender=Logpush(),
            expect=[expect.delivered("all")],
        )
    """,
    "bad_dataset.py": """
        from hecharness.scenario import Logpush, Records, Scenario, expect

        scenarios = [Scenario("bad-dataset", "A typo in a dataset.", records=Records(dataset="http_request"), sender=Logpush(), expect=[])]
    """,
    "bad_syntax.py": """
        from hecharness.scenario import Scenario

        scenario = Scenario("bad-syntax",, "A stray comma.")
    """,
    "taken.py": PASSES,  # defines "quick" again
}
WHAT_IS_NAMED = {
    "bad_fault.py": ("line 7", "unknown fault 'eror'"),
    "bad_dataset.py": ("line 4", "unknown dataset 'http_request'"),
    "bad_syntax.py": ("line 4", "SyntaxError"),
    "taken.py": ("'quick'", "already defined in"),
}


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text))
    return directory


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A good scenario among four files that cannot be loaded."""
    return write(tmp_path / "mine", {"a_quick.py": PASSES, **BROKEN})


def test_a_file_that_cannot_load_is_named_with_its_line_and_bad_value(mixed):
    catalog = discover(mixed)
    assert [s.name for s in catalog.scenarios] == ["quick"]
    problems = {Path(u.source).name: u.problem for u in catalog.unloadable}
    assert set(problems) == set(BROKEN)
    for name, (where, what) in WHAT_IS_NAMED.items():
        assert problems[name].startswith(str(mixed / name)) and where in problems[name] and what in problems[name], problems[name]
        assert "\n" not in problems[name] and "Traceback" not in problems[name]
    with pytest.raises(ScenarioFileError, match="bad_dataset.py, line 4"):
        load_directory(mixed)  # the Python API: the first bad file, as an exception


def test_the_others_run_and_every_report_names_the_bad_file(mixed, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["scenario", "run", "--dir", str(mixed), "--out", str(out), "--workers", "1", "quick", "bad_*", "taken"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "pass quick" in result.output and "ERROR bad_fault.py" in result.output
    assert "unknown fault 'eror'" in result.output and "4 of 5 scenarios failed" in result.output

    report = json.loads((out / "report.json").read_text())
    by_name = {s["name"]: s for s in report["scenarios"]}
    assert by_name["quick"]["passed"] is True
    assert by_name["bad_fault.py"]["outcome"] == "ERROR" and "line 7" in by_name["bad_fault.py"]["error"]
    assert (report["passed"], report["failed"]) == (1, 4)

    cases = {case.get("name"): case for case in ET.parse(out / "junit.xml").getroot().iter("testcase")}
    error = cases["bad_dataset.py"].find("error")
    assert "unknown dataset 'http_request'" in error.get("message") and "line 4" in error.text
    assert cases["quick"].find("error") is None and cases["quick"].find("failure") is None


FAILING_COMMAND = """
    from hecharness.scenario import Command, Records, Scenario, expect

    scenario = Scenario(
        "missing-forwarder",
        "A forwarder that is not installed.",
        records=Records(count=20, rate=100),
        sender=Command("echo starting >&2; no-such-forwarder-hecharness --config x.toml"),
        expect=[expect.delivered("all")],
    )
"""


def test_a_failed_command_shows_its_exit_code_and_stderr_with_the_failed_expectation(tmp_path):
    directory = write(tmp_path / "mine", {"forwarder.py": FAILING_COMMAND})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["scenario", "run", "--dir", str(directory), "--out", str(out), "missing-forwarder"])
    assert result.exit_code == 1, result.output
    # In the table's first failure, and under the failed expectation.
    assert "the command exited with code 127" in result.output and "no-such-forwarder-hecharness: not found" in result.output
    failure = next(ET.parse(out / "junit.xml").getroot().iter("failure"))
    assert "exited with code 127" in failure.get("message") and "not found" in failure.get("message")
    assert "records delivered: expected all (20), observed 0 of 20" in failure.text
    assert "stderr ending:\n  starting\n  " in failure.text and "not found" in failure.text


@pytest.mark.parametrize("kind", ["missing", "empty", "only helpers"])
def test_a_dir_without_scenarios_is_an_error(kind, tmp_path):
    directory = tmp_path / "mine"
    if kind != "missing":
        directory.mkdir()
    if kind == "only helpers":
        (directory / "_shared.py").write_text("X = 1\n")
    result = CliRunner().invoke(main, ["scenario", "run", "--dir", str(directory), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and str(directory) in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_an_out_that_cannot_be_written_is_refused_before_any_scenario_runs(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(main, ["scenario", "run", "--out", str(blocker / "results"), "healthy"])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: cannot write the reports to {blocker / 'results'}: Not a directory"


def test_a_run_replaces_the_timelines_it_owns_and_leaves_the_rest(tmp_path):
    directory = write(tmp_path / "mine", {"a_quick.py": PASSES})
    out = tmp_path / "out"
    first = run_many(discover(directory).scenarios, out, workers=1)
    assert (first.timelines / "quick.svg").exists()
    (first.timelines / "notes.txt").write_text("mine, not the harness's")
    (first.timelines / "unlisted.svg").write_text("<svg/>")
    # "quick" no longer loads: its old picture must not pass for this run's.
    (directory / "a_quick.py").write_text(textwrap.dedent(BROKEN["bad_syntax.py"]))
    write(directory, {"other.py": PASSES.replace('"quick"', '"other"')})
    catalog = discover(directory)
    second = run_many(catalog.scenarios, out, workers=1, unloadable=catalog.unloadable)
    assert not (second.timelines / "quick.svg").exists() and (second.timelines / "other.svg").exists()
    # Then a run of something else: "other" was in the report this one replaces, so its picture goes too.
    write(directory, {"a_quick.py": PASSES})
    third = run_many([s for s in discover(directory).scenarios if s.name == "quick"], out, workers=1)
    assert sorted(p.name for p in third.timelines.iterdir()) == ["notes.txt", "quick.svg", "unlisted.svg"]


def test_first_missing_keeps_keys_not_whole_records(tmp_path):
    big = """
        from hecharness.scenario import HEC, Logpush, Records, Scenario, expect

        scenario = Scenario("lost", "All refused.", hec=HEC(faults=["error:8"]), records=Records(count=30, rate=10), sender=Logpush(), expect=[expect.delivered("all")])
    """
    directory = write(tmp_path / "mine", {"lost.py": big})
    summary = run_many(discover(directory).scenarios, tmp_path / "out", workers=1)
    delivery = json.loads(summary.report.read_text())["scenarios"][0]["details"]["delivery"]
    assert delivery["missing"] == 30 and len(delivery["first_missing"]) == 20
    assert all(key.startswith("RayID=") and len(key) < 40 for key in delivery["first_missing"]), delivery["first_missing"][:2]


SLEEPER = """
    from hecharness.scenario import Command, Records, Scenario, expect

    scenario = Scenario(
        "sleeper",
        "A command that would run for a minute.",
        records=Records(count=5, rate=100),
        sender=Command('echo $$ > "$HECHARNESS_WORKDIR/pid"; exec sleep 60', timeout=120),
        expect=[expect.exit_code(0)],
    )
"""


@pytest.mark.parametrize(
    ("workers", "to"),
    [(1, "process"), (2, "process"), (2, "group")],  # "group": as a terminal sends it, to the workers too
)
def test_ctrl_c_stops_the_run_writes_what_finished_and_exits_130(workers, to, tmp_path):
    directory = write(tmp_path / "mine", {"a_quick.py": PASSES, "sleeper.py": SLEEPER})
    out = tmp_path / "out"
    command = [sys.executable, "-m", "hecharness.cli", "scenario", "run", "--dir", str(directory), "--out", str(out), "--workers", str(workers), "quick", "sleeper"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path, start_new_session=True)
    pid_file = out / "work" / "sleeper" / "pid"
    try:
        lines = []
        for line in process.stdout:  # until "quick" has passed and the sleeper's command runs
            lines.append(line)
            if "pass quick" in line:
                break
        for _ in range(600):
            if pid_file.exists() and pid_file.read_text().strip():
                break
            time.sleep(0.05)
        sleeper = int(pid_file.read_text())
        if to == "group":
            os.killpg(process.pid, signal.SIGINT)  # the group this test made for it: nothing else is in it
        else:
            process.send_signal(signal.SIGINT)
        output = "".join(lines) + process.stdout.read()
        assert process.wait(timeout=60) == 130, output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in output and "Aborted" not in output, output
    assert "interrupted after 1 of 2 scenarios; not run: sleeper" in output
    report = json.loads((out / "report.json").read_text())
    assert [(s["name"], s["outcome"]) for s in report["scenarios"]] == [("quick", "pass"), ("sleeper", "not run")]
    assert ET.parse(out / "junit.xml").getroot().find(".//testcase[@name='sleeper']/skipped") is not None
    for _ in range(200):  # the command is killed with the run, not left to sleep out its minute
        if not _alive(sleeper):
            break
        time.sleep(0.05)
    assert not _alive(sleeper)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (killed, not yet reaped by its parent) counts as gone.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())
