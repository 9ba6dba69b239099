"""Record generator benchmark (issue 5): http_requests records to ndjson bytes, against faker per field.

Variants, all producing newline-delimited JSON bytes for http_requests, one process, one core:

- **naive baseline**: what a generator written the obvious way does: one faker call for every field
  of every record (an enumeration draws from its allowed values through faker too), then
  `orjson.dumps` per record.
- **hecharness, encoded_stream**: `hecharness.generate.encoded_stream`, the path `hecharness
  generate` and the Logpush simulator's fast path use: pools built once, records rendered from
  pre-encoded fragments.
- **hecharness, records + Encoder**: `records()` dicts encoded by `Encoder.encode_batch`, the
  general path for callers that need each record as a dict (informational).

Each runs with all (non-deprecated) fields, with every documented field (deprecated ones and
`Subrequests` included: Cloudflare's 123) and with a 10-field selection. Then every other dataset, all
fields (deprecated ones too), through `encoded_stream`: one row each beside http_requests (issue 19). Rates are given per
second of this process's CPU time (what one core does) and per second of wall time; on a shared
machine the two differ by however much of the core other processes took. The CPU other processes
used during a run is measured from /proc/stat; a run during which they used more than a quarter of
a core is repeated, up to three times, and the quietest attempt is kept. Pool building is done
before timing and reported on its own line.

Memory: two child processes stream 100,000 and 10,000,000 full-width records to /dev/null and
report their peak RSS; flat means the two peaks are within 50 MB.

    python bench/bench_generate.py             # prints the Markdown section
    python bench/bench_generate.py datasets    # only the per-dataset table (about a minute)
    python bench/run.py generate               # the whole section, written into bench/RESULTS.md
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from dataclasses import dataclass

import orjson
from faker import Faker

from _common import busy_seconds
from hecharness.generate import DATASET_NAMES, Encoder, encoded_stream, get_dataset, records

DATASET = "http_requests"
TEN_FIELDS = ("RayID", "EdgeStartTimestamp", "EdgeEndTimestamp", "ClientIP", "ClientRequestHost", "ClientRequestMethod",
              "ClientRequestURI", "EdgeResponseStatus", "EdgeResponseBytes", "CacheCacheStatus")
RATE = 5000.0
ATTEMPTS = 3
QUIET_CORES = 0.25
TARGET_RATIO = 50
TARGET_RATE = 100_000
FLAT_MB = 50
MEMORY_COUNTS = (100_000, 10_000_000)
DATASET_COUNT = 200_000


def naive_records(fields, count: int, seed: int = 1):
    """The baseline: faker for every field of every record."""
    fake = Faker()
    fake.seed_instance(seed)
    dataset = get_dataset(DATASET)
    makers = [(name, _naive_maker(fake, dataset.field(name))) for name in fields]
    for _ in range(count):
        yield {name: make() for name, make in makers}


def _naive_maker(fake: Faker, field):
    name = field.name
    if field.values:
        return lambda: fake.random_element(field.values)
    if field.is_timestamp:
        return lambda: int(fake.unix_time() * 1e9)
    if field.type == "string":
        if name.endswith("IP"):
            return fake.ipv4_public
        if name.endswith("UserAgent"):
            return fake.user_agent
        if name.endswith("Host") or name == "ZoneName":
            return fake.domain_name
        if name.endswith(("Path", "URI", "Referer")):
            return fake.uri
        if name.endswith("Country"):
            return lambda: fake.country_code().lower()
        if name.endswith("City"):
            return fake.city
        if name.endswith("RayID"):
            return lambda: fake.hexify("^" * 16)
        return fake.pystr
    return {
        "int": fake.pyint,
        "float": fake.pyfloat,
        "bool": fake.pybool,
        "object": lambda: {fake.word(): fake.word()},
        "array[int]": lambda: [fake.pyint() for _ in range(fake.random_int(0, 2))],
        "array[string]": lambda: [fake.word() for _ in range(fake.random_int(0, 2))],
        "array[object]": lambda: [{fake.word(): fake.word()} for _ in range(fake.random_int(0, 2))],
    }[field.type]


@dataclass(frozen=True)
class Run:
    records: int
    size: int
    cpu: float  # seconds of this process's CPU
    wall: float
    others: float  # cores other processes kept busy meanwhile

    @property
    def rate(self) -> float:
        return self.records / self.cpu

    @property
    def wall_rate(self) -> float:
        return self.records / self.wall


def naive(fields, count: int) -> int:
    return sum(len(orjson.dumps(record)) + 1 for record in naive_records(fields, count))


def stream(fields, count: int) -> int:
    return sum(len(piece) for piece in encoded_stream(DATASET, {"field_names": list(fields)}, count=count, rate=RATE))


def dicts(fields, count: int) -> int:
    encoder = Encoder(DATASET, {"field_names": list(fields)})
    generated = records(DATASET, count=count, rate=RATE, fields=fields)
    size = 0
    while chunk := list(itertools.islice(generated, 1000)):
        size += len(encoder.encode_batch(chunk))
    return size


def measure(produce, fields, count: int, attempts: int = ATTEMPTS) -> Run:
    """Time `produce`, again when other processes were busy, keeping the quietest attempt."""
    runs = []
    for _ in range(attempts):
        busy, cpu, wall = busy_seconds(), time.process_time(), time.perf_counter()
        size = produce(fields, count)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        runs.append(Run(count, size, cpu, wall, max(0.0, (busy_seconds() - busy - cpu) / wall)))
        if runs[-1].others <= QUIET_CORES:
            break
    return min(runs, key=lambda run: run.others)


def peak_rss_mb(count: int) -> float:
    """Peak resident memory of a fresh process streaming `count` full-width records to /dev/null."""
    code = (
        "import os, resource, sys\n"
        "from hecharness.generate import encoded_stream\n"
        "with open(os.devnull, 'wb') as sink:\n"
        f"    for piece in encoded_stream({DATASET!r}, None, count=int(sys.argv[1]), rate={RATE}):\n"
        "        sink.write(piece)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(count)], capture_output=True, text=True, check=True)
    return int(run.stdout.strip()) / 1024


def every_dataset() -> None:
    """One row per dataset, all fields: the field-list datasets must keep the hand-modelled ones' speed class."""
    load_before = os.getloadavg()[0]
    rows = []
    for name in DATASET_NAMES:
        dataset = get_dataset(name)
        options = {"field_names": list(dataset.field_names)}
        list(encoded_stream(name, options, count=1))  # pools and fragments, before timing

        def produce(fields, count, name=name, options=options):
            return sum(len(piece) for piece in encoded_stream(name, options, count=count, rate=RATE))

        rows.append((dataset, measure(produce, None, DATASET_COUNT)))
    print("### Every dataset, all fields (deprecated ones too), encoded_stream to ndjson, one core\n")
    print("| dataset | made from | fields | records | records/s (CPU) | MB/s (CPU) | bytes/record | other processes | ≥ 100k/s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for dataset, run in rows:
        origin = "field list" if dataset.listed else "hand model"
        print(f"| {dataset.name} | {origin} | {len(dataset.fields)} | {run.records:,} | {run.rate:,.0f} | "
              f"{run.size / run.cpu / 1e6:,.1f} | {run.size / run.records:,.0f} | {run.others:.2f} cores | "
              f"{'PASS' if run.rate >= TARGET_RATE else 'FAIL'} |")
    print()
    print(f"Load average (1 min) on this shared machine: {load_before:.2f} before, {os.getloadavg()[0]:.2f} after.")


def main() -> int:
    if sys.argv[1:] == ["datasets"]:
        every_dataset()
        return 0
    load_before = os.getloadavg()[0]
    all_fields = get_dataset(DATASET).default_fields()
    every_field = get_dataset(DATASET).field_names
    started = time.perf_counter()
    list(encoded_stream(DATASET, {"field_names": list(all_fields)}, count=1))
    list(encoded_stream(DATASET, {"field_names": list(every_field)}, count=1))
    list(encoded_stream(DATASET, {"field_names": list(TEN_FIELDS)}, count=1))
    setup = time.perf_counter() - started

    rows = []
    layouts = ((f"all {len(all_fields)} fields", all_fields), (f"every {len(every_field)} documented fields", every_field),
               ("10 fields", TEN_FIELDS))
    for label, fields in layouts:
        baseline = measure(naive, fields, 1_000 if len(fields) > 10 else 10_000, attempts=1)
        rows.append(("naive baseline (faker per field)", label, baseline, 1.0))
        for name, produce, count in (("hecharness encoded_stream", stream, 500_000 if len(fields) > 10 else 1_000_000),
                                     ("hecharness records + Encoder", dicts, 200_000)):
            run = measure(produce, fields, count)
            rows.append((name, label, run, run.rate / baseline.rate))

    memory = {count: peak_rss_mb(count) for count in MEMORY_COUNTS}
    load_after = os.getloadavg()[0]

    print("### Record generator: http_requests to ndjson, one core\n")
    print("| variant | fields | records | records/s (CPU) | MB/s (CPU) | records/s (wall) | × naive baseline | other processes |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, label, run, ratio in rows:
        print(f"| {name} | {label} | {run.records:,} | {run.rate:,.0f} | {run.size / run.cpu / 1e6:,.1f} | "
              f"{run.wall_rate:,.0f} | {ratio:,.0f}× | {run.others:.2f} cores |")
    full = next(r for r in rows if r[0] == "hecharness encoded_stream" and r[1].startswith("all"))
    every = next(r for r in rows if r[0] == "hecharness encoded_stream" and r[1].startswith("every"))
    ten = next(r for r in rows if r[0] == "hecharness encoded_stream" and r[1] == "10 fields")
    print()
    print("CPU rates are records per second of this process's CPU time, i.e. what one core does; wall rates also")
    print("count time other processes took the core. MB = 10^6 bytes of ndjson.")
    print()
    print(f"Setup before the first record (faker-built pools for the seed, fragments for the layouts): {setup:.2f} s, once per process.")
    print()
    small, large = memory[MEMORY_COUNTS[0]], memory[MEMORY_COUNTS[1]]
    print("| streamed to /dev/null (all fields) | peak RSS |")
    print("|---|---:|")
    for count, mb in memory.items():
        print(f"| {count:,} records | {mb:,.1f} MB |")
    print()
    print("Targets:")
    print(f"- all fields ≥ {TARGET_RATE:,} records/s on one core: {full[2].rate:,.0f} → {'PASS' if full[2].rate >= TARGET_RATE else 'FAIL'}")
    print(f"- every documented field ({len(every_field)}) ≥ {TARGET_RATE:,} records/s on one core: {every[2].rate:,.0f} → "
          f"{'PASS' if every[2].rate >= TARGET_RATE else 'FAIL'}")
    print(f"- ≥ {TARGET_RATIO}× the naive baseline: all fields {full[3]:,.0f}×, 10 fields {ten[3]:,.0f}× → "
          f"{'PASS' if min(full[3], ten[3]) >= TARGET_RATIO else 'FAIL'}")
    print(f"- memory flat within {FLAT_MB} MB from {MEMORY_COUNTS[0]:,} to {MEMORY_COUNTS[1]:,} records: "
          f"{large - small:+.1f} MB → {'PASS' if abs(large - small) <= FLAT_MB else 'FAIL'}")
    print()
    print(f"Load average (1 min) on this shared machine: {load_before:.2f} before, {load_after:.2f} after.")
    print()
    every_dataset()
    return 0


if __name__ == "__main__":
    sys.exit(main())
