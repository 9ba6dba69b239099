"""Every built-in scenario holds: CI guards the FAQ's behaviours through the test suite too."""

from __future__ import annotations

import json

import pytest

from hecharness.generate import FieldListError
from hecharness.scenario import HEC, Logpush, Records, Scenario, expect, load_directory, run_scenario
from hecharness.scenario.discovery import BUILTIN

SCENARIOS = load_directory(BUILTIN)


@pytest.mark.parametrize("case", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_holds(case, out_dir, scenario_certs):
    result = run_scenario(case, out_dir, scenario_certs.directory)
    assert result.error is None, result.error
    assert result.passed, f"{case.name} ({case.source}):\n" + "\n".join(str(v) for v in result.verdicts)


def test_each_faq_behaviour_has_a_scenario():
    names = {s.name for s in SCENARIOS}
    behaviours = {
        "healthy destination": {"healthy"},
        "destination down briefly": {"brief-outage"},
        "destination down for long": {"long-outage"},
        "prolonged errors disable the job, no backfill": {"prolonged-errors"},
        "busy indexer and partial acceptance": {"busy-indexer", "partial-acceptance"},
        "destination switched, fields added": {"destination-switch", "fields-added"},
        "validation failures": {
            "validation-not-raw-endpoint",
            "validation-not-https",
            "validation-token-not-url-encoded",
            "validation-bad-token",
            "validation-port",
            "validation-certificate-name",
            "validation-self-signed",
        },
        "insecure-skip-verify": {"insecure-skip-verify-self-signed", "insecure-skip-verify-splunk-default"},
        "pre-flight check": {"preflight-good-hec", "preflight-certificate-name"},
        "datasets": {f"dataset-{d}" for d in ("http-requests", "range-events", "firewall-events", "network-analytics-logs", "dns-logs", "gateway-http")},
        "any sender": {"external-curl", "external-sender"},
        "slow destination: retried, duplicated when already indexed": {"slow-before-reading", "slow-after-indexing"},
        "indexer acknowledgement on": {"ack-token"},
        "acks behind a load balancer, stickiness, its expiry, rolling restarts": {
            "cluster-acks-round-robin",
            "cluster-acks-sticky",
            "cluster-acks-sticky-cookies-ignored",
            "cluster-acks-sticky-expires",
            "cluster-rolling-restart",
            "cluster-rolling-restart-acks",
        },
    }
    for behaviour, wanted in behaviours.items():
        assert wanted <= names, f"{behaviour}: missing {sorted(wanted - names)}"


def test_every_scenario_says_what_must_hold():
    for case in SCENARIOS:
        assert case.expect, f"{case.name} has no expectations"
        assert case.story.strip(), f"{case.name} has no story"


def test_a_scenario_pushes_a_dataset_from_a_users_field_list(tmp_path, out_dir, scenario_certs):
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps({"datasets": {"scenario_audit": {"fields": [
        {"name": "When", "type": "int or string"}, {"name": "EventID", "type": "string"},
        {"name": "Verdict", "type": "string", "values": ["pass", "block"]}]}}}))
    case = Scenario(
        "user-dataset", "A dataset given as a field list arrives whole.",
        hec=HEC(), records=Records("scenario_audit", count=50, rate=10, field_list=fields), sender=Logpush(),
        expect=[expect.delivered("all"), expect.duplicated(0), expect.timestamps("rfc3339")],
    )
    result = run_scenario(case, out_dir, scenario_certs.directory)
    assert result.error is None and result.passed, result.verdicts


def test_a_bad_field_list_fails_when_the_scenario_is_written(tmp_path):
    fields = tmp_path / "fields.json"
    fields.write_text('{"datasets": {"x": {"fields": [{"name": "When"}]}}}')
    with pytest.raises(FieldListError, match=r"datasets.x.fields\[0\] \('When'\): type is missing"):
        Records("x", field_list=fields)
