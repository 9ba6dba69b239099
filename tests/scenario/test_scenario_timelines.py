"""What the SVG timelines show beyond the attempts: the faults in force, and the failed attempts the HEC had indexed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hecharness.scenario import HEC, Logpush, Records, Scenario, at, clear_faults, expect, run_scenario
from hecharness.scenario.discovery import BUILTIN, load_directory
from hecharness.scenario.svg import render_svg

SVG = "{http://www.w3.org/2000/svg}"


def picture(result) -> ET.Element:
    return ET.fromstring(render_svg(result.timeline, result.name, result.story))


def shaded(root: ET.Element) -> list[str]:
    return [rect.find(f"{SVG}title").text for rect in root.iter(f"{SVG}rect") if rect.get("class") == "fault"]


def legend(root: ET.Element) -> list[str]:
    return [text.text for text in root.iter(f"{SVG}text")]


def run(out_dir, certs, faults, timeline=(), records=Records(count=600, rate=2)):
    scenario = Scenario("faulty", "Faults come and go.", hec=HEC(faults=faults), records=records, sender=Logpush(), timeline=timeline, expect=[expect.delivered("all")])
    result = run_scenario(scenario, out_dir, certs.directory)
    assert result.error is None, result.error
    return result


def test_a_fault_window_is_shaded_as_the_outage_itself(out_dir, scenario_certs):
    result = run(out_dir, scenario_certs, ["reset window=0..120 name=outage"])
    [window] = result.timeline.faults
    assert (window.start, window.end, window.label) == (0.0, 120.0, "reset window=0..120 name=outage")
    root = picture(result)
    assert shaded(root) == ["fault reset window=0..120 name=outage: in force from 0 s to 2 min"]
    assert "fault reset window=0..120 name=outage" in legend(root)
    assert result.to_dict()["timeline"]["faults"] == [{"start": 0.0, "end": 120.0, "label": "reset window=0..120 name=outage"}]


def test_a_fault_ends_where_the_timeline_clears_it_or_where_it_is_used_up(out_dir, scenario_certs):
    cleared = run(out_dir, scenario_certs, ["error:8 name=broken"], timeline=[at(100, clear_faults())])
    assert [(w.start, w.end) for w in cleared.timeline.faults] == [(0.0, 100.0)]
    used_up = run(out_dir, scenario_certs, ["error:9 first=2 name=busy"])
    [window] = used_up.timeline.faults
    second_busy_answer = sorted(m.offset for m in used_up.timeline.marks if m.outcome == "retry")[1]
    assert (window.start, window.end) == (0.0, second_busy_answer)


def test_no_fault_no_shade(out_dir, scenario_certs):
    result = run(out_dir, scenario_certs, [], records=Records(count=20, rate=10))
    assert result.timeline.faults == () and shaded(picture(result)) == []


@pytest.fixture(scope="module")
def slow(tmp_path_factory, scenario_certs):
    scenarios = {s.name: s for s in load_directory(BUILTIN) if s.name.startswith("slow-")}
    out = tmp_path_factory.mktemp("slow")
    return {name: run_scenario(scenario, out, scenario_certs.directory) for name, scenario in scenarios.items()}


def test_slow_after_indexing_shows_the_failed_attempts_were_indexed(slow):
    result = slow["slow-after-indexing"]
    assert result.passed, "\n".join(map(str, result.verdicts))
    failed = [m for m in result.timeline.marks if m.outcome != "delivered"]
    assert failed and all(m.indexed == 300 for m in failed)  # each a whole batch of 300, indexed though it "failed"
    duplicated = result.details["delivery"]["duplicated"]
    assert sum(m.indexed for m in failed) == duplicated  # the picture accounts for every duplicate
    root = picture(result)
    indexed = [g for g in root.iter(f"{SVG}g") if g.get("class") == "indexed" and g.find(f"{SVG}circle/{SVG}title").text]
    assert len(indexed) == len(failed)  # and one more, untitled, in the legend
    assert all("the HEC had indexed 300 of its records all the same" in g.find(f"{SVG}circle/{SVG}title").text for g in indexed)
    assert f"failed, yet indexed: {duplicated:,} records sent again ({len(failed)})" in legend(root)
    assert shaded(root) and "slow-body:45" in shaded(root)[0]


def test_slow_before_reading_shows_nothing_indexed(slow):
    result = slow["slow-before-reading"]
    assert result.passed and not any(m.indexed for m in result.timeline.marks)
    assert any(m.outcome == "retry" for m in result.timeline.marks)
    assert not any(g.get("class") == "indexed" for g in picture(result).iter(f"{SVG}g"))
