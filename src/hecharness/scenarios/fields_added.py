"""Fields added to a running job show up after the propagation delay, not at once.

FAQ: "If I add new fields to an existing Logpush job, how long will it take for the change to
become effective? [...] we estimate that the new fields will show up within 10-15 minutes."

The job sends RayID and EdgeStartTimestamp. One minute in, its owner adds ClientCountry. Records
keep arriving in the old shape until the change propagates (10 to 15 minutes), and the first record
with ClientCountry reaches the HEC within a batch interval after that. Records are matched by RayID
here, since their shape changes on the way.
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, at, change_job, expect

scenario = Scenario(
    "fields-added",
    "A field added to the job reaches the HEC 10-15 minutes later; no record is lost on the way.",
    hec=HEC(),
    records=Records(count=1500, rate=1, logpull_options="fields=RayID,EdgeStartTimestamp&timestamps=rfc3339"),
    sender=Logpush(),
    timeline=[at(60, change_job(logpull_options="fields=RayID,EdgeStartTimestamp,ClientCountry&timestamps=rfc3339"))],
    key="RayID",
    expect=[
        expect.field_appears("ClientCountry", after=(600, 930)),
        expect.delivered("all"),
        expect.duplicated(0),
    ],
)
