"""Synthetic Logpush records: every field of every dataset, seeded, fast, in Logpush's formats.

    from hecharness.generate import records, Encoder, OutputOptions

    for record in records("http_requests", seed=1, count=3, rate=5000):
        print(record["RayID"], record["EdgeStartTimestamp"])

    encoder = Encoder("http_requests", "fields=RayID,EdgeStartTimestamp&timestamps=rfc3339")
    body = encoder.encode_batch(records("http_requests", seed=1, count=100))

- `records` / `timed_records`: endless (or `count`-long) streams of dicts, timestamps in ns.
- `Encoder`: records to the exact bytes a job with given output options uploads.
- `batches` / `encoded_stream`: generation and encoding in one, several times faster.
- `RecordSource`: records as they become available, rendered by any encoder without dicts.
- `OutputOptions`: a job's ``output_options`` object or ``logpull_options`` string, checked.
- `get_dataset`: fields, types, allowed values and the natural `key` of each dataset.
- `attack_mark`: which records of a dataset are DDoS attack traffic, read from their fields.
- `add_field_list`: more datasets, from a field list file in the reference's format.

Datasets: five hand-modelled ones, whose fields agree with one another (http_requests,
firewall_events, dns_logs, spectrum_events (IBM: range_events), network_analytics_logs), and every
other dataset of Cloudflare's 2026 field lists (gateway_http, gateway_dns, audit_logs, ...),
generated from its field list alone.
"""

from hecharness.generate.attacks import ATTACK_MARKS, AttackMark, attack_mark
from hecharness.generate.catalog import (
    ALIASES,
    DATASET_NAMES,
    HAND_MODELLED,
    PROFILES,
    Dataset,
    Field,
    add_field_list,
    dataset_names,
    get_dataset,
)
from hecharness.generate.encode import Encoder
from hecharness.generate.errors import GenerateError, OutputOptionsError, UnknownDatasetError
from hecharness.generate.fieldlist import FieldListError
from hecharness.generate.options import OUTPUT_TYPES, OutputOptions
from hecharness.generate.render import TIMESTAMP_FORMATS
from hecharness.generate.stream import DEFAULT_RATE, RecordSource, batches, encoded_stream, records, timed_records
from hecharness.generate.event_times import DEFAULT_START

__all__ = [
    "ALIASES",
    "ATTACK_MARKS",
    "AttackMark",
    "DATASET_NAMES",
    "DEFAULT_RATE",
    "DEFAULT_START",
    "OUTPUT_TYPES",
    "PROFILES",
    "TIMESTAMP_FORMATS",
    "Dataset",
    "Encoder",
    "Field",
    "FieldListError",
    "GenerateError",
    "HAND_MODELLED",
    "OutputOptions",
    "OutputOptionsError",
    "RecordSource",
    "UnknownDatasetError",
    "add_field_list",
    "attack_mark",
    "batches",
    "dataset_names",
    "encoded_stream",
    "get_dataset",
    "records",
    "timed_records",
]
