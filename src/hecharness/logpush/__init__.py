"""The Logpush side of the harness: a job and how it runs.

`job` holds the API's job object and its response envelope; `policy` says when to retry, drop and disable;
`batching` cuts records into batches; `sender` makes one upload; `simulator` runs a job on the harness clock.
Where a job sends its logs is `hecharness.destination`, shared with preflight and re-exported here.
"""

from hecharness.destination import Destination, DestinationError, parse_destination
from hecharness.logpush.job import ApiError, JobError, LogpushJob, UploadLimits, envelope, rfc3339
from hecharness.logpush.policy import POLICIES, DisableClock, PolicyError, RetryPolicy, get_policy
from hecharness.logpush.sender import Sender, UploadOutcome
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
    "DisableClock",
    "JobEvent",
    "LogpushSimulator",
    "Metrics",
    "UploadOutcome",
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
