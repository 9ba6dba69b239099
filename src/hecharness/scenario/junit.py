"""Scenario results as JUnit XML, the format CI systems (GitLab, Jenkins, GitHub actions) read.

One testcase per scenario, named by the scenario and classed by its file; a failed expectation is a
`<failure>` whose message is the first expected-against-observed sentence (with how a failed command
ended), a crash or a file that could not be loaded an `<error>`, a scenario an interrupt stopped `<skipped>`.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from hecharness.scenario.result import ScenarioOutcome, ScenarioResult

__all__ = ["junit_xml"]


def junit_xml(results: Sequence[ScenarioResult], *, wall_seconds: float, suite: str = "hecharness scenarios") -> bytes:
    outcomes = [r.outcome for r in results]
    counts = {
        "tests": str(len(results)),
        "failures": str(outcomes.count(ScenarioOutcome.FAIL)),
        "errors": str(outcomes.count(ScenarioOutcome.ERROR)),
        "skipped": str(outcomes.count(ScenarioOutcome.NOT_RUN)),
        "time": f"{wall_seconds:.3f}",
    }
    root = ET.Element("testsuites", name=suite, **counts)
    testsuite = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        timestamp=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
        hostname=socket.gethostname(),
        **counts,
    )
    for result in results:
        classname = f"scenarios.{Path(result.source).stem}" if result.source else "scenarios"
        case = ET.SubElement(testsuite, "testcase", classname=classname, name=result.name, time=f"{result.wall_seconds:.3f}")
        lines = [str(verdict) for verdict in result.verdicts]
        if result.not_run is not None:
            ET.SubElement(case, "skipped", message=result.headline)
        elif result.error is not None:
            error = ET.SubElement(case, "error", message=result.headline, type="ScenarioError")
            error.text = result.error
        elif not result.passed:
            failure = ET.SubElement(case, "failure", message=result.headline, type="ExpectationFailed")
            ended = result.command_ended()
            failure.text = "\n".join(lines + (["", ended] if ended else []))
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join([result.story, "", *lines])
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
