"""Every dataset of Cloudflare's 2026 field lists is generated with every documented field, each of its documented type.

The lists are read from the package's copy (hecharness/generate/data/logpush-fields-2026.json, taken from
the project's reference), not from the catalog, so the catalog cannot drift from them unseen. One mechanism
for all datasets: the hand-modelled ones (http_requests, firewall_events) and those generated from their lists.
"""

from __future__ import annotations

import json

import pytest

from hecharness.generate import HAND_MODELLED, encoded_stream, get_dataset, records

from .reference import PROSE_VALUES, REFERENCE, documented_type


def _documented(name: str) -> list[tuple[str, str | None, list]]:
    return [(field["name"], field["type"], field["values"]) for field in REFERENCE[name]["fields"]]


def _sample(name: str) -> list[dict]:
    dataset = get_dataset(name)
    return list(records(name, seed=11, count=400, fields=dataset.field_names))


@pytest.mark.parametrize("name", list(REFERENCE))
def test_every_documented_field_is_generated(name):
    assert get_dataset(name).field_names == tuple(field for field, _, _ in _documented(name))


@pytest.mark.parametrize("name", list(REFERENCE))
def test_each_field_has_its_documented_type_and_values(name):
    dataset = get_dataset(name)
    documented = [(field, kind, values) for field, kind, values in _documented(name) if dataset.has(field)]
    assert len(documented) >= len(REFERENCE[name]["fields"]) * 0.8  # most are checked even where the list is newer
    for record in _sample(name):
        for field, kind, values in documented:
            value = record[field]
            assert documented_type(kind, value), (field, kind, value)
            if values and (name, field) not in PROSE_VALUES:
                # An enumeration documented as empty when it does not apply (Field.optional) may be "".
                allowed = set(values) | ({""} if dataset.field(field).optional else set())
                assert set(value if isinstance(value, list) else [value]) <= allowed, (field, value)


@pytest.mark.parametrize("name", [n for n in REFERENCE if n not in HAND_MODELLED])
@pytest.mark.parametrize("timestamps", ["unixnano", "unix", "rfc3339"])
def test_time_fields_follow_the_jobs_timestamp_format(name, timestamps):
    dataset = get_dataset(name)
    times = dataset.timestamp_fields
    lines = b"".join(encoded_stream(name, {"field_names": list(dataset.field_names), "timestamp_format": timestamps},
                                    seed=11, count=50)).splitlines()
    for line in lines:
        record = json.loads(line)
        for field in times:
            value = record[field]
            if timestamps == "rfc3339":
                assert isinstance(value, str) and value.endswith("Z") and value[10] == "T", (field, value)
            else:
                assert type(value) is int and (value > 10**18 if timestamps == "unixnano" else 10**9 < value < 10**10), (field, value)


def test_every_listed_dataset_has_a_time_to_follow():
    for name in REFERENCE:
        dataset = get_dataset(name)
        assert dataset.event_time is not None and dataset.has(dataset.event_time), name
