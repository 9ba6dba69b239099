"""Destination switched: the old HEC keeps receiving for the propagation delay, then the new one does.

FAQ: "I have reconfigured the job to a new destination, but why am I still receiving the logs at
the old destination? [...] we estimate that it will take 10-15 minutes to complete the transition."

Two HECs. Two minutes into the push the job is pointed at the second one (which must first take
Logpush's validation probe). Until the change has propagated, 10 to 15 minutes later, batches still
go to the old HEC; after it, only to the new one. Across both, every record arrives exactly once.
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, at, expect, switch_destination

scenario = Scenario(
    "destination-switch",
    "The job is re-pointed at a new HEC; the old one keeps receiving for 10-15 minutes, then only the new one.",
    hec={"old": HEC(), "new": HEC()},
    records=Records(count=1800, rate=1, logpull_options="fields=RayID,EdgeStartTimestamp,ClientIP&timestamps=rfc3339"),
    sender=Logpush(),  # the propagation delay is drawn from 600..900 s, seeded
    timeline=[at(120, switch_destination("new"))],
    expect=[
        expect.switched(to="new", after=(600, 900)),
        expect.delivered(at_least=1, hec="old"),
        expect.delivered(at_least=1, hec="new"),
        expect.delivered("all"),
        expect.duplicated(0),
        expect.unexpected(0),
    ],
)
