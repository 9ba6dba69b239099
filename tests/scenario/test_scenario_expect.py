"""Expectations: each judged into expected-against-observed sentences, failing when they should."""

from __future__ import annotations

import httpx
import pytest

from hecharness.hec import FakeHEC, Token
from hecharness.hec.accounting import account
from hecharness.logpush import get_policy
from hecharness.scenario import HEC, Bound, Command, Logpush, Preflight, Records, Scenario, at, enable_job, expect, run_scenario, select
from hecharness.scenario.discovery import ScenarioNotFound


# -- bounds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bound", "shown", "inside", "outside"),
    [
        (Bound.parse(5), "5", 5, 6),
        (Bound.parse((4, 6)), "4..6", 4, 7),
        (Bound.parse((240, 360), unit="s"), "240..360 s", 300, 200),
        (Bound.parse(at_least=1), "at least 1", 1, 0),
        (Bound.parse(at_most=0), "at most 0", 0, 1),
        (Bound.parse(at_least=3, unit="x"), "at least 3x", 10.1, 2.9),
        (Bound.parse(1_000_000), "1,000,000", 1_000_000, 999_999),
    ],
)
def test_bounds_describe_and_hold(bound, shown, inside, outside):
    assert bound.describe() == shown
    assert bound.holds(inside) and not bound.holds(outside)


