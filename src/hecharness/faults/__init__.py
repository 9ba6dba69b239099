"""Fault injection: make the fake HEC fail exactly when and how a test asks.

    hec.faults.add("error:9 first=3")                # the next three requests: 503 Server is busy
    with hec.faults.during("reset path=raw"):        # only inside this block
        ...
    hec.faults.clear()

See `hecharness.faults.spec` for the spec syntax. Every request a fault touched is marked in the
journal (`RequestRecord.fault`), so a test can count attempts and draw the retry timeline.
"""

from hecharness.faults.actions import (
    AckFault,
    AckMode,
    Close,
    Delay,
    FaultAction,
    FaultSpecError,
    Hang,
    Partial,
    Pass,
    Reply,
    Reset,
    SlowBody,
    TLSAbort,
    parse_action,
)
from hecharness.faults.faultset import Decision, FaultSet
from hecharness.faults.rules import Endpoint, Fault, RequestFacts, WindowOrigin
from hecharness.faults.spec import load_plan, parse_fault

__all__ = [
    "Fault",
    "FaultSet",
    "Decision",
    "RequestFacts",
    "Endpoint",
    "WindowOrigin",
    "parse_fault",
    "parse_action",
    "load_plan",
    "FaultSpecError",
    "FaultAction",
    "Reply",
    "Partial",
    "Delay",
    "SlowBody",
    "Reset",
    "Close",
    "Hang",
    "TLSAbort",
    "AckFault",
    "AckMode",
    "Pass",
]
