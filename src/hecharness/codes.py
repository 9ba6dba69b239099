"""Splunk HEC's reply codes: the one table the collector, faults, pre-flight and simulator share.

Each code pairs the JSON `code` with the HTTP status it travels with and Splunk's exact `text`.
Codes 0-22 follow Splunk's troubleshooting table; 23-27 come from its newer revision (their texts
are not confirmed against a live server); 28 is what Splunk Cloud answers for a missing channel.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HECCode", "CODES", "by_number", "NOT_FOUND_TEXT"]


@dataclass(frozen=True, slots=True)
class HECCode:
    code: int
    status: int
    text: str
    retryable: bool = False

    def __str__(self) -> str:
        return f"{self.status}/{self.code} {self.text}"


SUCCESS = HECCode(0, 200, "Success")
TOKEN_DISABLED = HECCode(1, 403, "Token disabled")
TOKEN_REQUIRED = HECCode(2, 401, "Token is required")
INVALID_AUTHORIZATION = HECCode(3, 401, "Invalid authorization")
INVALID_TOKEN = HECCode(4, 403, "Invalid token")
NO_DATA = HECCode(5, 400, "No data")
INVALID_DATA_FORMAT = HECCode(6, 400, "Invalid data format")
INCORRECT_INDEX = HECCode(7, 400, "Incorrect index")
INTERNAL_SERVER_ERROR = HECCode(8, 500, "Internal server error", retryable=True)
SERVER_BUSY = HECCode(9, 503, "Server is busy", retryable=True)
CHANNEL_MISSING = HECCode(10, 400, "Data channel is missing")
INVALID_CHANNEL = HECCode(11, 400, "Invalid data channel")
EVENT_FIELD_REQUIRED = HECCode(12, 400, "Event field is required")
EVENT_FIELD_BLANK = HECCode(13, 400, "Event field cannot be blank")
ACK_DISABLED = HECCode(14, 400, "ACK is disabled")
INDEXED_FIELDS_ERROR = HECCode(15, 400, "Error in handling indexed fields")
QUERY_AUTH_DISABLED = HECCode(16, 400, "Query string authorization is not enabled")
HEALTHY = HECCode(17, 200, "HEC is healthy")
UNHEALTHY_QUEUES_FULL = HECCode(18, 503, "HEC is unhealthy, queues are full", retryable=True)
UNHEALTHY_ACK_UNAVAILABLE = HECCode(19, 503, "HEC is unhealthy, ack service unavailable", retryable=True)
UNHEALTHY_QUEUES_FULL_ACK_UNAVAILABLE = HECCode(
    20, 503, "HEC is unhealthy, queues are full, ack service unavailable", retryable=True
)
TOKEN_MANAGEMENT_INVALID_TOKEN = HECCode(21, 400, "Invalid token")
TOKEN_MANAGEMENT_TOKEN_DISABLED = HECCode(22, 400, "Token disabled")
SHUTTING_DOWN = HECCode(23, 503, "Server is shutting down", retryable=True)
QUEUE_NEAR_CAPACITY = HECCode(24, 200, "HEC queue approaching capacity")
ACK_NEAR_CAPACITY = HECCode(25, 200, "HEC ACK approaching capacity")
QUEUE_AT_CAPACITY = HECCode(26, 429, "HEC queue at capacity", retryable=True)
ACK_AT_CAPACITY = HECCode(27, 429, "HEC ACK channel at capacity", retryable=True)
CLOUD_CHANNEL_MISSING = HECCode(
    28,
    400,
    "Data channel is missing. If you have multiple indexers, sticky session load balancers "
    "must be provisioned and client requests must be routed accordingly.",
)

CODES: dict[int, HECCode] = {
    value.code: value for value in list(globals().values()) if isinstance(value, HECCode)
}

# Splunkd answers unknown paths (404) and wrong methods (405) with this body and code 404.
NOT_FOUND_TEXT = "The requested URL was not found on this server."


def by_number(code: int) -> HECCode:
    """The code with this number; a clear error for numbers Splunk does not use."""
    try:
        return CODES[code]
    except KeyError:
        raise ValueError(f"unknown HEC code {code!r}: Splunk uses 0 to {max(CODES)}") from None
