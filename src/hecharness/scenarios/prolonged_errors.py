"""Errors for a prolonged period: the job disables itself; re-enabled later, it pushes new logs only.

FAQ: "If the errors continue for a prolonged period of time, Logpush will assume that the destination
is permanently unavailable and disable your push job. You can always re-enable the job later." And:
"Logpush only pushes the logs once as they become available and is unable to backfill."

The HEC answers 500 to everything for two hours. After an hour without a single success (the `faq`
policy's reading of "prolonged") the job disables itself. The HEC recovers at 2 h; the owner
re-enables the job at 2.5 h. Records made while it was disabled never arrive; records made after
it was enabled again do. (Batches close every 5 minutes here, the longest interval a job allows,
which keeps the number of requests down without changing the story.)
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, at, clear_faults, enable_job, expect

scenario = Scenario(
    "prolonged-errors",
    "An hour of errors disables the job; re-enabled later, it sends new records only, no backfill.",
    hec=HEC(faults=["error:8 name=broken"]),  # 500 Internal Server Error
    records=Records(count=5400, rate=0.5),  # three hours of records
    sender=Logpush(max_upload_interval_seconds=300),  # a batch every 5 minutes, the longest allowed
    timeline=[
        at(2 * 3600, clear_faults()),  # the HEC is fixed
        at(2.5 * 3600, enable_job()),  # and the owner turns the job back on
    ],
    expect=[
        expect.error_message("HTTP 500", at=1800),
        expect.job(enabled=True, at=1800),
        expect.disabled_after((3600, 3700)),
        expect.job(enabled=False, at=2 * 3600),
        expect.no_backfill(),
        expect.records_lost(at_least=1),
        expect.lost_matches_missing(),
        expect.job(enabled=True),
        expect.error_message(None),
        expect.duplicated(0),
    ],
)
