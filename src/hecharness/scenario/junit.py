"""Scenario results as JUnit XML, the format CI systems (GitLab, Jenkins, GitHub actions) read.

One testcase per scenario, named by the scenario and classed by its file; a failed expectation is a
`<failure>` whose message is the first expected-against-observed sentence, a crash an `<error>`.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from hecharness.scenario.result import ScenarioResult

__all__ = ["junit_xml"]


def junit_xml(results: Sequence[ScenarioResult], *, wall_seconds: float, suite: str = "hecharness scenarios") -> bytes:
    failures = sum(1 for r in results if r.error is None and not r.passed)
    errors = sum(1 for r in results if r.error is not None)
    counts = {"tests": str(len(results)), "failures": str(failures), "errors": str(errors), "skipped": "0", "time": f"{wall_seconds:.3f}"}
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
        if result.error is not None:
            error = ET.SubElement(case, "error", message=result.headline, type="ScenarioError")
            error.text = result.error
        elif not result.passed:
            failure = ET.SubElement(case, "failure", message=result.headline, type="ExpectationFailed")
            failure.text = "\n".join(lines)
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join([result.story, "", *lines])
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
