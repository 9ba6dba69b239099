"""The Logpush side of the harness: where a job sends its logs, and the job itself.

`destination` parses and checks `destination_conf` strings; `job` holds the API's job object and its
response envelope; `policy` says when to retry, drop and disable; `batching` cuts records into
batches; `sender` makes one upload; `simulator` runs a job on the harness clock.
"""

from hecharness.logpush.destination import Destination, DestinationError, parse_destination
from hecharness.logpush.job import ApiError, JobError, LogpushJob, UploadLimits, envelope, rfc3339
from hecharness.logpush.policy import POLICIES, PolicyError, RetryPolicy, get_policy
from hecharness.logpush.sender import Outcome, Sender
from hecharness.logpush.simulator import (
    Attempt,
    JobEvent,
    LogpushSimulator,
    Metrics,
    Report,
    ValidationRefused,
    create_job,
)

__all__ = [
    "Attempt",
    "JobEvent",
    "LogpushSimulator",
    "Metrics",
    "Outcome",
    "POLICIES",
    "PolicyError",
    "Report",
    "RetryPolicy",
    "Sender",
    "ValidationRefused",
    "create_job",
    "get_policy",
    "ApiError",
    "Destination",
    "DestinationError",
    "JobError",
    "LogpushJob",
    "UploadLimits",
    "envelope",
    "parse_destination",
    "rfc3339",
]
