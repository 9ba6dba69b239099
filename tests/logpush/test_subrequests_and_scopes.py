"""Subrequest merging (a job with merge_subrequests sends Worker subrequests inside their parent's line) and job scopes."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from hecharness.clock import VirtualClock
from hecharness.destination import Destination
from hecharness.generate import timed_records
from hecharness.hec import FakeHEC, Token
from hecharness.logpush import JobError, LogpushJob, LogpushSimulator
from hecharness.logpush.subrequests import Merged, merge_subrequests

CHANNEL = "11111111-2222-4333-8444-555555555555"
SECOND = 1_000_000_000


@pytest.fixture(scope="module")
def hec_server(tmp_path_factory) -> Iterator[FakeHEC]:
    with FakeHEC([Token("tok")], tls=["valid"], certs_dir=tmp_path_factory.mktemp("certs")) as hec:
        yield hec


@pytest.fixture
def hec(hec_server: FakeHEC) -> FakeHEC:
    hec_server.reset()
    return hec_server


def conf(hec: FakeHEC) -> str:
    port = int(hec.urls["valid"].rsplit(":", 1)[1])
    return Destination.for_hec("localhost", port, token="tok", channel=CHANNEL).canonical(show_token=True)


def simulator(hec: FakeHEC, job: dict, **options) -> LogpushSimulator:
    return LogpushSimulator({"destination_conf": conf(hec), **job}, any_port=True, clock=VirtualClock(), cafile=hec.ca_path,
                            track_keys=True, **options)


def lines(hec: FakeHEC) -> list[dict]:
    return [orjson.loads(event.text) for event in hec.journal.events]


def request(ray: str, at: float, worker: str = "", parent: str | None = None, end: float | None = None) -> tuple[float, dict]:
    start = int(at * SECOND)
    record = {"RayID": ray, "ParentRayID": parent or "00", "WorkerSubrequest": parent is not None,
              "ClientRequestSource": "edgeWorkerFetch" if parent else "eyeball", "WorkerScriptName": worker,
              "EdgeStartTimestamp": start, "EdgeEndTimestamp": int((end if end is not None else at + 0.1) * SECOND)}
    return at, record


def merged(records, window=300.0, most=50):
    return list(merge_subrequests(iter(records), lambda r: r, lambda: True, window=window, most=most))


def test_subrequests_fold_into_their_parent_and_others_pass_through():
    records = [request("p", 0, "w"), request("s1", 1, parent="p"), request("v", 2), request("s2", 3, parent="p"),
               request("orphan", 4, parent="gone"), request("q", 5, "w")]
    out = merged(records)
    assert [(t, r["RayID"]) for t, r in out if type(r) is dict] == [(2, "v"), (4, "orphan"), (5, "q")]
    parents = [(t, m) for t, m in out if type(m) is Merged]
    # The records end before the window does: no subrequest is still to come, so parents go on then.
    assert [(t, m.parent["RayID"], [s["RayID"] for s in m.subrequests]) for t, m in parents] == [(5, "p", ["s1", "s2"])]
    # A parent without subrequests goes on as it was.
    assert out[-1] == (5, records[-1][1])
    # Within a longer stream, a parent waits out its window.
    later = merged([*records, request("z", 400)])
    assert [(t, type(r).__name__) for t, r in later][2:] == [(300, "Merged"), (305, "dict"), (400, "dict")]


def test_at_most_50_per_parent_and_only_within_five_minutes():
    records = [request("p", 0, "w"), *(request(f"s{n}", 1 + n / 100, parent="p") for n in range(55)),
               request("slow", 2, parent="p", end=301)]
    out = merged(records)
    parent = next(m for _, m in out if type(m) is Merged)
    assert [s["RayID"] for s in parent.subrequests] == [f"s{n}" for n in range(50)]
    assert [r["RayID"] for _, r in out if type(r) is dict] == ["s50", "s51", "s52", "s53", "s54", "slow"]


def test_availability_never_goes_back():
    records = [request("p", 0, "w"), request("a", 100), request("s", 150, parent="p"), request("b", 299.5), request("c", 300.5)]
    times = [t for t, _ in merged(records)]
    assert times == sorted(times) == [100, 299.5, 300, 300.5]


def test_turned_off_every_record_passes_at_once():
    records = [request("p", 0, "w"), request("s", 1, parent="p")]
    assert list(merge_subrequests(iter(records), lambda r: r, lambda: False)) == records


def test_turned_off_while_a_parent_waits_its_subrequests_go_as_lines_of_their_own():
    switch = [True]
    records = [request("p", 0, "w"), request("s", 1, parent="p"), request("v", 2)]
    out = []
    for t, item in merge_subrequests(iter(records), lambda r: r, lambda: switch[0]):
        out.append((t, item["RayID"]))
        switch[0] = False
    assert out == [(2, "v"), (2, "p"), (2, "s")]


def test_a_merging_job_sends_one_line_per_visitor_request(hec):
    fields = ["RayID", "ParentRayID", "WorkerSubrequest", "EdgeStartTimestamp", "Subrequests"]
    job = {"merge_subrequests": True, "output_options": {"field_names": fields, "timestamp_format": "rfc3339ms"}}
    sim = simulator(hec, job, count=6000, rate=200, seed=3)
    report = sim.run_sync()
    metrics = report.metrics
    got = lines(hec)
    nested = [sub for line in got for sub in line["Subrequests"]]
    assert nested and metrics.records_merged == len(nested)
    assert (metrics.records_generated, metrics.records_uploaded, metrics.records_pending) == (6000, 6000 - len(nested), 0)
    assert len(got) == metrics.records_uploaded
    rays = {line["RayID"] for line in got}
    for line in got:
        for sub in line["Subrequests"]:
            assert list(sub) == fields[:-1] and sub["ParentRayID"] == line["RayID"] and sub["WorkerSubrequest"] is True
            assert sub["EdgeStartTimestamp"].endswith("Z") and len(sub["EdgeStartTimestamp"]) == len("2023-11-14T22:13:20.000Z")
            assert sub["RayID"] not in rays
    sent = [record for _, record in timed_records("http_requests", seed=3, count=6000, start=report.started_at, rate=200)]
    delivery = hec.journal.delivery(sent, key="RayID", nested="Subrequests")
    assert delivery.complete and delivery.nested == len(nested), delivery.summary()
    assert sorted(report.keys["uploaded"]) == sorted(r["RayID"] for r in sent)


@pytest.mark.parametrize("job", [
    {},
    {"merge_subrequests": False},
    # Merging, but the job does not output Subrequests: it cannot show them, so it does not merge them.
    {"merge_subrequests": True, "output_options": {"field_names": ["RayID", "ParentRayID"]}},
])
def test_without_merging_subrequests_are_lines_of_their_own(hec, job):
    sim = simulator(hec, job, count=3000, rate=200, seed=3)
    report = sim.run_sync()
    got = lines(hec)
    assert report.metrics.records_merged == 0 and len(got) == 3000
    assert all("Subrequests" not in line for line in got)
    subrequests = [line for line in got if line["ParentRayID"] != "00"]
    assert subrequests and all(line["ParentRayID"] in {g["RayID"] for g in got} for line in subrequests)


def test_merge_subrequests_in_output_options_does_the_same(hec):
    job = {"output_options": {"merge_subrequests": True, "field_names": ["RayID", "Subrequests"]}}
    report = simulator(hec, job, count=3000, rate=200, seed=3).run_sync()
    assert report.metrics.records_merged == sum(len(line["Subrequests"]) for line in lines(hec)) > 0


def test_merging_given_records(hec):
    records = [request("p", 0, "w"), request("s", 1, parent="p"), request("v", 2)]
    sim = simulator(hec, {"merge_subrequests": True}, records=records)
    report = sim.run_sync()
    got = {line["RayID"]: line for line in lines(hec)}
    assert set(got) == {"p", "v"} and [s["RayID"] for s in got["p"]["Subrequests"]] == ["s"]
    # A given record that lacks the field is written with null there, as for any field it lacks.
    assert got["v"]["Subrequests"] is None and report.metrics.records_pending == 0
    assert sorted(report.keys["uploaded"]) == ["p", "s", "v"]


def test_merged_subrequests_share_their_parents_fate(hec):
    hec.faults.add("error:8")  # every batch is refused and dropped after its attempts
    records = [request("p", 0, "w"), request("s", 1, parent="p"), request("v", 2)]
    report = simulator(hec, {"merge_subrequests": True}, records=records).run_sync()
    metrics = report.metrics
    assert (metrics.records_generated, metrics.records_merged, metrics.records_dropped, metrics.records_pending) == (3, 1, 2, 0)
    assert sorted(report.keys["dropped"]) == ["p", "s", "v"] and report.keys["uploaded"] == []


CONF = "splunk://127.0.0.1:8088/services/collector/raw?channel=00000000-0000-0000-0000-000000000000&header_Authorization=Splunk%20t"


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"merge_subrequests": "yes"}, "merge_subrequests", "merge_subrequests must be true or false, got 'yes'"),
    ({"dataset": "dns_logs", "merge_subrequests": True}, "merge_subrequests",
     "merge_subrequests: only http_requests merges subrequests, not dns_logs"),
    ({"dataset": "firewall_events", "output_options": {"merge_subrequests": True}}, "output_options",
     "output_options: merge_subrequests: only http_requests merges subrequests, not firewall_events"),
    ({"output_options": {"merge_subrequests": 1}}, "output_options", "output_options: merge_subrequests: expected true or false, got 1"),
    ({"output_options": {"timestamp_format": "rfc3339nano"}}, "output_options",
     "output_options: timestamp_format: 'rfc3339nano' is not one of unixnano, unix, rfc3339, rfc3339ms, rfc3339ns"
     " (rfc3339nano is Logpull's spelling; Logpush's is rfc3339ns)"),
])
def test_job_bodies_are_checked(body, field, message):
    with pytest.raises(JobError) as caught:
        LogpushJob.from_api({"destination_conf": CONF, **body})
    assert (caught.value.field, str(caught.value)) == (field, message)


def test_the_job_shows_merge_subrequests_only_when_given():
    assert "merge_subrequests" not in LogpushJob.from_api({"destination_conf": CONF}).to_api()
    job = LogpushJob.from_api({"destination_conf": CONF, "merge_subrequests": True})
    assert job.to_api()["merge_subrequests"] is True and "merge_subrequests" not in job.to_api("ibm")
    assert LogpushJob.from_api(job.to_api()) == job


def test_an_account_job_pushes_firewall_events_of_every_zone_in_one_stream(hec):
    job = {"dataset": "firewall_events", "output_options": {"field_names": ["RayID", "ZoneName", "ClientRequestHost"]}}
    report = simulator(hec, job, scope="account", count=2000, rate=500).run_sync()
    got = lines(hec)
    assert report.job.scope == "account" and len(got) == 2000
    assert len({line["ZoneName"] for line in got}) == 3
    assert all(line["ClientRequestHost"].endswith(line["ZoneName"]) for line in got)
    hec.reset()
    simulator(hec, job, count=500, rate=500).run_sync()
    assert len({line["ZoneName"] for line in lines(hec)}) == 1


def test_scope_is_checked_against_the_dataset():
    with pytest.raises(JobError) as caught:
        LogpushJob.from_api({"destination_conf": CONF}, scope="account")
    assert (caught.value.field, str(caught.value)) == ("scope", "http_requests is pushed by zone jobs, not 'account'")
    job = LogpushJob.from_api({"destination_conf": CONF, "dataset": "firewall_events"}, scope="account")
    assert "scope" not in job.to_api() and job.update(enabled=True).scope == "account"
    assert LogpushJob.from_api({"destination_conf": CONF, "dataset": "network_analytics_logs"}).scope == "account"
