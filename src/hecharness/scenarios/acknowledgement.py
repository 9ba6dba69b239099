"""A token with indexer acknowledgement on: Logpush delivers, and never asks for the acks.

Splunk recommends acknowledgement for senders that must know an event was indexed, not only
received. A token with it on refuses requests without a channel (400, code 10) and answers each
accepted one with an `ackId` to poll at /services/collector/ack. Logpush's destination always
carries a channel, so the token takes its batches; but Logpush counts the 200 as delivered and does
not poll (Cloudflare documents no ack polling). The acks are issued, and left unread.
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, expect

scenario = Scenario(
    "ack-token",
    "A token with indexer acknowledgement on takes every batch; the acks are issued and never polled.",
    hec=HEC(ack=True),
    records=Records(count=1200, rate=10),
    sender=Logpush(),
    expect=[
        expect.delivered("all"),
        expect.duplicated(0),
        expect.acks_issued(5),  # four batches of 30 s, and the validation probe
        expect.ack_polls(0),
    ],
)
