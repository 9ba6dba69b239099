"""The `retention` policy on a virtual clock: retries bounded by the retention window, disabled 24 h after the last success."""

from __future__ import annotations

import pytest

from hecharness.clock import VirtualClock
from hecharness.generate import timed_records
from hecharness.logpush import DisableClock, LogpushSimulator, PolicyError, get_policy
from tests.logpush.test_simulator import certs, conf, hec, hec_server  # noqa: F401 (fixtures)

HOUR = 3600.0


def records_at(start: float, *hours: float):
    """One http_requests record at each of `hours` after `start`."""
    generated = [record for _, record in timed_records("http_requests", count=len(hours))]
    return [(start + hour * HOUR, record) for hour, record in zip(hours, generated)]


def run(hec, given, policy, actions=()):
    clock = VirtualClock()
    sim = LogpushSimulator(
        {"destination_conf": conf(hec)},
        records=[(clock.now() + at, record) for at, record in given],
        clock=clock,
        cafile=hec.ca_path,
        any_port=True,
        policy=policy,
    )
    for after, action in actions:
        sim.schedule(after, action)
    return sim.run_sync()


def disabled_at(report) -> list[float]:
    return [round((event.time - report.started_at) / HOUR, 2) for event in report.events if event.kind == "disabled"]


def test_retention_counts_24_hours_from_the_last_success_not_the_first_failure(hec):
    # A success at once, a quiet day, then a failing destination from hour 22 on.
    given = records_at(0.0, 0.0, *[22 + step / 2 for step in range(8)])
    actions = [(21 * HOUR, lambda: hec.faults.add("error:9"))]

    report = run(hec, given, "retention", actions)
    hec.faults.clear()
    faq_like = run(hec, given, get_policy("faq", disable_after=24 * HOUR), [(21 * HOUR, lambda: hec.faults.add("error:9"))])

    (when,) = disabled_at(report)
    assert 24.0 <= when < 24.2  # the first failure past 24 h since the success at 0:00:30
    assert report.attempts[0].outcome == "delivered" and report.metrics.records_uploaded == 1
    assert disabled_at(faq_like) == []  # counted from the first failure (hour 22), a day has not passed


def test_a_job_that_never_succeeds_is_disabled_a_day_after_it_was_enabled(hec):
    hec.faults.add("error:9")
    report = run(hec, records_at(0.0, *[2.0 * step for step in range(15)]), "retention")  # every 2 h for 30 h

    (when,) = disabled_at(report)
    assert 24.0 <= when < 24.1
    assert report.metrics.records_uploaded == 0
    assert report.metrics.records_dropped + report.metrics.records_lost_disabled == 15


def test_enabling_again_restarts_the_day(hec):
    hec.faults.add("error:9")
    given = records_at(0.0, *[2.0 * step for step in range(30)])  # every 2 h for 60 h
    clock = VirtualClock()
    sim = LogpushSimulator(
        {"destination_conf": conf(hec)}, records=[(clock.now() + at, r) for at, r in given], clock=clock,
        cafile=hec.ca_path, any_port=True, policy="retention",
    )
    sim.schedule(30 * HOUR, sim.enable)
    report = sim.run_sync()

    first, second = disabled_at(report)
    assert 24.0 <= first < 24.1
    assert 54.0 <= second < 54.1  # 24 h after the re-enable at hour 30, not at once


def test_retries_stop_at_the_retention_window_then_the_batch_is_dropped(hec):
    hec.faults.add("error:9")
    report = run(hec, records_at(0.0, 0.0), "retention")

    attempts = report.attempts
    ready = attempts[0].time
    assert len(attempts) > 5  # no fixed count
    assert [a.outcome for a in attempts][-1] == "dropped"
    assert attempts[-1].time - ready <= 3 * HOUR < attempts[-1].time - ready + get_policy("retention").max_retry_after
    assert report.metrics.records_dropped == 1 and disabled_at(report) == []


def test_the_faq_policy_stays_the_default_and_counts_from_the_first_failure():
    assert LogpushSimulator.__init__.__kwdefaults__["policy"] == "faq"
    faq = get_policy("faq")
    assert (faq.max_attempts, faq.disable_after, faq.disable_clock) == (5, HOUR, DisableClock.FIRST_FAILURE)
    assert get_policy("retention").disable_clock is DisableClock.LAST_SUCCESS


def test_disable_clock_is_checked_and_exported():
    assert get_policy("faq", disable_clock="last-success").disable_clock is DisableClock.LAST_SUCCESS
    assert get_policy("retention").to_dict()["disable_clock"] == "last-success"
    with pytest.raises(PolicyError, match="disable_clock must be one of first-failure, last-success"):
        get_policy("faq", disable_clock="whenever")
