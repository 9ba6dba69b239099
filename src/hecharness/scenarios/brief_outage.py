"""Destination down briefly: shorter than the retry budget, so retries deliver everything.

FAQ: "If your destination is temporarily unavailable, Logpush will retry around five times over
five minutes." Here the HEC resets every connection for the first two minutes of the push (a
Splunk restarting). Batches that fail are retried at 20, 60 and 140 s and get through once the HEC
is back, well inside their five attempts: nothing is lost, nothing arrives twice, and the job's
error_message, set while it failed, is cleared by the first success.
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, expect

scenario = Scenario(
    "brief-outage",
    "The HEC is down for the first 2 minutes; Logpush retries and loses nothing.",
    hec=HEC(faults=["reset window=0..120 name=outage"]),
    records=Records(count=2400, rate=10),  # four minutes of records, a batch every 30 s
    sender=Logpush(),
    expect=[
        expect.delivered("all"),
        expect.duplicated(0),
        expect.attempts_per_batch("retried", count=(2, 5), spread=(20, 140)),
        expect.retries(at_least=1),
        expect.batches_dropped(0),
        expect.records_lost(0),
        expect.error_message("", at=100),  # failing while the HEC is down: a message, and when
        expect.last_error(set=True, at=100),
        expect.error_message(None),  # cleared once a push succeeds
        expect.last_error(set=False),
        expect.job(enabled=True),
    ],
)
