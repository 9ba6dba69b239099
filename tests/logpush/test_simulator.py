"""The Logpush job simulator against the fake HEC, on a virtual clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from hecharness.clock import RealClock, VirtualClock
from hecharness.destination import Destination
from hecharness.generate import timed_records
from hecharness.hec import FakeHEC, Token
from hecharness.logpush import LogpushSimulator, ValidationRefused, create_job, get_policy

CHANNEL = "11111111-2222-4333-8444-555555555555"
run = asyncio.run


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tmp_path_factory.mktemp("certs")


@pytest.fixture(scope="module")
def hec_server(certs) -> Iterator[FakeHEC]:
    with FakeHEC([Token("tok", name="logpush")], tls=["valid", "mismatched-name"], certs_dir=certs) as hec:
        yield hec


@pytest.fixture
def hec(hec_server: FakeHEC) -> FakeHEC:
    hec_server.reset()
    return hec_server


def conf(hec: FakeHEC, mode: str = "valid", token: str = "tok", insecure_skip_verify: bool = False) -> str:
    port = int(hec.urls[mode].rsplit(":", 1)[1])
    destination = Destination.for_hec("localhost", port, token=token, channel=CHANNEL, insecure_skip_verify=insecure_skip_verify)
    return destination.canonical(show_token=True)


def simulator(hec: FakeHEC, job: dict | None = None, **options) -> LogpushSimulator:
    options.setdefault("clock", VirtualClock())
    options.setdefault("cafile", hec.ca_path)
    return LogpushSimulator({"destination_conf": conf(hec), **(job or {})}, any_port=True, **options)


def sent(sim: LogpushSimulator, count: int, rate: float, seed: int = 0):
    return [record for _, record in timed_records("http_requests", seed=seed, count=count, start=sim._started_at, rate=rate)]


def test_healthy_destination_gets_everything_once(hec):
    sim = simulator(hec, {"max_upload_records": 1000}, count=3500, rate=500)
    report = sim.run_sync()
    metrics = report.metrics
    assert (metrics.records_generated, metrics.records_uploaded, metrics.records_pending) == (3500, 3500, 0)
    assert (metrics.batches, metrics.uploads, metrics.retries) == (4, 4, 0)
    delivery = hec.journal.delivery(sent(sim, 3500, 500), key="RayID")
    assert delivery.complete, delivery.summary()
    assert [a.records for a in report.attempts] == [1000, 1000, 1000, 500]
    assert report.job.last_error is None and report.job.last_complete is not None


def test_batches_close_at_the_interval(hec):
    sim = simulator(hec, count=100, rate=2)  # 50 s of records, default 30 s interval and 100k records
    report = sim.run_sync()
    first, second = report.attempts
    assert first.time - report.started_at == pytest.approx(30.0)
    assert (first.records, second.records) == (60, 40)


def test_each_upload_is_gzipped_ndjson_with_channel_sourcetype_and_token(hec):
    simulator(hec, count=10, rate=10).run_sync()
    record = hec.journal.requests()[-1]
    assert record.headers["content-encoding"] == "gzip"
    assert record.headers["authorization"] == "Splunk ***"  # short tokens are masked whole
    assert record.headers["user-agent"] == "Go-http-client/1.1"  # Go's, on HTTP/1.1: splunkd offers no h2
    assert record.query == f"channel={CHANNEL}&sourcetype=cloudflare:json"
    assert record.bytes_decoded > record.bytes_in
    assert {e.sourcetype for e in hec.journal.events} == {"cloudflare:json"}
    assert all(json.loads(e.raw)["RayID"] for e in hec.journal.events)


def test_faq_policy_tries_five_times_over_five_minutes_then_drops(hec):
    hec.faults.add("error:9")
    report = simulator(hec, count=50, rate=10).run_sync()
    offsets = [round(a.time - report.attempts[0].time) for a in report.attempts]
    assert offsets == [0, 20, 60, 140, 300]
    assert [a.outcome for a in report.attempts] == ["retry"] * 4 + ["dropped"]
    metrics = report.metrics
    assert (metrics.records_dropped, metrics.batches_dropped, metrics.records_uploaded) == (50, 1, 0)
    assert metrics.outcomes == {"503": 5}
    assert report.job.error_message.startswith("HTTP 503")
    assert len(hec.journal.requests(code=9)) == 5


def test_a_brief_outage_loses_nothing(hec):
    hec.faults.add("error:8 first=2")
    sim = simulator(hec, count=200, rate=10)
    report = sim.run_sync()
    assert (report.metrics.records_uploaded, report.metrics.retries) == (200, 2)
    assert hec.journal.delivery(sent(sim, 200, 10), key="RayID").complete
    assert report.job.last_error is None and report.job.error_message is None  # cleared by the success


def test_other_4xx_answers_are_final(hec):
    hec.tokens.update("logpush", enabled=False)
    report = simulator(hec, count=10, rate=10).run_sync()
    assert [(a.outcome, a.status, a.code) for a in report.attempts] == [("dropped", 403, 1)]
    assert report.metrics.records_dropped == 10


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("reset", "connection: [Errno 104] Connection reset by peer"),
        ("close", "connection: Server disconnected without sending a response."),
        ("status:502", "HTTP 502"),
        ("error:26", 'HTTP 429: {"text":"HEC queue at capacity","code":26}'),
    ],
)
def test_transport_failures_and_5xx_429_are_retried(hec, fault, error):
    hec.faults.add(f"{fault} first=1")
    report = simulator(hec, count=10, rate=10).run_sync()
    assert [a.outcome for a in report.attempts] == ["retry", "delivered"]
    assert report.attempts[0].error == error


def test_timeouts_are_retried():
    clock = VirtualClock()
    with FakeHEC([Token("tok", name="logpush")], tls="valid", clock=clock) as hec:
        hec.faults.add("hang:600 first=1")
        sim = LogpushSimulator(
            {"destination_conf": conf(hec)}, count=5, rate=10, clock=clock, cafile=hec.ca_path, any_port=True, upload_wall_timeout=0.5
        )
        report = sim.run_sync()
    assert [a.outcome for a in report.attempts] == ["retry", "delivered"]
    assert report.attempts[0].error.startswith("timeout")


def test_an_answer_that_trickles_past_the_deadline_is_a_timeout_and_its_retry_a_duplicate():
    # The HEC indexes the batch, then sends its answer a byte at a time: every read is quick, the
    # whole answer is not. The deadline covers the whole upload (as Go's Client.Timeout does), so
    # the sender gives up and retries, and the HEC indexes the same records a second time.
    clock = VirtualClock()
    with FakeHEC([Token("tok", name="logpush")], tls="valid", clock=clock) as hec:
        hec.faults.add("slow-body:3 first=1")
        sim = LogpushSimulator(
            {"destination_conf": conf(hec)}, count=5, rate=10, clock=clock, cafile=hec.ca_path, any_port=True,
            upload_wall_timeout=0.5,
        )
        report = sim.run_sync()
        arrived = [e for e in hec.journal.events if "RayID" in (e.raw or "")]
    assert [a.outcome for a in report.attempts] == ["retry", "delivered"]
    assert report.attempts[0].error == "timeout: no complete answer in time"
    assert len(arrived) == 10 and report.metrics.records_uploaded == 5


@pytest.mark.parametrize(
    ("fault", "wall_timeout", "outcomes"),
    [("delay:10", None, ["delivered"]), ("delay:45", 0.5, ["retry", "delivered"])],
)
def test_a_fake_hec_on_the_shared_virtual_clock_is_slow_in_logical_time(fault, wall_timeout, outcomes):
    # Its waits pass as the simulator moves the clock, up to the 30 s deadline and never onto it:
    # 10 s is an answer in time; 45 s runs into the deadline in real time (here half a second).
    clock = VirtualClock()
    with FakeHEC([Token("tok", name="logpush")], tls="valid", clock=clock) as hec:
        hec.faults.add(f"{fault} first=1")
        sim = LogpushSimulator(
            {"destination_conf": conf(hec)}, count=5, rate=10, clock=clock, destination_clock=hec.clock,
            cafile=hec.ca_path, any_port=True, upload_wall_timeout=wall_timeout,
        )
        report = sim.run_sync()
    assert [a.outcome for a in report.attempts] == outcomes
    assert report.metrics.records_uploaded == 5


def test_untrusted_certificate_is_a_tls_error(hec):
    report = simulator(hec, count=5, rate=10, cafile=None).run_sync()
    assert report.attempts[0].error.startswith("tls: certificate verify failed: unable to get local issuer certificate")
    assert report.metrics.outcomes == {"tls": 5}


def test_insecure_skip_verify_gets_through(hec):
    sim = LogpushSimulator(
        {"destination_conf": conf(hec, insecure_skip_verify=True)}, count=5, rate=10, clock=VirtualClock(), any_port=True
    )
    assert sim.run_sync().metrics.records_uploaded == 5


def test_prolonged_errors_disable_the_job_and_reenabling_does_not_backfill(hec):
    hec.faults.add("error:9")
    policy = get_policy("faq", disable_after=600)
    sim = simulator(hec, {"max_upload_records": 1000}, count=3000, rate=1, policy=policy)  # 50 minutes of records
    sim.schedule(1800, hec.faults.clear)
    sim.schedule(2400, sim.enable)
    report = sim.run_sync()
    kinds = [(e.kind, round(e.time - report.started_at)) for e in report.events]
    assert kinds[0][0] == "disabled" and 600 <= kinds[0][1] < 900
    assert kinds[1] == ("enabled", 2400)
    metrics = report.metrics
    assert metrics.records_lost_disabled > 0 and metrics.records_uploaded > 0
    assert metrics.records_generated == 3000
    assert metrics.records_uploaded + metrics.records_dropped + metrics.records_lost_disabled == 3000
    # Only records that became available after re-enabling arrived: the gap stays lost.
    delivered = {json.loads(e.raw)["RayID"] for e in hec.journal.events}
    after = [r["RayID"] for t, r in timed_records("http_requests", count=3000, start=report.started_at, rate=1) if t >= report.started_at + 2400]
    assert delivered == set(after)


def test_a_disabled_job_produces_nothing(hec):
    sim = LogpushSimulator({"destination_conf": conf(hec), "enabled": False}, count=100, rate=10, clock=VirtualClock(), cafile=hec.ca_path, any_port=True)
    report = sim.run_sync()
    assert (report.metrics.records_lost_disabled, report.metrics.uploads) == (100, 0)
    assert hec.journal.counters.requests == 0


def test_retention_policy_retries_for_hours_then_drops():
    policy = get_policy("retention")
    schedule = policy.schedule()
    assert schedule[-1] <= 3 * 3600 < schedule[-1] + policy.max_retry_after
    assert len(schedule) > 5


def test_retention_policy_disables_after_a_day_without_success(hec):
    hec.faults.add("error:9")
    sim = simulator(hec, count=60, rate=1 / 1800, policy="retention")  # a record every 30 minutes, for 30 hours
    report = sim.run_sync()
    disabled = [e for e in report.events if e.kind == "disabled"]
    assert disabled and 24 * 3600 <= disabled[0].time - report.attempts[0].time < 25 * 3600
    assert report.metrics.records_uploaded == 0


def test_switching_destination_takes_effect_after_the_delay(hec, certs):
    with FakeHEC([Token("tok", name="logpush")], tls="valid", certs_dir=certs) as new:  # same CA
        sim = simulator(hec, count=1200, rate=1, propagation_delay=600)
        sim.schedule(100, lambda: sim.update(destination_conf=conf(new)))
        report = sim.run_sync()
        applied = [e for e in report.events if e.kind == "change-applied"][0]
        assert round(applied.time - report.started_at) == 700
        old_times = [a.time for a in report.attempts if f":{hec.listeners[0].port}/" in a.destination]
        new_times = [a.time for a in report.attempts if f":{new.listeners[0].port}/" in a.destination]
        assert old_times and new_times and max(old_times) <= applied.time <= min(new_times)
        records = sent(sim, 1200, 1)
        old_part = hec.journal.delivery(records, key="RayID")
        new_part = new.journal.delivery(records, key="RayID")
        assert old_part.delivered + new_part.delivered == 1200
        assert not old_part.duplicated and not new_part.duplicated
        assert new_part.unexpected_keys == [None]  # the validation probe, {"content":"tests"}


def test_new_fields_show_up_after_the_delay(hec):
    sim = simulator(hec, {"logpull_options": "fields=RayID,EdgeStartTimestamp"}, count=300, rate=1, propagation_delay=120)

    async def add_field():
        await sim.update(logpull_options="fields=RayID,EdgeStartTimestamp,ClientIP")

    sim.schedule(60, add_field)  # an action may be a coroutine function
    sim.run_sync()
    shapes = [sorted(json.loads(e.raw)) for e in hec.journal.events]
    assert shapes[0] == ["EdgeStartTimestamp", "RayID"]
    assert shapes[-1] == ["ClientIP", "EdgeStartTimestamp", "RayID"]
    first_new = shapes.index(["ClientIP", "EdgeStartTimestamp", "RayID"])
    assert all(shape == ["ClientIP", "EdgeStartTimestamp", "RayID"] for shape in shapes[first_new:])
    assert first_new >= 150  # nothing new before 60 s + 120 s at one record per second, less the batch in hand


def test_partial_acceptance_is_retried_whole_and_duplicates_the_prefix(hec):
    hec.faults.add("partial:40 first=1")
    sim = simulator(hec, count=100, rate=10)
    report = sim.run_sync()
    assert [a.outcome for a in report.attempts] == ["retry", "delivered"]
    delivery = hec.journal.delivery(sent(sim, 100, 10), key="RayID")
    assert (delivery.delivered, delivery.duplicated, delivery.missing) == (100, 40, 0)
    assert report.metrics.records_uploaded == 100  # the simulator counts the batch once


def test_sampling_counts_what_was_left_out(hec):
    report = simulator(hec, {"output_options": {"sample_rate": 0.25}}, count=400, rate=100).run_sync()
    metrics = report.metrics
    assert 50 < metrics.records_uploaded < 150
    assert metrics.records_uploaded + metrics.records_sampled_out == 400
    assert hec.journal.event_count == metrics.records_uploaded


def test_report_exports_the_timeline_as_json(hec):
    hec.faults.add("error:9 first=1")
    report = simulator(hec, count=10, rate=10).run_sync()
    data = json.loads(json.dumps(report.to_dict()))
    assert [a["outcome"] for a in data["attempts"]] == ["retry", "delivered"]
    assert data["attempts"][0]["status"] == 503 and data["attempts"][0]["code"] == 9
    assert "Splunk%20***" in data["job"]["destination_conf"] and "tok" not in data["job"]["destination_conf"].split("Authorization=")[1]
    assert data["metrics"]["bytes_compressed"] > 0 and data["metrics"]["outcomes"] == {"200": 1, "503": 1}


def test_runs_on_a_scaled_real_clock(hec):
    sim = simulator(hec, count=20, rate=1, clock=RealClock(scale=400))
    report = sim.run_sync()
    assert report.metrics.records_uploaded == 20
    assert report.ended_at - report.started_at >= 30  # logical seconds: the last batch closed at the interval


def test_endless_stream_needs_a_limit(hec):
    with pytest.raises(ValueError, match="needs run"):
        simulator(hec, count=None).run_sync()
    report = simulator(hec, count=None, rate=10).run_sync(until=65)
    assert report.metrics.records_uploaded == 600 and report.metrics.records_pending > 0


def test_validation_refuses_a_bad_destination(hec):
    body, job = run(create_job({"destination_conf": conf(hec, token="wrong")}, cafile=hec.ca_path, any_port=True))
    assert job is None and body["success"] is False
    message = body["errors"][0]["message"]
    assert message.startswith("error validating destination: HTTP 403") and '"code":4' in message


def test_validation_reports_the_tls_cause_in_the_faqs_words(hec):
    body, _ = run(create_job({"destination_conf": conf(hec, "mismatched-name")}, cafile=hec.ca_path, any_port=True))
    message = body["errors"][0]["message"]
    assert message.startswith("error validating destination: the certificate is valid for SplunkServerDefaultCert, not localhost")
    assert "Hostname mismatch, certificate is not valid for 'localhost'" in message


def test_validation_accepts_a_good_destination(hec):
    body, sim = run(create_job({"destination_conf": conf(hec), "dataset": "http_requests"}, cafile=hec.ca_path, any_port=True, clock=VirtualClock()))
    assert body["success"] is True and sim is not None
    probe = hec.journal.events[0]
    assert probe.raw == '{"content":"tests"}'


def test_a_refused_update_keeps_the_old_destination(hec):
    sim = simulator(hec, count=10, rate=10)
    with pytest.raises(ValidationRefused, match="error validating destination"):
        run(sim.update(destination_conf=conf(hec, token="wrong")))
    assert "wrong" not in sim.job.destination_conf


def test_bad_job_input_is_an_api_error():
    body, sim = run(create_job({"destination_conf": "splunk://h:8088/services/collector/event?channel=" + CHANNEL}))
    assert sim is None and body["success"] is False
    assert "/services/collector/raw" in body["errors"][0]["message"]


def test_plain_http_only_when_the_harness_allows_it():
    from hecharness.logpush import JobError

    with FakeHEC([Token("tok")], admin_port=None) as plain:
        destination = Destination.for_hec(plain.url, token="tok").canonical(show_token=True)
        with pytest.raises(JobError, match="scheme 'http' is not allowed"):
            LogpushSimulator(destination, count=5)
        report = LogpushSimulator(destination, count=5, rate=10, clock=VirtualClock(), allow_http=True).run_sync()
        assert report.metrics.records_uploaded == 5 and plain.journal.event_count == 5


def test_tracked_keys_say_which_records_met_which_fate(hec):
    hec.faults.add("error:4 first=1")  # a 403 is final: the first batch is dropped at once
    sim = simulator(hec, {"max_upload_records": 1000}, count=2500, rate=100, track_keys=True)
    report = sim.run_sync()
    keys = report.keys
    sent_keys = [r["RayID"] for r in sent(sim, 2500, 100)]
    assert keys["dropped"] == sent_keys[:1000]
    assert sorted(keys["uploaded"]) == sorted(sent_keys[1000:])
    assert keys["lost"] == []
    arrived = hec.journal.delivery([{"RayID": k} for k in keys["uploaded"]], key="RayID")
    assert arrived.complete, arrived.summary()
    assert report.to_dict()["keys"]["dropped"][:1] == sent_keys[:1]


def test_a_cancelled_run_ends_its_uploads_before_closing_their_client(hec, monkeypatch):
    # Ctrl-C cancels the run while batches are on the wire. Their uploads used to be left running
    # and then fail on the closed client ("Task exception was never retrieved" after push's exit).
    from hecharness.logpush.sender import Sender

    on_the_wire = asyncio.Event()

    async def never_answered(self, gzipped):
        on_the_wire.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(Sender, "upload", never_answered)
    sim = simulator(hec, {"max_upload_records": 1000}, count=3000, rate=1000)

    async def cancel_mid_upload():
        job = asyncio.ensure_future(sim.run())
        await on_the_wire.wait()
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        return [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]

    assert run(cancel_mid_upload()) == []
