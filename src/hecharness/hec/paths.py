"""The URL paths HEC answers on, and which endpoint each one is.

Below the collector, which routes them, and everything that reads a journaled request's path back
(the HAR export, fault rules).
"""

from __future__ import annotations

from hecharness.faults import Endpoint

__all__ = ["EVENT_PATHS", "RAW_PATHS", "HEALTH_PATHS", "ACK_PATHS", "EDGE_PROCESSOR_PATHS", "ENDPOINT_OF"]

EVENT_PATHS = ("/services/collector", "/services/collector/event", "/services/collector/event/1.0")
RAW_PATHS = ("/services/collector/raw", "/services/collector/raw/1.0")
HEALTH_PATHS = ("/services/collector/health", "/services/collector/health/1.0")
ACK_PATHS = ("/services/collector/ack", "/services/collector/ack/1.0")
# Splunk's docs: "Edge Processors support the services/collector and services/collector/raw
# endpoints only". Its acknowledgement hands out ackIds on a channel; where they are polled is not
# written down, so /ack stays (unverified). Every other path is unknown there.
EDGE_PROCESSOR_PATHS = ("/services/collector", "/services/collector/raw", "/services/collector/ack")

ENDPOINT_OF = {
    **dict.fromkeys(EVENT_PATHS, Endpoint.EVENT),
    **dict.fromkeys(RAW_PATHS, Endpoint.RAW),
    **dict.fromkeys(HEALTH_PATHS, Endpoint.HEALTH),
    **dict.fromkeys(ACK_PATHS, Endpoint.ACK),
}
