"""Demo: push Logpush-style batches into a fake HEC and account for every record.

Starts a fake HEC on a free loopback port, sends gzipped ndjson batches to /services/collector/raw
with a channel and the `cloudflare:json` sourcetype (as a Logpush job does), then asks the journal
which records arrived, which are missing and which came twice. Exits non-zero if any record was
lost or duplicated.

    make scenario            # or: .venv/bin/python scenarios/demo_push.py
"""

from __future__ import annotations

import gzip
import random
import sys
import uuid

import orjson
from rich.console import Console
from rich.table import Table

from hecharness.hec import FakeHEC, Token

RECORDS = 5_000
BATCH = 1_000


def make_records(count: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "RayID": f"{rng.getrandbits(64):016x}",
            "ClientIP": f"203.0.113.{rng.randrange(1, 255)}",
            "EdgeResponseStatus": rng.choice([200, 200, 200, 304, 404, 503]),
            "ClientRequestHost": "www.example.com",
        }
        for _ in range(count)
    ]


def main() -> int:
    console = Console()
    records = make_records(RECORDS)
    channel = str(uuid.uuid4())
    with FakeHEC([Token("demo-token", name="logpush", ack=True)]) as hec, hec.client("demo-token") as client:
        console.print(f"fake HEC on {hec.url}, admin API on {hec.admin_url}")
        for start in range(0, len(records), BATCH):
            batch = b"".join(orjson.dumps(r) + b"\n" for r in records[start : start + BATCH])
            response = client.post(
                "/services/collector/raw",
                params={"channel": channel, "sourcetype": "cloudflare:json"},
                content=gzip.compress(batch),
                headers={"Content-Encoding": "gzip"},
            )
            console.print(f"batch {start // BATCH}: {len(batch):,} bytes -> {response.status_code} {response.text}")
        acks = client.post("/services/collector/ack", json={"acks": list(range(RECORDS // BATCH))}, headers={"X-Splunk-Request-Channel": channel})
        report = hec.journal.delivery(records, key="RayID")
        counters = hec.journal.counters

    table = Table(title="Delivery")
    for column in ("sent", "delivered", "missing", "duplicated", "requests", "wire bytes", "decoded bytes", "acked"):
        table.add_column(column, justify="right")
    acked = sum(acks.json()["acks"].values())
    table.add_row(
        str(report.expected),
        str(report.delivered),
        str(len(report.missing)),
        str(report.duplicates),
        str(counters.requests),
        f"{counters.bytes_in:,}",
        f"{counters.bytes_decoded:,}",
        str(acked),
    )
    console.print(table)
    console.print(report.summary())
    if not report.complete:
        console.print("[red]FAIL[/red]: records were lost or duplicated")
        return 1
    console.print("[green]PASS[/green]: every record arrived exactly once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
