"""What can go wrong between a sender and a HEC, one class per fix, each with its own exit code.

The classes follow the order a push meets them: the destination string, DNS, TCP, TLS, then HEC's
own answers. Exit codes 1 and 2 stay with click (an error in hecharness itself, bad usage).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FailureClass",
    "FAILURE_CLASSES",
    "Diagnosis",
    "StepFailed",
    "by_name",
    "DESTINATION",
    "DNS",
    "CONNECTION_REFUSED",
    "TIMEOUT",
    "UNTRUSTED_CERTIFICATE",
    "HOSTNAME_MISMATCH",
    "EXPIRED_CERTIFICATE",
    "TLS_HANDSHAKE",
    "NOT_RAW_ENDPOINT",
    "TOKEN",
    "CHANNEL",
    "BUSY",
    "HEC_ERROR",
    "NOT_HEC",
]


@dataclass(frozen=True, slots=True)
class FailureClass:
    name: str
    exit_code: int
    summary: str

    def __str__(self) -> str:
        return self.name


DESTINATION = FailureClass("destination", 3, "the destination breaks Logpush's rules for Splunk")
DNS = FailureClass("dns", 4, "the host name does not resolve")
CONNECTION_REFUSED = FailureClass("connection-refused", 5, "nothing accepts connections on that host and port")
TIMEOUT = FailureClass("timeout", 6, "no answer in time: connecting, in the TLS handshake or to a request")
UNTRUSTED_CERTIFICATE = FailureClass("untrusted-certificate", 7, "the certificate chain does not lead to a trusted CA")
HOSTNAME_MISMATCH = FailureClass("hostname-mismatch", 8, "the certificate is not valid for the host name")
EXPIRED_CERTIFICATE = FailureClass("expired-certificate", 9, "the certificate has expired or is not valid yet")
TLS_HANDSHAKE = FailureClass("tls-handshake", 10, "no TLS session: the server speaks no TLS or refuses the handshake")
NOT_RAW_ENDPOINT = FailureClass("not-raw-endpoint", 11, "404/405: the URL is not HEC's raw endpoint")
TOKEN = FailureClass("token", 12, "401/403: the token is missing, malformed, unknown or disabled")
CHANNEL = FailureClass("channel", 13, "400: a channel is required (acks are on) or is malformed")
BUSY = FailureClass("busy", 14, "503/429: HEC is busy or reports itself unhealthy")
HEC_ERROR = FailureClass("hec-error", 15, "HEC refused the sample record for another reason")
NOT_HEC = FailureClass("not-hec", 16, "the server does not answer like a HEC")

FAILURE_CLASSES: tuple[FailureClass, ...] = (
    DESTINATION,
    DNS,
    CONNECTION_REFUSED,
    TIMEOUT,
    UNTRUSTED_CERTIFICATE,
    HOSTNAME_MISMATCH,
    EXPIRED_CERTIFICATE,
    TLS_HANDSHAKE,
    NOT_RAW_ENDPOINT,
    TOKEN,
    CHANNEL,
    BUSY,
    HEC_ERROR,
    NOT_HEC,
)


def by_name(name: str) -> FailureClass:
    for failure in FAILURE_CLASSES:
        if failure.name == name:
            return failure
    raise ValueError(f"unknown failure class {name!r}; known: {', '.join(f.name for f in FAILURE_CLASSES)}")


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Why a check failed and what to do about it, in sentences meant for the person running it."""

    failure: FailureClass
    cause: str
    fix: str


# Not a HecHarnessError: control flow inside a check, which turns it into the step's diagnosis.
class StepFailed(Exception):
    """Raised by a step to end the check; `details` are added to the step's own lines."""

    def __init__(self, failure: FailureClass, cause: str, fix: str, details: list[str] | None = None) -> None:
        super().__init__(cause)
        self.diagnosis = Diagnosis(failure, cause, fix)
        self.details = details or []
