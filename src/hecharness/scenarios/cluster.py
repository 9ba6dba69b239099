"""An indexer cluster behind a load balancer, fed by a sender that polls for indexer acknowledgement.

Indexers count ackIds per channel each from 0, so behind a balancer that spreads requests two
batches get the same id from two indexers, and a poll that reaches the wrong one answers false (or
true for its own batch of that number). Senders that poll (Vector's splunk_hec sink, the Kafka
connector) know a pending batch by its id alone: they time out and resend, and the records arrive
twice (vector #19417 and PR #23156, kafka-connect-splunk #122 and #137). Stickiness at the balancer
fixes it until the cookie expires; a rolling restart loses what an indexer had accepted but not
written when nothing polls, and turns into resends (duplicates, nothing lost) when the sender does.

Every scenario here runs the ack-polling sender (`AckPolling`) on a real clock 30 times faster: a
minute of records, a few seconds of real time. The indexers take 6 s to acknowledge (more than a
poll interval), so a batch is still pending whenever the balancer changes its mind. The time-out is
counted in polls, so a slow machine makes no batch time out that would not have on a fast one.

- `cluster-acks-round-robin`: duplicates; nothing lost.
- `cluster-acks-sticky`: one indexer takes every request; no duplicate.
- `cluster-acks-sticky-cookies-ignored`: the same balancer, a sender that drops cookies: duplicates.
- `cluster-acks-sticky-expires`: a 30 s cookie; when it runs out, polls go elsewhere: duplicates.
- `cluster-rolling-restart`: no acks; each indexer loses its 20 newest unwritten events when it goes
  down: missing, with the reason, while the sender believed everything delivered.
- `cluster-rolling-restart-acks`: the same with acks: the lost ids never turn true, the sender
  resends; duplicates, nothing lost.
"""

from hecharness.scenario import HEC, AckPolling, Records, Scenario, expect
from hecharness.scenario.observation import Observation

RECORDS = Records(count=1200, rate=20)  # a minute of records, a batch every 2.5 s
ACK_DELAY = {"ack_delay": 6}  # logical seconds before an issued ackId reads true: more than one poll interval
# Nodes 1, 2 and 3 down in turn for 10 s each, from 10 s in, 5 s apart; each loses its 20 newest accepted events.
ROLLING = ("rolling-restart at=10 for=10 gap=5 lose_unwritten=20",)


def polling(**options: object) -> AckPolling:
    return AckPolling(**{"batch": 50, "concurrency": 6, "poll_interval": 5, "ack_timeout": 15, "attempts": 3, "time_scale": 30, **options})


def _posted_to(observation: Observation) -> list[int]:
    return sorted({r.indexer for r in observation.requests() if r.path.endswith("/raw") and r.indexer is not None})


def one_indexer(observation: Observation) -> tuple[bool, str]:
    nodes = _posted_to(observation)
    return len(nodes) == 1, f"posts reached indexer{'s' if len(nodes) != 1 else ''} {', '.join(map(str, nodes)) or 'none'}"


def several_indexers(observation: Observation) -> tuple[bool, str]:
    nodes = _posted_to(observation)
    return len(nodes) > 1, f"posts reached indexer{'s' if len(nodes) != 1 else ''} {', '.join(map(str, nodes)) or 'none'}"


def lost_at_restart(observation: Observation) -> tuple[bool, str]:
    """Every missing record is one the journal says an indexer lost when it went down, with why."""
    report = observation.delivery()
    reasons = sorted(set(report.lost.values()))
    unexplained = [key for key in report.missing_keys if key not in report.lost]
    shown = f"{len(report.missing_keys)} missing, {len(report.missing_keys) - len(unexplained)} with a reason ({'; '.join(reasons) or 'none'})"
    return bool(report.missing_keys) and not unexplained, shown


def resent_twice(name: str, story: str, hec: HEC, sender: AckPolling) -> Scenario:
    """A balancer moves the sender's polls away from its batches: they time out, are resent and arrive
    twice; none is lost, since every post was indexed."""
    expectations = [
        expect.that("indexers posted to", several_indexers, "more than one"),
        expect.believed("ack-timeouts", at_least=50),
        expect.believed("resent", at_least=50),
        expect.delivered("all"),
        expect.missing(0),
        expect.duplicated(at_least=50),
    ]
    return Scenario(name, story, hec=hec, records=RECORDS, sender=sender, expect=expectations)


scenarios = [
    resent_twice(
        "cluster-acks-round-robin",
        "Acks behind round robin: ackIds collide across indexers, batches time out and are resent, so records arrive twice.",
        HEC(ack=True, indexers=3, balancer="round-robin", settings=ACK_DELAY),
        polling(),
    ),
    Scenario(
        "cluster-acks-sticky",
        "Acks behind cookie stickiness: every request reaches one indexer, every ack reads true, nothing arrives twice.",
        hec=HEC(ack=True, indexers=3, balancer="cookie", cookie_name="AWSALB", settings=ACK_DELAY),
        records=RECORDS,
        sender=polling(),
        expect=[
            expect.that("indexers posted to", one_indexer, "one"),
            expect.believed("acked", "all"),
            expect.believed("resent", 0),
            expect.delivered("all"),
            expect.duplicated(0),
        ],
    ),
    resent_twice(
        "cluster-acks-sticky-cookies-ignored",
        "The same sticky balancer, but the sender drops its cookie (vector #19417): requests spread, and records arrive twice.",
        HEC(ack=True, indexers=3, balancer="cookie", cookie_name="AWSALB", settings=ACK_DELAY),
        polling(cookies=False),
    ),
    resent_twice(
        "cluster-acks-sticky-expires",
        "Stickiness that expires 30 s after the cookie is set: polls then reach another indexer, the batches pending on the first time out and arrive twice.",
        HEC(ack=True, indexers=3, balancer="cookie", cookie_name="AWSALB", cookie_lifetime=30, settings=ACK_DELAY),
        polling(),
    ),
    Scenario(
        "cluster-rolling-restart",
        "A rolling restart without acks: each indexer loses what it had accepted but not written; the sender never knows.",
        hec=HEC(indexers=3, balancer="cookie", cookie_name="AWSALB", restarts=ROLLING),
        records=RECORDS,
        sender=polling(),
        expect=[
            expect.believed("delivered", "all"),
            expect.missing(at_least=20),
            expect.duplicated(0),  # a request cut off by the restart was not written: its resend arrives once
            expect.that("missing records explained", lost_at_restart, "each lost at a restart, with the reason"),
        ],
    ),
    Scenario(
        "cluster-rolling-restart-acks",
        "A rolling restart with acks: the restarted indexer's ids never turn true, the sender resends; duplicates, nothing lost.",
        hec=HEC(ack=True, indexers=3, balancer="cookie", cookie_name="AWSALB", restarts=ROLLING, settings=ACK_DELAY),
        records=RECORDS,
        sender=polling(),
        expect=[
            expect.believed("ack-timeouts", at_least=50),
            expect.believed("acked", "all"),
            expect.delivered("all"),
            expect.missing(0),
            expect.duplicated(at_least=1),
        ],
    ),
]
