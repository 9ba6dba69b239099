"""A job's `filter` runs on every record: how fast the compiled predicate is, against a plain tree walk.

Three filters of growing size (the filters page's example, a mixed and/or of eight comparisons, the
most comparisons that fit in Logpush's 1,000 bytes) and the `filter_attack_traffic` mark run over the same 200,000
generated http_requests records. The compiled predicate reads the generator's plans, as the simulator
does; the baseline walks the parsed JSON over record dicts, the obvious way to write it. The last
columns put the predicate beside rendering the records, the work it saves when it drops them.

    python bench/bench_filters.py
"""

from __future__ import annotations

import json
import os
import time

from hecharness.generate import Encoder, OutputOptions, RecordSource, attack_mark
from hecharness.logpush.filters import parse_filter

RECORDS = 200_000
ROUNDS = 3


def leaf(key: str, operator: str, value) -> dict:
    return {"key": key, "operator": operator, "value": value}


FILTERS = {
    "filters page example (2)": {"and": [leaf("ClientRequestPath", "contains", "/static"), leaf("ClientRequestHost", "eq", "example.com")]},
    "and/or mix (8)": {"or": [
        {"and": [leaf("EdgeResponseStatus", "geq", 500), leaf("ClientRequestMethod", "!eq", "GET")]},
        {"and": [leaf("BotScore", "lt", "30"), leaf("SecuritySources", "contains", "waf")]},
        {"and": [leaf("ClientCountry", "in", ["us", "ca", "gb"]), leaf("ClientRequestPath", "startsWith", "/api")]},
        leaf("WorkerSubrequest", "eq", True), leaf("EdgeResponseContentType", "endsWith", "json"),
    ]},
}
# As many comparisons as fit in 1,000 bytes (about 20: the byte limit binds before the ~30 operators).
def _largest(n: int) -> dict:
    return {"or": [leaf("BotScore", "eq", 100 + i) for i in range(n)]}


_MOST = max(n for n in range(1, 31) if len(json.dumps({"where": _largest(n)}, separators=(",", ":"))) <= 1000)
FILTERS[f"largest that fits ({_MOST})"] = _largest(_MOST)


def walk(node: dict, record: dict) -> bool:
    """The baseline: the parsed JSON, interpreted per record."""
    if "and" in node:
        return all(walk(part, record) for part in node["and"])
    if "or" in node:
        return any(walk(part, record) for part in node["or"])
    op, value, actual = node["operator"], node["value"], record.get(node["key"])
    negated = op.startswith("!")
    op = op.removeprefix("!")
    if isinstance(value, str) and op in ("lt", "leq", "gt", "geq"):
        value = float(value)
    if op == "eq":
        result = actual == value
    elif op == "in":
        result = actual in value
    elif op == "contains":
        result = actual is not None and value in actual
    elif op == "startsWith":
        result = (actual or "").startswith(value)
    elif op == "endsWith":
        result = (actual or "").endswith(value)
    else:
        result = actual is not None and {"lt": actual < value, "leq": actual <= value, "gt": actual > value, "geq": actual >= value}[op]
    return not result if negated else result


def best(run) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    source = RecordSource("http_requests", seed=1, count=RECORDS)
    texts = {name: json.dumps({"where": node}, separators=(",", ":")) for name, node in FILTERS.items()}
    parsed = {name: parse_filter(text, "http_requests") for name, text in texts.items()}  # refused before the long part
    items = [item for _, item in source]
    dicts = [source.record(item) for item in items]
    render = source.renderer(Encoder("http_requests", OutputOptions.from_job({})))
    render_seconds = best(lambda: [render(item) for item in items])

    rows = []
    for name, node in FILTERS.items():
        predicate = parsed[name].compile(source.getter)
        kept = sum(map(predicate, items))
        assert kept == sum(walk(node, record) for record in dicts), name
        compiled = best(lambda: sum(map(predicate, items)))
        walked = best(lambda: sum(walk(node, record) for record in dicts))
        rows.append((name, kept, compiled, walked))

    mark = attack_mark("http_requests")
    read, test = source.getter(mark.field), mark.test
    attack = best(lambda: sum(1 for item in items if test(read(item))))

    print("## Filters: a job's filter per record")
    print()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{RECORDS:,} generated http_requests records, best of {ROUNDS}; one core; load average {load} at the end "
          f"(on {os.cpu_count()} cores). Rendering them (all fields, ndjson) runs at {RECORDS / render_seconds / 1e3:,.0f}k "
          "records/s in the same run, for scale. A filter reads each field it names at most once per record.")
    print()
    print("| Filter (comparisons) | Kept | Compiled, on plans (k rec/s) | Tree walk, on dicts (k rec/s) | Speedup | Predicate / render time |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, kept, compiled, walked in rows:
        print(f"| {name} | {kept:,} | {RECORDS / compiled / 1e3:,.0f} | {RECORDS / walked / 1e3:,.0f} | "
              f"{walked / compiled:.1f}x | {compiled / render_seconds:.0%} |")
    print(f"| filter_attack_traffic mark | - | {RECORDS / attack / 1e3:,.0f} | - | - | {attack / render_seconds:.0%} |")
    print()


if __name__ == "__main__":
    main()
