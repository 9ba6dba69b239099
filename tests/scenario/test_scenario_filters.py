"""A scenario's job with a filter: what the filter leaves out is not expected, so accounting stays exact."""

from __future__ import annotations

import json

from hecharness.generate import records
from hecharness.scenario import Logpush, Records, Scenario, expect, run_scenario

SERVER_ERRORS = json.dumps({"where": {"key": "EdgeResponseStatus", "operator": "geq", "value": 500}})


def test_a_filtered_job_delivers_exactly_what_the_filter_keeps(tmp_path, scenario_certs):
    kept = sum(1 for record in records("http_requests", count=3000) if record["EdgeResponseStatus"] >= 500)
    scenario = Scenario(
        "server-errors-only",
        "Only server errors are pushed; the rest is filtered out, not lost.",
        records=Records(count=3000, rate=100),
        sender=Logpush(filter=SERVER_ERRORS),
        expect=[
            expect.delivered("all"), expect.delivered(kept), expect.missing(0), expect.unexpected(0),
            expect.records_uploaded(kept), expect.lost_matches_missing(),
        ],
    )
    verdicts = run_scenario(scenario, tmp_path, scenario_certs.directory).verdicts
    assert 0 < kept < 3000
    assert all(v.passed for v in verdicts), "\n".join(map(str, verdicts))


def test_attack_traffic_left_out_is_not_counted_missing(tmp_path, scenario_certs):
    attacks = sum(1 for record in records("network_analytics_logs", count=1500) if record["AttackID"])
    scenario = Scenario(
        "no-attack-traffic",
        "Network analytics without the DDoS attack packets.",
        records=Records(dataset="network_analytics_logs", count=1500, rate=100),
        sender=Logpush(filter_attack_traffic=True),
        expect=[expect.delivered(1500 - attacks), expect.missing(0), expect.records_uploaded(1500 - attacks)],
    )
    verdicts = run_scenario(scenario, tmp_path, scenario_certs.directory).verdicts
    assert 0 < attacks < 1500
    assert all(v.passed for v in verdicts), "\n".join(map(str, verdicts))


def test_a_filter_the_api_refuses_refuses_the_job(tmp_path, scenario_certs):
    scenario = Scenario(
        "bad-filter",
        "A filter with Instant Logs' neq is refused when the job is created.",
        records=Records(count=10, rate=10),
        sender=Logpush(filter='{"where":{"key":"EdgeResponseStatus","operator":"neq","value":200}}'),
        expect=[expect.refused("where.operator 'neq' is not a Logpush operator")],
    )
    verdicts = run_scenario(scenario, tmp_path, scenario_certs.directory).verdicts
    assert all(v.passed for v in verdicts), "\n".join(map(str, verdicts))
