"""The job options of late 2026: filter, kind and filter_attack_traffic, in the job and in a running job."""

from __future__ import annotations

import asyncio
import json

import pytest

from hecharness.clock import VirtualClock
from hecharness.generate import attack_mark, records, timed_records
from hecharness.logpush import JobError, LogpushJob, LogpushSimulator, create_job
from tests.logpush.test_simulator import certs, conf, hec, hec_server, simulator  # noqa: F401 (fixtures)

CONF = (
    "splunk://splunk.example.com:8088/services/collector/raw?channel=f1aafa4f-684f-4c29-a040-7fe184b03712"
    "&insecure-skip-verify=false&sourcetype=cloudflare:json&header_Authorization=Splunk%20e6d94e8c-5792-4ad1-be3c-29bcaee0197d"
)


def where(node: dict) -> str:
    return json.dumps({"where": node}, separators=(",", ":"))


def leaf(key: str, operator: str, value) -> dict:
    return {"key": key, "operator": operator, "value": value}


ERRORS_ON_ONE_HOST = where({"and": [leaf("EdgeResponseStatus", "geq", 400), leaf("ClientRequestHost", "!eq", "")]})


def refused(**body) -> JobError:
    with pytest.raises(JobError) as caught:
        LogpushJob.from_api({"destination_conf": CONF, **body})
    assert "\n" not in str(caught.value)
    return caught.value


# --- a job body with every option, as Cloudflare takes it today -------------------------------------

EVERY_OPTION = {
    "name": "errors",
    "dataset": "http_requests",
    "enabled": True,
    "destination_conf": CONF,
    "output_options": {"field_names": ["RayID", "EdgeStartTimestamp", "EdgeResponseStatus", "Subrequests"], "timestamp_format": "rfc3339ms", "sample_rate": 0.5},
    "max_upload_bytes": 5_000_000,
    "max_upload_records": 1_000,
    "max_upload_interval_seconds": 30,
    "frequency": "high",
    "filter": where({"and": [leaf("EdgeResponseStatus", "in", [500, 502]), leaf("ClientRequestHost", "eq", "example.com")]}),
    "kind": "",
    "filter_attack_traffic": True,
    "merge_subrequests": True,
}


def test_a_body_with_every_option_loads_and_echoes_them():
    job = LogpushJob.from_api(EVERY_OPTION)

    body = job.to_api()
    assert {name: body[name] for name in EVERY_OPTION if name != "kind"} == {k: v for k, v in EVERY_OPTION.items() if k != "kind"}
    assert "kind" not in body  # "" is the API's omitted kind, echoed only when a job has one
    assert job.parsed_filter is not None and job.parsed_filter.fields == ("ClientRequestHost", "EdgeResponseStatus")
    assert LogpushJob.from_api(body) == job


def test_an_edge_job_body_loads():
    body = {**EVERY_OPTION, "kind": "edge", "filter_attack_traffic": False}
    del body["max_upload_bytes"], body["max_upload_records"]
    job = LogpushJob.from_api(body)

    assert job.kind == "edge" and job.to_api()["kind"] == "edge"
    assert job.upload_limits.max_records == 100_000  # Logpush's own default stands in
    assert LogpushJob.from_api(job.to_api()) == job


def test_the_options_are_left_out_for_ibm():
    body = LogpushJob.from_api({**EVERY_OPTION, "output_options": None}).to_api("ibm")
    assert not {"filter", "kind", "filter_attack_traffic", "merge_subrequests"} & set(body)


def test_create_job_refuses_a_bad_filter_in_the_api_envelope():
    bad = {**EVERY_OPTION, "filter": where(leaf("EdgeResponseStatus", "neq", 200))}
    answer, simulator = asyncio.run(create_job(bad))

    assert simulator is None and not answer["success"]
    assert answer["errors"] == [
        {"code": 1002, "message": answer["errors"][0]["message"]}
    ] and "where.operator 'neq' is not a Logpush operator (did you mean '!eq'?)" in answer["errors"][0]["message"]


# --- kind -------------------------------------------------------------------------------------------


def test_kind_takes_empty_or_edge_only():
    assert LogpushJob.from_api({"destination_conf": CONF, "kind": None}).kind == ""
    error = refused(kind="Edge")
    assert error.field == "kind" and 'kind must be "" (a Logpush job) or "edge"' in str(error)
    assert refused(kind=["edge"]).field == "kind"


