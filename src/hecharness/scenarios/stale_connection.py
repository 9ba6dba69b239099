"""A stale pooled connection: the sender reuses a kept-alive connection just as the HEC closes it.

splunkd closes a keep-alive connection that idles 12 s while it is busy (`busyKeepAliveIdleTimeout`)
and 7200 s otherwise. A sender whose pool keeps idle connections longer (Go's default is 90 s; the
OpenTelemetry exporter kept them 30 s until it lowered the default to 10 s for this reason) now and
then writes its next request on a connection splunkd is closing: the request gets no answer, and
the sender reports `EOF` or `connection reset by peer` (splunk-otel-collector #1453,
opentelemetry-collector-contrib #20543, splunk-connect-for-kubernetes #350).

The fault `close idle=0` makes that race happen on purpose: a request arriving on a connection that
already carried one (idle=0: after any idle time; idle=12 would take 12 real seconds) finds it
closed without an answer. Nothing of such a request was taken, so a sender that retries loses
nothing and duplicates nothing; one that does not retry a dropped connection loses the batch.

- `stale-connection`: Logpush retries the dropped uploads; every record arrives once.
- `stale-connection-no-retry`: a forwarder that tries each batch once loses the one that met the
  closed connection, and exits 1.
"""

import sys

from hecharness.scenario import HEC, Command, Logpush, Records, Scenario, expect

scenarios = [
    Scenario(
        "stale-connection",
        "Every third request on a reused connection finds it closed (EOF); Logpush retries and loses nothing.",
        hec=HEC(faults=["close idle=0 every=3 name=stale"]),
        records=Records(count=3000, rate=10),
        sender=Logpush(),
        expect=[
            expect.retries(at_least=1),
            expect.delivered("all"),
            expect.duplicated(0),
            expect.batches_dropped(0),
            expect.records_lost(0),
        ],
    ),
    Scenario(
        "stale-connection-no-retry",
        "A sender that never retries a dropped connection loses the batch that met the stale one.",
        hec=HEC(faults=["close idle=0 first=1 name=stale"]),
        records=Records(count=2000, rate=100),
        sender=Command(
            [sys.executable, "-m", "hecharness.scenario.example_sender", "--batch", "500", "--attempts", "1"], timeout=30
        ),
        expect=[
            expect.exit_code(1),
            expect.missing(500),  # the second batch: the first request on the reused connection
            expect.delivered(1500),
            expect.duplicated(0),
        ],
    ),
]