def test_all_stands_for_the_records_sent():
    bound = Bound.parse("all")
    assert bound.describe() == "all"
    resolved = bound.resolve(1200)
    assert resolved.describe() == "all (1,200)" and resolved.holds(1200) and not resolved.holds(1199)
    with pytest.raises(ValueError, match="resolve"):
        bound.holds(3)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [((), {}, "needs a value"), ((5,), {"at_least": 1}, "not both"), (((6, 4),), {}, "empty"), (("many",), {}, "a number"), (((1, 2, 3),), {}, "pair")],
)
def test_bad_bounds_are_refused(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Bound.parse(*args, **kwargs)


# -- a run where everything fails, judged by expectations that must say so ---------------------------


@pytest.fixture(scope="module")
def broken(tmp_path_factory, scenario_certs):
    """50 records against a HEC that answers 500 to everything: one batch, five attempts, dropped."""
    scenario = Scenario(
        "broken",
        "Everything fails.",
        hec=HEC(faults=["error:8"]),
        records=Records(count=50, rate=10),
        sender=Logpush(),
        expect=[
            expect.delivered("all"),
            expect.missing(0),
            expect.attempts_per_batch("dropped", count=3),
            expect.attempts_per_batch("dropped", count=(4, 6), spread=(240, 360)),
            expect.lost_matches_missing(),
            expect.records_lost(0),
            expect.error_message(None),
            expect.error_message("code\":8"),
            expect.last_error(set=False),
            expect.job(enabled=False),
            expect.no_backfill(),
            expect.exit_code(0),
            expect.preflight(ok=True),
            expect.retries_match_answers(500),
            expect.answers(5, status=500, code=8),
            expect.acks_issued(3),
            expect.ack_polls(0),
            expect.batch_limits(),
            expect.that("a custom check", lambda observed: (observed.report.metrics.uploads == 5, f"{observed.report.metrics.uploads} uploads"), "5 uploads"),
        ],
    )
    result = run_scenario(scenario, tmp_path_factory.mktemp("broken"), scenario_certs.directory)
    assert result.error is None, result.error
    return {f"{v.what} / {v.expected}": v for v in result.verdicts}


def test_delivery_failures_read_as_sentences(broken):
    assert broken["records delivered / all (50)"].message == "records delivered: expected all (50), observed 0 of 50"
    missing = broken["records missing / 0"]
    assert not missing.passed and missing.observed.startswith("50 (first: RayID=")


def test_attempts_report_their_times(broken):
    wrong = broken["attempts per dropped batch / 3"]
    assert not wrong.passed
    assert wrong.message == "attempts per dropped batch: expected 3, observed 5 at 0, 20, 60, 140, 300 s (batch 1; 1 of 1 dropped batch outside)"
    right = broken["attempts per dropped batch / 4..6 over 240..360 s"]
    assert right.passed and right.observed == "5 at 0, 20, 60, 140, 300 s"


def test_sender_counts_against_the_journal(broken):
    assert broken["records lost against missing at the HEC / the same number"].passed
    assert broken["records lost against missing at the HEC / the same number"].observed == "50 counted lost, 50 missing at the HEC"
    assert broken["records lost / 0"].observed == "50 (50 dropped after retries, 0 while disabled)" and not broken["records lost / 0"].passed
    # The fifth answer was not retried: the batch was given up. One retry per refusal does not hold.
    unretried = broken["retries against 500 answers / one per 500 answer"]
    assert not unretried.passed and unretried.observed == "4 retries for 5 500 answers"
    assert broken["500/8 answers / 5"].passed
    # This token has acknowledgement off: no answer carried an ackId, and nothing polled.
    assert broken["ackIds issued / 3"].message == "ackIds issued: expected 3, observed 0"
    assert broken["ack polls / 0"].passed


def test_job_state_expectations(broken):
    null = broken["error_message / null"]
    assert not null.passed and null.observed.startswith("'HTTP 500")
    assert broken["error_message / to contain 'code\":8'"].passed
    assert broken["last_error / null"].observed.endswith("Z") and not broken["last_error / null"].passed
    assert broken["job / disabled"].message == "job: expected disabled, observed enabled"


def test_what_a_run_cannot_show_fails_and_says_why(broken):
    assert broken["no backfill / none of the disabled period's records, new records after re-enabling"].observed == "nothing to judge: the job was never disabled"
    assert "the sender here is logpush" in broken["command exit code / 0"].observed
    assert "not the pre-flight check" in broken["pre-flight check / ok"].observed
    assert not any(v.passed for v in broken.values() if v.observed.startswith("nothing to judge"))


def test_the_escape_hatch(broken):
    custom = broken["a custom check / 5 uploads"]
    assert custom.passed and custom.message == "a custom check: expected 5 uploads, observed 5 uploads"


def test_batch_limits_name_the_batch_that_breaks_them(broken):
    # One batch of 50 records that closed 30 s after it opened: within the limits.
    assert broken["batch limits / each closed at 100,000 records or 30 s"].passed and broken["batch limits / each closed at 100,000 records or 30 s"].observed == "1 batches: 50 at 30 s"


def test_a_created_job_is_not_refused(tmp_path, scenario_certs):
    scenario = Scenario("created", "Created.", records=Records(count=10, rate=10), sender=Logpush(), expect=[expect.refused("anything"), expect.accepted()])
    refused, accepted = run_scenario(scenario, tmp_path, scenario_certs.directory).verdicts
    assert (refused.passed, refused.observed) == (False, "the job was created")
    assert accepted.passed


def test_snapshot_before_disable_and_backfill_after(tmp_path, scenario_certs):
    scenario = Scenario(
        "disabled-and-back",
        "Fails for ten minutes, which disables the job; enabled again against a healthy HEC.",
        hec=HEC(faults=["error:9 window=0..1000"]),
        records=Records(count=200, rate=0.1),  # 2,000 s of records
        sender=Logpush(policy=get_policy("faq", disable_after=600)),
        timeline=[at(1500, enable_job())],
        expect=[expect.job(enabled=True, at=100), expect.no_backfill(), expect.job(enabled=True)],
    )
    verdicts = run_scenario(scenario, tmp_path, scenario_certs.directory).verdicts
    assert all(v.passed for v in verdicts), "\n".join(map(str, verdicts))
    assert "records from the disabled period" in verdicts[1].observed and "made after re-enabling did" in verdicts[1].observed


# -- accounting across several HECs ------------------------------------------------------------------


def test_accounting_across_hecs_counts_a_record_sent_to_both_as_a_duplicate():
    records = [b'{"RayID":"a"}', b'{"RayID":"b"}', b'{"RayID":"c"}']
    with FakeHEC([Token("t")], admin_port=None) as one, FakeHEC([Token("t")], admin_port=None) as two:
        for hec, body in ((one, b'{"RayID":"a"}\n{"RayID":"b"}'), (two, b'{"RayID":"b"}\n{"RayID":"x"}')):
            httpx.post(hec.url + "/services/collector/raw", content=body, headers={"Authorization": "Splunk t"}).raise_for_status()
        report = account(records, [one.journal, two.journal], key="RayID")
        alone = account(records, [one.journal], key="RayID")
    assert (report.delivered, report.missing_keys, report.duplicated_keys, report.unexpected_keys) == (2, ["c"], {"b": 1}, ["x"])
    assert (report.missing, report.duplicated, report.unexpected) == (1, 1, 1)  # counts, as in the JSON form
    assert (alone.delivered, alone.missing_keys, alone.duplicated) == (2, ["c"], 0)


# -- definitions and discovery ------------------------------------------------------------------------


def test_definitions_refuse_mistakes_when_they_are_written():
    with pytest.raises(ValueError, match="lowercase"):
        Scenario("Not Good", "x", sender=Logpush(), expect=[expect.delivered("all")])
    with pytest.raises(ValueError):
        HEC(faults=["erorr:9"])
    with pytest.raises(ValueError, match="one TLS mode"):
        HEC(tls="valid,expired")
    with pytest.raises(ValueError, match="unknown setting 'helth'"):
        HEC(settings={"helth": "queues-full"})
    with pytest.raises(ValueError, match="health must be one of"):
        HEC(settings={"health": "sleepy"})
    with pytest.raises(ValueError, match="count"):
        Records(count=0)
    with pytest.raises(ValueError, match="timeline"):
        Scenario("p", "x", sender=Preflight(), expect=[expect.preflight()], timeline=[at(1, enable_job())])
    with pytest.raises(ValueError, match="command"):
        Command("")
    with pytest.raises(ValueError, match="which"):
        expect.attempts_per_batch("lost", count=1)


def test_select_by_name_file_stem_or_pattern():
    def make(name: str, source: str) -> Scenario:
        return Scenario(name, "x", sender=Logpush(), expect=[expect.delivered("all")], source=source)

    every = [make("validation-port", "s/validation.py"), make("validation-bad-token", "s/validation.py"), make("healthy", "s/healthy.py")]
    assert [s.name for s in select(every, [])] == ["validation-port", "validation-bad-token", "healthy"]
    assert [s.name for s in select(every, ["healthy"])] == ["healthy"]
    assert [s.name for s in select(every, ["validation"])] == ["validation-port", "validation-bad-token"]
    assert [s.name for s in select(every, ["*-port", "healthy"])] == ["validation-port", "healthy"]
    with pytest.raises(ScenarioNotFound, match="known: validation-port, validation-bad-token, healthy"):
        select(every, ["nope"])


def test_summary_is_the_first_sentence():
    scenario = Scenario("s", "First part. Second part.", sender=Logpush(), expect=[expect.delivered("all")])
    assert scenario.summary == "First part."