def test_edge_is_for_http_requests_only():
    error = refused(kind="edge", dataset="firewall_events")
    assert str(error) == "kind edge is only for the http_requests dataset, not firewall_events"


@pytest.mark.parametrize("name", ["max_upload_bytes", "max_upload_records"])
def test_edge_jobs_have_no_upload_size_limits(name):
    value = 5_000_000 if name == "max_upload_bytes" else 1_000
    error = refused(kind="edge", **{name: value})
    assert error.field == name and "not available for jobs with edge as their kind" in str(error)
    assert LogpushJob.from_api({"destination_conf": CONF, "kind": "edge", name: 0}).kind == "edge"

    edge = LogpushJob.from_api({"destination_conf": CONF, "kind": "edge"})
    with pytest.raises(JobError, match="not available for jobs with edge"):
        edge.update(**{name: value})
    assert LogpushJob.from_api({"destination_conf": CONF, "kind": "edge", "max_upload_interval_seconds": 60}).max_upload_interval_seconds == 60


def test_kind_is_set_at_creation_only():
    plain = LogpushJob.from_api({"destination_conf": CONF})
    edge = LogpushJob.from_api({"destination_conf": CONF, "kind": "edge"})
    for job, other in ((plain, "edge"), (edge, "")):
        with pytest.raises(JobError) as caught:
            job.update(kind=other)
        assert caught.value.field == "kind" and "kind can only be set when the job is created" in str(caught.value)
    assert edge.update(kind="edge", enabled=True).enabled  # a PUT that repeats the kind is fine


# --- filter and filter_attack_traffic in the job ----------------------------------------------------


def test_a_filter_is_checked_against_the_jobs_dataset():
    text = where(leaf("QueryName", "eq", "example.com"))
    assert LogpushJob.from_api({"destination_conf": CONF, "dataset": "dns_logs", "filter": text}).parsed_filter is not None
    error = refused(filter=text)
    assert error.field == "filter" and "where.key 'QueryName' is not a field of http_requests" in str(error)


def test_an_update_rechecks_the_filter():
    job = LogpushJob.from_api({"destination_conf": CONF})
    assert job.update(filter=ERRORS_ON_ONE_HOST).parsed_filter is not None
    with pytest.raises(JobError, match="filter must contain the where key"):
        job.update(filter="{}")
    assert job.update(filter=ERRORS_ON_ONE_HOST).update(filter=None).parsed_filter is None


def test_filter_attack_traffic_is_for_three_datasets():
    for dataset in ("http_requests", "firewall_events", "network_analytics_logs"):
        assert LogpushJob.from_api({"destination_conf": CONF, "dataset": dataset, "filter_attack_traffic": True}).filter_attack_traffic
    error = refused(dataset="dns_logs", filter_attack_traffic=True)
    assert error.field == "filter_attack_traffic" and "only for http_requests, firewall_events and network_analytics_logs" in str(error)
    assert refused(filter_attack_traffic="yes").field == "filter_attack_traffic"


# --- a running job pushes what the filters keep, and counts the rest --------------------------------


def accounted(metrics) -> int:
    return (
        metrics.records_uploaded + metrics.records_dropped + metrics.records_lost_disabled
        + metrics.records_sampled_out + metrics.records_filtered_out
    )


def test_a_filter_that_drops_everything(hec):
    report = simulator(hec, {"filter": where(leaf("EdgeResponseStatus", "eq", 999))}, count=500, rate=100).run_sync()
    metrics = report.metrics

    assert (metrics.records_filtered_out, metrics.records_uploaded, metrics.uploads, metrics.records_pending) == (500, 0, 0, 0)
    assert accounted(metrics) == metrics.records_generated == 500
    assert hec.journal.counters.requests == 0


def test_a_filter_that_drops_nothing(hec):
    sim = simulator(hec, {"filter": where(leaf("EdgeResponseStatus", "geq", 0))}, count=500, rate=100)
    metrics = sim.run_sync().metrics

    assert (metrics.records_filtered_out, metrics.records_uploaded) == (0, 500)
    delivery = hec.journal.delivery([r for _, r in timed_records("http_requests", count=500, start=sim._started_at, rate=100)], key="RayID")
    assert delivery.complete, delivery.summary()


