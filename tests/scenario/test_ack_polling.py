"""The ack-polling sender against the single-node fake: acks read true, a time-out resends (a duplicate the
journal counts), attempts run out, and what it believed is reported beside what arrived."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hecharness.scenario import HEC, AckPolling, Logpush, Records, Scenario, add_fault, at, expect, run_scenario
from hecharness.scenario import ack_polling
from hecharness.scenario.result import ScenarioResult
from hecharness.scenario.svg import render_svg
from hecharness.tls import CertificateFiles

# One logical second per 50 ms: a poll interval of 1 s and an ack time-out of 3 s stay well apart in wall time too.
FAST = {"poll_interval": 1.0, "ack_timeout": 3.0, "time_scale": 20.0}


def _run(
    hec: HEC, sender: AckPolling, expectations: list, certs: CertificateFiles, out_dir: Path, count: int = 200, timeline: list | None = None
) -> ScenarioResult:
    scenario = Scenario(
        "ack-polling", "The ack-polling sender.", hec=hec, records=Records(count=count, rate=200), sender=sender, expect=expectations, timeline=timeline or []
    )
    return run_scenario(scenario, out_dir, certs.directory)


def _holds(result: ScenarioResult) -> None:
    assert result.error is None, result.error
    assert result.passed, "\n".join(map(str, result.verdicts))


def test_every_batch_is_acked_once_its_ack_reads_true(scenario_certs, out_dir) -> None:
    result = _run(
        HEC(ack=True, settings={"ack_delay": 1.5}),
        AckPolling(batch=50, **FAST),
        [
            expect.delivered("all"),
            expect.duplicated(0),
            expect.acks_issued(4),
            expect.ack_polls(at_least=1),
            expect.believed("acked", "all"),
            expect.believed("resent", 0),
            expect.believed("given-up", 0),
        ],
        scenario_certs,
        out_dir,
    )
    _holds(result)
    believed = result.details["believed"]
    assert [(p["batch"], p["attempt"], p["outcome"], p["answer"]) for p in believed["posts"]] == [(b, 1, "acked", "200") for b in range(4)]
    assert sorted(p["ack_id"] for p in believed["posts"]) == [0, 1, 2, 3]
    assert believed["polls"] >= 1 and believed["polls_failed"] == 0


def test_an_ack_that_never_reads_true_times_out_and_the_resent_batch_arrives_twice(scenario_certs, out_dir) -> None:
    result = _run(
        HEC(ack=True, faults=["ack:never first=1 path=raw"]),
        AckPolling(batch=50, **FAST),
        [
            expect.delivered("all"),
            expect.duplicated(50),  # the first batch: indexed, never acked, sent again
            expect.missing(0),
            expect.believed("ack-timeouts", 50),
            expect.believed("resent", 50),
            expect.believed("acked", "all"),
        ],
        scenario_certs,
        out_dir,
    )
    _holds(result)
    first = [p for p in result.details["believed"]["posts"] if p["batch"] == 0]
    assert [(p["attempt"], p["outcome"]) for p in first] == [(1, "ack-timeout"), (2, "acked")]
    assert first[0]["polls"] == 3  # ack_timeout / poll_interval polls, however slow each answer was


def test_a_batch_whose_acks_never_come_is_given_up_after_its_attempts(scenario_certs, out_dir) -> None:
    result = _run(
        HEC(ack=True, faults=["ack:never"]),
        AckPolling(batch=100, attempts=2, **FAST),
        [
            expect.believed("given-up", "all"),
            expect.believed("delivered", 0),
            expect.believed("ack-timeouts", 400),  # two batches, two posts each
            expect.delivered("all"),
            expect.duplicated("all"),  # HEC indexed every post: the sender believed none of them
        ],
        scenario_certs,
        out_dir,
    )
    _holds(result)


def test_a_token_without_acknowledgement_is_delivery_on_the_200_and_nothing_is_polled(scenario_certs, out_dir) -> None:
    result = _run(
        HEC(ack=False),
        AckPolling(batch=50, **FAST),
        [expect.believed("accepted", "all"), expect.believed("acked", 0), expect.ack_polls(0), expect.delivered("all"), expect.duplicated(0)],
        scenario_certs,
        out_dir,
    )
    _holds(result)
    assert result.details["believed"]["polls"] == 0


def test_a_busy_answer_is_retried_after_a_pause_and_a_bad_request_is_given_up(scenario_certs, out_dir) -> None:
    busy = _run(
        HEC(ack=True, faults=["error:9 first=1"]),
        AckPolling(batch=100, **FAST),
        [expect.answers(1, status=503, code=9), expect.believed("acked", "all"), expect.believed("resent", 100), expect.duplicated(0)],
        scenario_certs,
        out_dir,
    )
    _holds(busy)
    assert [p["outcome"] for p in busy.details["believed"]["posts"] if p["batch"] == 0] == ["refused", "acked"]
    refused = _run(
        HEC(ack=True, faults=["error:6 path=raw"]),
        AckPolling(batch=100, **FAST),
        [expect.believed("given-up", "all"), expect.believed("resent", 0), expect.answers(2, status=400, code=6)],
        scenario_certs,
        out_dir,
    )
    _holds(refused)


def test_the_timeline_acts_while_it_sends(scenario_certs, out_dir) -> None:
    result = _run(
        HEC(ack=True),
        AckPolling(batch=50, **FAST),
        [expect.believed("ack-timeouts", at_least=50), expect.duplicated(at_least=50), expect.missing(0)],
        scenario_certs,
        out_dir,
        count=400,
        timeline=[at(0.5, add_fault("ack:never first=1 path=raw"))],
    )
    _holds(result)
    mistyped = _run(
        HEC(ack=True), AckPolling(batch=50, **FAST), [expect.delivered("all")], scenario_certs, out_dir, timeline=[at(0.2, add_fault("ack:never", hec="nope"))]
    )
    assert mistyped.error is not None and "no HEC named 'nope'" in mistyped.error


def test_a_poller_that_raises_ends_the_run_as_an_error_naming_why(scenario_certs, out_dir, monkeypatch) -> None:
    async def broken(self, ack_ids: list[int]) -> dict:
        raise RuntimeError("the poller broke")

    monkeypatch.setattr(ack_polling._Push, "_ask", broken)
    result = _run(HEC(ack=True), AckPolling(batch=50, **FAST), [expect.delivered("all")], scenario_certs, out_dir)
    assert result.headline == "error: RuntimeError: the poller broke"  # not a hang, nor the task group around it


def test_believed_is_nothing_to_judge_for_a_sender_that_keeps_no_account(scenario_certs, out_dir) -> None:
    scenario = Scenario("no-belief", "Logpush keeps no such account.", records=Records(count=10, rate=10), sender=Logpush(), expect=[expect.believed("acked", 0)])
    result = run_scenario(scenario, out_dir, scenario_certs.directory)
    assert not result.passed and "keeps no account of what it believed" in result.verdicts[0].observed


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batch": 0}, "batch must be a whole number >= 1"),
        ({"attempts": True}, "attempts must be a whole number >= 1"),
        ({"poll_interval": 0}, "poll_interval must be a number above 0"),
        ({"time_scale": "fast"}, "time_scale must be a number above 0"),
        ({"ack_timeout": 5, "poll_interval": 10}, r"ack_timeout \(5 s\) must allow one poll \(10 s\)"),
    ],
)
def test_bad_options_are_refused_when_the_scenario_is_written(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AckPolling(**options)


def test_believed_names_what_it_counts() -> None:
    with pytest.raises(ValueError, match="what must be one of delivered, acked, accepted, resent, ack-timeouts, given-up; got 'ackd'"):
        expect.believed("ackd", 0)


def test_the_wait_for_an_ack_is_counted_in_polls() -> None:
    assert AckPolling().polls == 30  # Vector's retry_limit at its query_interval
    assert AckPolling(poll_interval=1, ack_timeout=2.5).polls == 3


def _posted_to(result: ScenarioResult) -> set[str]:
    """The indexers the timeline names for the posts."""
    return {mark.label.split(", indexer ")[1].split(",")[0] for mark in result.timeline.marks if "/raw" in mark.label and ", indexer " in mark.label}


def test_behind_round_robin_ids_collide_across_indexers_and_displaced_batches_are_resent(scenario_certs, out_dir) -> None:
    result = _run(
        HEC(ack=True, indexers=3, balancer="round-robin", settings={"ack_delay": 1.5}),
        AckPolling(batch=50, concurrency=3, **FAST),
        [expect.believed("ack-timeouts", at_least=50), expect.duplicated(at_least=50), expect.missing(0)],
        scenario_certs,
        out_dir,
        count=400,
    )
    _holds(result)
    assert _posted_to(result) == {"1", "2", "3"}
    issued = [p["ack_id"] for p in result.details["believed"]["posts"]]
    assert len(issued) > len(set(issued))  # the same id from several indexers


@pytest.mark.parametrize("cookies", [True, False])
def test_the_cookie_jar_keeps_every_request_on_the_indexer_a_sticky_balancer_chose(cookies: bool, scenario_certs, out_dir) -> None:
    result = _run(
        HEC(ack=True, indexers=3, balancer="cookie", cookie_name="AWSALB"),
        AckPolling(batch=50, concurrency=3, cookies=cookies, **FAST),
        [expect.delivered("all")],
        scenario_certs,
        out_dir,
        count=400,
    )
    _holds(result)
    assert (len(_posted_to(result)) == 1) is cookies  # without the cookie, the fallback spreads the posts


def test_the_timeline_draws_what_the_sender_believed_a_lane_per_batch_above_the_requests(scenario_certs, out_dir) -> None:
    result = _run(HEC(ack=True, faults=["ack:never first=1 path=raw"]), AckPolling(batch=100, **FAST), [expect.delivered("all")], scenario_certs, out_dir)
    _holds(result)
    timeline = result.timeline
    assert timeline.lanes == ("batch 0", "batch 1", "requests")
    first = [mark for mark in timeline.marks if mark.lane == "batch 0"]
    assert [mark.outcome for mark in first] == ["retry", "delivered"]
    assert re.fullmatch(r"batch 0, post 1 at [\d.]+ s: ack-timeout \(200, ackId 0 after 3 polls\), 100 records", first[0].label)
    assert "ack-timeout" in render_svg(timeline, result.name, result.story)
