"""The Locust command line's hecharness options, and the run they describe.

Locust hands the master's options to every worker with the spawn message, so a worker started with
nothing but `--worker --master-host` still sends what the master was told to. Nothing here imports
Locust: the parser is whichever one Locust passes in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hecharness.errors import InvalidArgument
from hecharness.generate import DATASET_NAMES, DEFAULT_RATE
from hecharness.logpush.batching import DEFAULT_GZIP_LEVEL
from hecharness.logpush.job import JobError, LogpushJob
from hecharness.logpush.slices import RecordSlice

__all__ = ["RunOptions", "add_arguments"]


def add_arguments(parser: Any) -> None:
    """Add the options to Locust's parser (its `init_command_line_parser` event)."""
    # Locust's own add_argument (not an argument group's) knows `is_secret` and the web UI's form.
    add = parser.add_argument
    add("--destination-conf", default="", is_secret=True, env_var="HECHARNESS_DESTINATION_CONF",
        help="The job's destination: splunk://HOST:PORT/services/collector/raw?channel=...&header_Authorization=Splunk%%20<token>, "
             "or http(s)://... for a pipeline's HEC input. Its query string and headers go with every batch.")
    add("--dataset", default="http_requests", help=f"One of {', '.join(DATASET_NAMES)}.")
    add("--logpull-options", default=None, help="e.g. 'fields=RayID,EdgeStartTimestamp&timestamps=rfc3339'.")
    add("--max-upload-records", type=int, default=0, help="Records per batch (1,000-1,000,000; 0: Logpush's 100,000).")
    add("--max-upload-bytes", type=int, default=0, help="Uncompressed bytes per batch (5 MB-1 GB; 0: no limit).")
    add("--gzip-level", type=int, default=DEFAULT_GZIP_LEVEL, help="gzip level of the batches, 0-9.")
    add("--count", type=int, default=0, help="Records to send in all, shared evenly by the --expect-workers workers; the run ends when they are sent (0: until --run-time or Ctrl-C).")
    add("--seed", type=int, default=0, help="The run's seed; each worker's records derive from it and its index.")
    add("--record-rate", type=float, default=DEFAULT_RATE, help="Records per second of event time (how far apart their timestamps are, not how fast they are sent).")
    add("--record-start", type=int, default=0, help="Epoch second of the first event time (0: when the master starts).")
    add("--any-port", action="store_true", default=False, help="Allow Splunk ports other than 443 and 8088.")
    add("--cacert", default="", help="CA bundle to trust for an https destination.")
    add("--hec-admin", default="", help="Admin API URL(s) of the fake HEC(s) receiving, comma-separated: the run then ends with sent = received, by key.")
    add("--sent-file", default="", include_in_web_ui=False, help="Write what was sent here (the workers' slices) for a later `hecharness journal merge --sent`.")
    add("--hec-admin-token", default="", is_secret=True, env_var="HECHARNESS_ADMIN_TOKEN", help="The fakes' admin token, if they have one.")


@dataclass(frozen=True)
class RunOptions:
    """What to send and where, checked once: a bad value is one line, before any user starts."""

    job: LogpushJob
    compress_level: int
    count: int | None
    senders: int
    seed: int
    rate: float
    start: int
    cacert: Path | None
    admin_urls: tuple[str, ...]
    admin_token: str | None
    sent_file: Path | None

    @classmethod
    def from_parsed(cls, options: Any) -> RunOptions:
        """From Locust's parsed options (a namespace carrying `add_arguments`' options)."""
        if not options.destination_conf:
            raise InvalidArgument("--destination-conf is required: where the batches go, as a Logpush job's destination_conf")
        if options.count < 0:
            raise InvalidArgument(f"--count must be 0 (no limit) or more, got {options.count}")
        if not 0 <= options.gzip_level <= 9:
            raise InvalidArgument(f"--gzip-level must be 0 to 9, got {options.gzip_level}")
        job_fields = {
            "destination_conf": options.destination_conf,
            "dataset": options.dataset,
            "logpull_options": options.logpull_options or None,
            "max_upload_records": options.max_upload_records,
            "max_upload_bytes": options.max_upload_bytes,
            "enabled": True,
        }
        try:
            job = LogpushJob(**job_fields, any_port=options.any_port, allow_http=True)
        except JobError as error:
            raise InvalidArgument(f"--{error.field.replace('_', '-')}: {error.message}") from None
        cacert = Path(options.cacert) if options.cacert else None
        if cacert is not None and not cacert.is_file():
            raise InvalidArgument(f"--cacert: {cacert} is not a readable file")
        sent_file = Path(options.sent_file) if options.sent_file else None
        if sent_file is not None and not sent_file.parent.is_dir():
            # Checked now: a run of hours must not end unable to write what it sent.
            raise InvalidArgument(f"--sent-file: {sent_file.parent} does not exist")
        chosen = cls(
            job=job,
            compress_level=options.gzip_level,
            count=options.count or None,
            senders=_senders(options),
            seed=options.seed,
            rate=options.record_rate,
            start=options.record_start or int(time.time()),
            cacert=cacert,
            admin_urls=_urls(options.hec_admin),
            admin_token=options.hec_admin_token or None,
            sent_file=sent_file,
        )
        chosen.slice_for(0)  # the generator's own checks (options, rate) before anything runs
        return chosen

    def share(self, index: int) -> int | None:
        """How many of --count the sender with this index sends: an even share, the first ones one more."""
        if self.count is None:
            return None
        return self.count // self.senders + (1 if index < self.count % self.senders else 0)

    def slice_for(self, index: int) -> RecordSlice:
        """The records of the sender with this index (a Locust worker's `worker_index`)."""
        return RecordSlice.for_sender(
            index, dataset=self.job.dataset, logpull_options=self.job.logpull_options, seed=self.seed, start=self.start, rate=self.rate
        )


def _senders(options: Any) -> int:
    """How many workers share --count: the master's --expect-workers, which a worker is sent with its
    options; a local run is a sender of its own."""
    if getattr(options, "master", False) or getattr(options, "worker", False):
        return max(getattr(options, "expect_workers", 1) or 1, 1)
    return 1


def _urls(text: str) -> tuple[str, ...]:
    urls = tuple(part.strip() for part in text.split(",") if part.strip())
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise InvalidArgument(f"--hec-admin: {url!r} is not an http(s) URL of a fake HEC's admin API")
    return urls

