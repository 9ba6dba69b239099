"""Every dataset arrives whole, as sourcetype cloudflare:json with RFC 3339 timestamps.

FAQ: "As long as you ingest logs using the cloudflare:json source type, you can use the Cloudflare
Splunk App." The app's props.conf finds each event's time in a quoted RFC 3339 string
(`TIME_FORMAT = %Y-%m-%dT%H:%M:%SZ`), so jobs for Splunk set `timestamps=rfc3339`.

One scenario per dataset, all fields: the five hand-modelled ones (http_requests, spectrum_events
under IBM's name range_events, firewall_events, network_analytics_logs, dns_logs) and gateway_http,
which is generated from its field list alone, as every other dataset is.
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, expect

DATASETS = ("http_requests", "range_events", "firewall_events", "network_analytics_logs", "dns_logs", "gateway_http")

scenarios = [
    Scenario(
        f"dataset-{dataset.replace('_', '-')}",
        f"Every {dataset} record arrives once, as cloudflare:json, with RFC 3339 timestamps.",
        hec=HEC(),
        records=Records(dataset, count=500, rate=20, logpull_options="timestamps=rfc3339"),
        sender=Logpush(),
        expect=[
            expect.delivered("all"),
            expect.duplicated(0),
            expect.sourcetype("cloudflare:json"),
            expect.timestamps("rfc3339"),
        ],
    )
    for dataset in DATASETS
]
