"""Partial acceptance: HEC indexes the first 40 records of a batch and refuses the rest.

A HEC that fills up halfway through a request indexes what came before and answers 503 with
`invalid-event-number` (here: 40). Logpush does not read that number: it retries the whole batch,
so the 40 records HEC already took arrive a second time. The sender counts the batch uploaded
once; only the HEC's journal shows the duplicates. A receiver that must not double-count needs to
deduplicate (RayID is unique per request).
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, expect

scenario = Scenario(
    "partial-acceptance",
    "HEC accepts the first 40 records of a batch, then 503; the whole batch is retried, so those 40 arrive twice.",
    hec=HEC(faults=["partial:40 first=1 name=half-full"]),
    records=Records(count=100, rate=10),
    sender=Logpush(),
    expect=[
        expect.answers(1, status=503, code=9),
        expect.attempts_per_batch("retried", count=2),
        expect.delivered("all"),
        expect.missing(0),
        expect.duplicated(40),
        expect.records_uploaded("all"),  # the sender counts each record once
        expect.batches_dropped(0),
    ],
)
