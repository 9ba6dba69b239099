"""The Logpush side of the harness: where a job sends its logs, and the job itself.

`destination` parses and checks `destination_conf` strings; `job` holds the API's job object and its
response envelope. Neither touches the network: pushing batches, and the validation probe a new or
re-pointed job must pass, belong to the sender built on top of them.
"""

from hecharness.logpush.destination import Destination, DestinationError, parse_destination
from hecharness.logpush.job import ApiError, JobError, LogpushJob, UploadLimits, envelope, rfc3339

__all__ = [
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
