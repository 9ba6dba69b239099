"""A sender's slice of a distributed run: its own records, batched as a job batches them, and regenerated exactly."""

from __future__ import annotations

import itertools
import zlib

import orjson
import pytest

from hecharness.errors import InvalidArgument
from hecharness.generate import get_dataset
from hecharness.locust.tally import RunTally, SentTally
from hecharness.logpush.job import LogpushJob
from hecharness.logpush.slices import RecordSlice, upload_batches

DESTINATION = "http://127.0.0.1:9/services/collector/raw?header_Authorization=Splunk%20t"
START = 1_700_000_000


def _job(dataset: str = "http_requests", options: str | None = None) -> LogpushJob:
    return LogpushJob(destination_conf=DESTINATION, dataset=dataset, logpull_options=options, max_upload_records=1000,
                      enabled=True, allow_http=True, any_port=True)


def _keys(chosen: RecordSlice) -> list:
    return [orjson.loads(line)[chosen.key] for line in chosen.lines()]


@pytest.mark.parametrize("dataset", ["http_requests", "spectrum_events"])
def test_senders_of_one_run_never_share_a_key(dataset: str) -> None:
    # Ray IDs differ by seed; event-time keys by each sender's microsecond shift.
    senders = [RecordSlice.for_sender(index, dataset=dataset, seed=7, start=START).sent(3000) for index in range(3)]
    keys = [key for chosen in senders for key in _keys(chosen)]
    assert len(keys) == 9000
    assert len(set(keys)) == 9000


def test_the_lines_regenerated_are_the_lines_the_batches_carried() -> None:
    chosen = RecordSlice.for_sender(2, dataset="http_requests", logpull_options="fields=RayID,EdgeStartTimestamp,ClientIP", start=START)
    batches = list(itertools.islice(upload_batches(_job(options=chosen.logpull_options), chosen), 3))
    assert [batch.records for batch in batches] == [1000, 1000, 1000]
    posted = b"".join(zlib.decompress(batch.body, 16 + zlib.MAX_WBITS) for batch in batches).splitlines()
    regenerated = [line.rstrip(b"\n") for line in chosen.sent(3000).lines()]
    assert posted == regenerated
    assert list(orjson.loads(posted[0])) == ["RayID", "EdgeStartTimestamp", "ClientIP"]


def test_a_slice_survives_the_trip_to_the_master() -> None:
    tally = SentTally(RecordSlice.for_sender(1, dataset="dns_logs", seed=3, start=START))
    job = _job("dns_logs")
    batch = next(upload_batches(job, tally.slice))
    tally.taken(batch)
    tally.answered(batch, delivered=False)
    run = RunTally()
    run.update("worker-1", orjson.loads(orjson.dumps(tally.to_dict())))
    assert run.records == 1000 and run.total("failed_batches") == 1 and run.total("in_flight") == 0
    assert run.key == get_dataset("dns_logs").key
    assert list(run.lines()) == list(tally.slice.lines())
    assert "1 sender(s) sent 1,000 records in 1 batches in 2.0 s (500 records/s)" in run.summary(2.0)
    assert [RecordSlice.from_dict(item) for item in run.sent_file()["slices"]] == [tally.slice]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"logpull_options": "fields=RayID&sample=0.5"}, "sample= in logpull_options is not supported"),
        ({"logpull_options": "fields=NoSuchField"}, "NoSuchField"),
        ({"rate": 2e6}, "rate must be above 0 and at most 1,000,000"),
        ({"index": -1}, "index must be a whole number from 0"),
    ],
)
def test_a_slice_that_cannot_be_sent_is_refused_in_one_line(arguments: dict, message: str) -> None:
    given = {"index": 0, "dataset": "http_requests", "start": START, **arguments}
    with pytest.raises(InvalidArgument, match=message) as caught:
        RecordSlice.for_sender(given.pop("index"), **given)
    assert "\n" not in str(caught.value)
