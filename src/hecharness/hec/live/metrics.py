"""`GET /metrics`: the tally, the fault rules and the ack ledger in Prometheus' text format.

A custom prometheus-client collector builds the families when scraped, so serving requests costs
nothing beyond the tally's increments, and each fake HEC has its own registry (several can run in
one process without their series mixing).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry
from starlette.responses import Response

from hecharness.hec.collector import Collector
from hecharness.hec.live.tally import DURATION_BUCKETS, Tally

__all__ = ["Metrics"]


class Metrics:
    def __init__(self, collector: Collector, tally: Tally) -> None:
        self.collector = collector
        self.tally = tally
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def response(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    def collect(self) -> Iterator[Metric]:
        tally = self.tally
        requests = CounterMetricFamily(
            "hec_requests", "Requests answered, by path, HTTP status and HEC code", labels=["path", "status", "code"]
        )
        for (path, status, code), count in sorted(tally.requests.items(), key=str):
            requests.add_metric([path, str(status), "" if code is None else str(code)], count)
        yield requests
        events = CounterMetricFamily("hec_events", "Events accepted, by the HTTP status of their request", labels=["status"])
        for status, count in tally.events_by_status().items():
            events.add_metric([status], count)
        yield events
        body = CounterMetricFamily("hec_body_bytes", "Request body bytes, as sent and decoded", labels=["form"])
        body.add_metric(["wire"], tally.bytes_in)
        body.add_metric(["decoded"], tally.bytes_decoded)
        yield body
        # Read from the rules themselves: one request can fire several, each counted under its own name.
        rules = [rule.describe() for rule in self.collector.faults.list()]
        fired = CounterMetricFamily("hec_faults_fired", "Requests each fault rule in place acted on", labels=["fault"])
        for rule in rules:
            fired.add_metric([rule["name"]], rule["fired"])
        yield fired
        active = GaugeMetricFamily("hec_faults_active", "Fault rules in place")
        active.add_metric([], len(rules))
        yield active
        acks = CounterMetricFamily(
            "hec_acks", "Indexer acknowledgement ids issued and polls answered true (since the last reset)", labels=["state"]
        )
        channels = self.collector.acks.summary().values()
        acks.add_metric(["issued"], sum(channel["issued"] for channel in channels))
        acks.add_metric(["true"], sum(channel["true"] for channel in channels))
        yield acks
        duration = HistogramMetricFamily("hec_request_duration_seconds", "Time from request start to answer")
        cumulative = list(itertools.accumulate(tally.duration_counts))
        buckets = [(f"{bound:g}", count) for bound, count in zip(DURATION_BUCKETS, cumulative)]
        duration.add_metric([], [*buckets, ("+Inf", cumulative[-1])], tally.duration_sum)
        yield duration
