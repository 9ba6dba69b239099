"""Busy indexer: HEC answers 503 "Server is busy" (code 9) now and then; each refusal is retried.

When Splunk's indexing queues fill, HEC refuses requests with 503 and code 9 until they drain. A
503 is worth retrying, and Logpush does: here about a third of the requests are refused, each
refusal costs exactly one retry, and every record still arrives once. Nothing counts as lost.
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, expect

scenario = Scenario(
    "busy-indexer",
    "HEC answers 503/9 to about a third of the requests; every refusal is retried and nothing is lost.",
    hec=HEC(faults=["error:9 probability=0.3 seed=4 name=busy"]),
    records=Records(count=3000, rate=10, logpull_options="fields=RayID,EdgeStartTimestamp,ClientIP&timestamps=rfc3339"),
    sender=Logpush(),
    expect=[
        expect.answers(at_least=1, status=503, code=9),
        expect.retries_match_answers(503),
        expect.delivered("all"),
        expect.duplicated(0),
        expect.batches_dropped(0),
        expect.records_uploaded("all"),
    ],
)
