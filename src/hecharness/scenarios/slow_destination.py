"""Slow destination: an upload that outlasts Logpush's wait is abandoned and retried.

An overloaded indexer or a proxy queueing requests makes HEC slow to answer. Logpush gives each
upload a deadline (30 s in the faq policy) and retries one that misses it like any failure. What
the retry does to the data depends on when the HEC was slow:

- slow before reading the request (`delay`): the sender hangs up before HEC took anything, so the
  retry carries the only copy. Everything arrives once.
- slow after indexing it (`slow-body`: the events are in, the answer trickles out): the sender
  gives up on a request HEC has already indexed, and the retry indexes the same records again.
  Every record arrives, some twice: at-least-once delivery, which is why searches over Logpush data
  deduplicate by RayID.

These run on a real clock 30 times faster than life. The fake HEC runs on that clock too, so its
45 s are measured in the same logical time as the 30 s deadline (on a virtual clock nothing would
move time while an upload waits for its answer).
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, expect



def slow(name: str, story: str, fault: str, duplicated: expect.Expectation) -> Scenario:
    return Scenario(
        name,
        story,
        hec=HEC(faults=[f"{fault} window=0..120 name=slow"]),
        records=Records(count=600, rate=10),  # a minute of records: two batches, closed by the 30 s interval
        sender=Logpush(time_scale=30),
        expect=[
            expect.delivered("all"),
            duplicated,
            expect.retries(at_least=1),
            expect.error_message("timeout", at=100),
            expect.batches_dropped(0),
            expect.records_lost(0),
        ],
    )


scenarios = [
    slow(
        "slow-before-reading",
        "HEC waits 45 s before reading each request for the first 2 minutes; uploads time out, retries deliver each record once.",
        "delay:45",
        expect.duplicated(0),
    ),
    slow(
        "slow-after-indexing",
        "HEC indexes each request, then takes 45 s to answer for the first 2 minutes; retries index records twice.",
        "slow-body:45",
        expect.duplicated(at_least=1),
    ),
]
