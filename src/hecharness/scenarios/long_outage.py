"""Destination down for longer than about five minutes: retried about five times, then dropped and lost.

FAQ: "Logpush will retry around five times over five minutes. [...] If Cloudflare persistently
receives errors from your destination, and cannot keep up with incoming batches, Logpush will
eventually drop logs." The HEC resets every connection for ten minutes. Each batch of the first
five minutes gets its five attempts (at 0, 20, 60, 140 and 300 s) and is dropped; the sender counts
its records lost, and exactly those records are missing at the HEC. Later batches outlast the
outage and arrive. Ten minutes is not a "prolonged period": the job stays enabled.
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, expect

scenario = Scenario(
    "long-outage",
    "The HEC is down for 10 minutes; each early batch gets about 5 attempts over about 5 minutes, then is dropped.",
    hec=HEC(faults=["reset window=0..600 name=outage"]),
    records=Records(count=6000, rate=5),  # twenty minutes of records
    sender=Logpush(),
    expect=[
        expect.attempts_per_batch("dropped", count=(4, 6), spread=(240, 360)),
        expect.batches_dropped(at_least=1),
        expect.records_lost(at_least=1),
        expect.lost_matches_missing(),
        expect.delivered(at_least=1),  # what became available late enough got through
        expect.duplicated(0),
        expect.job(enabled=True),
    ],
)
