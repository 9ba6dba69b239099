"""Healthy destination: everything is delivered once, in batches of 100,000 records or 30 seconds.

FAQ: "Cloudflare pushes logs in batches as soon as possible." Logpush closes a batch at
max_upload_records (100,000 by default) or max_upload_interval_seconds (30) after its first record,
whichever comes first. 120,000 records at 5,000 a second make one full batch at 20 s, then a
second one that the 30-second interval closes at 50 s.
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, expect

scenario = Scenario(
    "healthy",
    "A healthy HEC gets every record exactly once, in batches closed at 100,000 records or 30 s.",
    hec=HEC(),
    records=Records(
        count=120_000,
        rate=5_000,
        logpull_options="fields=RayID,EdgeStartTimestamp,ClientIP,ClientRequestHost,EdgeResponseStatus&timestamps=rfc3339",
    ),
    sender=Logpush(),
    expect=[
        expect.delivered("all"),
        expect.missing(0),
        expect.duplicated(0),
        expect.batches(2),
        expect.batch_limits(records=100_000, seconds=30),
        expect.retries(0),
        expect.compressed(at_least=3),
        expect.sourcetype("cloudflare:json"),
        expect.error_message(None),
        expect.job(enabled=True),
    ],
)