def test_only_the_records_the_filter_holds_for_arrive(hec):
    sim = simulator(hec, {"filter": ERRORS_ON_ONE_HOST}, count=3000, rate=500)
    metrics = sim.run_sync().metrics

    generated = [r for _, r in timed_records("http_requests", count=3000, start=sim._started_at, rate=500)]
    wanted = {r["RayID"] for r in generated if r["EdgeResponseStatus"] >= 400 and r["ClientRequestHost"] != ""}
    delivered = {json.loads(event.raw)["RayID"] for event in hec.journal.events}
    assert 0 < len(wanted) < 3000
    assert delivered == wanted
    assert (metrics.records_uploaded, metrics.records_filtered_out) == (len(wanted), 3000 - len(wanted))
    assert metrics.to_dict()["records_filtered_out"] == 3000 - len(wanted)


def test_sampling_applies_to_what_the_filter_keeps(hec):
    job = {"filter": ERRORS_ON_ONE_HOST, "output_options": {"sample_rate": 0.5}}
    metrics = simulator(hec, job, count=3000, rate=500).run_sync().metrics
    kept = 3000 - metrics.records_filtered_out

    assert metrics.records_uploaded + metrics.records_sampled_out == kept
    assert 0 < metrics.records_sampled_out < kept
    assert accounted(metrics) == 3000 and metrics.records_pending == 0


def test_attack_traffic_is_left_out_of_network_analytics_logs(hec):
    sim = simulator(hec, {"dataset": "network_analytics_logs", "filter_attack_traffic": True}, count=2000, rate=500)
    metrics = sim.run_sync().metrics

    attacks = sum(1 for r in records("network_analytics_logs", count=2000) if r["AttackID"])
    assert 0 < attacks < 2000
    assert (metrics.records_filtered_out, metrics.records_uploaded) == (attacks, 2000 - attacks)
    assert not any(json.loads(event.raw)["AttackID"] for event in hec.journal.events)


@pytest.mark.parametrize("dataset", ["http_requests", "firewall_events"])
def test_generated_ddos_mitigations_are_left_out(hec, dataset):
    mark = attack_mark(dataset)
    attacks = sum(1 for r in records(dataset, count=4000) if mark.test(r[mark.field]))
    assert 0 < attacks < 4000  # the generator's floods, mitigated by HTTP DDoS protection

    metrics = simulator(hec, {"dataset": dataset, "filter_attack_traffic": True}, count=4000, rate=1000).run_sync().metrics

    assert (metrics.records_filtered_out, metrics.records_uploaded) == (attacks, 4000 - attacks)
    assert not any(mark.test(json.loads(event.raw)[mark.field]) for event in hec.journal.events)


def test_attack_traffic_and_a_filter_both_apply_to_given_records(hec):
    mark = attack_mark("http_requests")
    given = []
    for number, (at, record) in enumerate(timed_records("http_requests", count=400, rate=100)):
        if number % 4 == 0:
            record = {**record, "SecuritySources": [*record["SecuritySources"], "l7ddos"]}
        given.append((at, record))
    job = {"filter_attack_traffic": True, "filter": where(leaf("ClientRequestMethod", "!eq", "PURGE"))}
    sim = LogpushSimulator({"destination_conf": conf(hec), **job}, records=given, clock=VirtualClock(), cafile=hec.ca_path, any_port=True)
    metrics = sim.run_sync().metrics

    kept = {r["RayID"] for _, r in given if not mark.test(r[mark.field]) and r["ClientRequestMethod"] != "PURGE"}
    assert len(kept) <= 300
    assert {json.loads(event.raw)["RayID"] for event in hec.journal.events} == kept
    assert accounted(metrics) == 400 and metrics.records_filtered_out == 400 - len(kept)


def test_without_the_option_attack_traffic_is_pushed(hec):
    metrics = simulator(hec, {"dataset": "network_analytics_logs"}, count=300, rate=100).run_sync().metrics
    assert (metrics.records_filtered_out, metrics.records_uploaded) == (0, 300)


def test_a_new_filter_takes_effect_after_the_propagation_delay(hec):
    sim = simulator(hec, count=600, rate=1, propagation_delay=120)
    sim.schedule(100, lambda: sim.update(filter=where(leaf("EdgeResponseStatus", "eq", 999))))
    metrics = sim.run_sync().metrics

    # Records up to 100 s + 120 s went out; everything after was filtered.
    assert 200 <= metrics.records_uploaded <= 240
    assert metrics.records_uploaded + metrics.records_filtered_out == 600
