"""Records: every field present with its declared type and allowed values, for every dataset."""

import itertools

import pytest

from hecharness.generate import DATASET_NAMES, HAND_MODELLED, GenerateError, OutputOptionsError, RecordSource, get_dataset, records, timed_records
from hecharness.generate.fieldlist import reference_lists

from .conftest import sample
from .reference import documented_type

def test_every_field_is_present_in_order_with_its_declared_type(dataset):
    fields = get_dataset(dataset).fields
    for record in sample(dataset):
        assert list(record) == [f.name for f in fields]
        for field in fields:
            assert documented_type(field.type, record[field.name]), (field.name, field.type, record[field.name])


WITH_ENUMERATIONS = [name for name in DATASET_NAMES if any(f.values for f in get_dataset(name).fields)]


@pytest.mark.parametrize("dataset", WITH_ENUMERATIONS)
def test_enumerated_fields_stay_within_their_allowed_values(dataset):
    enumerated = [f for f in get_dataset(dataset).fields if f.values]
    for record in sample(dataset):
        for field in enumerated:
            values = record[field.name] if field.type.startswith("array") else [record[field.name]]
            assert all(field.allows(v) for v in values), (field.name, record[field.name])


@pytest.mark.parametrize("dataset", WITH_ENUMERATIONS)
def test_enumerations_are_used_not_just_their_first_value(dataset):
    # Realistic weights still produce variety: a field stuck on one value would hide bugs downstream.
    varied = {f.name for f in get_dataset(dataset).fields if f.values and len(f.values) > 1 and not f.deprecated}
    seen = {name: {repr(r[name]) for r in sample(dataset)} for name in varied}
    assert sum(len(values) > 1 for values in seen.values()) >= len(varied) * 0.6, seen


KEYED = [name for name in DATASET_NAMES if get_dataset(name).key is not None]


def test_only_a_dataset_without_an_identifying_field_has_no_key():
    # workers_trace_events has no ID and only a millisecond time: its records are told apart by their lines.
    assert [name for name in DATASET_NAMES if name not in KEYED] == ["workers_trace_events"]


@pytest.mark.parametrize("dataset", KEYED)
def test_the_natural_key_never_repeats_within_a_stream(dataset):
    key = get_dataset(dataset).key
    values = [r[key] for r in records(dataset, seed=3, count=20_000, fields=[key], rate=1e6)]
    assert len(set(values)) == len(values)


@pytest.mark.parametrize("dataset", KEYED)
def test_a_record_source_gives_each_items_key_without_its_record(dataset):
    source = RecordSource(dataset, seed=3, count=300, jitter=0.5)
    key = get_dataset(dataset).key
    for _, item in source:
        assert source.key(item) == source.record(item)[key]


def test_ray_ids_look_like_cloudflare_ray_ids():
    for record in sample("http_requests"):
        ray = record["RayID"]
        assert len(ray) == 16 and int(ray, 16) >= 0 and ray == ray.lower()


def test_event_times_start_at_start_and_advance_at_the_rate(dataset):
    event = get_dataset(dataset).event_time
    # An integer event time is in milliseconds (workers_trace_events' EventTimestampMs), a timestamp in nanoseconds.
    unit = 10**6 if get_dataset(dataset).field(event).type == "int" else 1
    times = [r[event] * unit for r in records(dataset, seed=1, count=2500, start=1_600_000_000.0, rate=250, fields=[event])]
    assert times[0] == 1_600_000_000 * 10**9
    assert times == sorted(times)
    per_second = [sum(1 for t in times if s * 10**9 <= t - times[0] < (s + 1) * 10**9) for s in range(10)]
    assert per_second == [250] * 10


def test_a_rate_profile_is_played_step_by_step():
    times = [r["Timestamp"] for r in records("dns_logs", count=40, start=0, rate=[(2, 10), (3, 0), (1, 5)], fields=["Timestamp"])]
    seconds = [t // 10**9 for t in times]
    assert [seconds.count(s) for s in range(7)] == [10, 10, 0, 0, 0, 5, 5]


def test_fractional_start_times_and_rates_are_exact():
    first, second = records("dns_logs", count=2, start=1_700_000_000.25, rate=3, fields=["Timestamp"])
    assert first["Timestamp"] == 1_700_000_000_250_000_000
    assert second["Timestamp"] == 1_700_000_000_583_333_333


def test_same_seed_same_records_other_seed_other_records(dataset):
    assert list(records(dataset, seed=5, count=300)) == list(records(dataset, seed=5, count=300))
    assert list(records(dataset, seed=5, count=300)) != list(records(dataset, seed=6, count=300))


def test_selecting_fields_projects_the_same_records():
    everything = list(records("http_requests", seed=2, count=500))
    chosen = ["ZoneName", "RayID", "EdgeEndTimestamp", "ClientIP", "SecurityActions"]
    assert list(records("http_requests", seed=2, count=500, fields=chosen)) == [{k: r[k] for k in chosen} for r in everything]
    assert list(records("http_requests", seed=2, count=500, fields=",".join(chosen))) == [{k: r[k] for k in chosen} for r in everything]


def test_deprecated_fields_come_only_when_asked_for():
    dataset = get_dataset("http_requests")
    deprecated = [f.name for f in dataset.fields if f.deprecated]
    assert deprecated == [
        "CacheResponseStatus", "FirewallForAIInjectionScore", "FirewallForAIPIICategories", "FirewallForAITokenCount",
        "FirewallForAIUnsafeTopicCategories", "OriginResponseBytes", "OriginResponseTime", "WAFFlags", "WAFMatchedVar",
    ]
    record = next(records("http_requests"))
    assert not set(deprecated) & set(record)
    assert set(next(records("http_requests", fields=["RayID", *deprecated]))) == {"RayID", *deprecated}
    assert next(records("http_requests", fields="all")) == record


def test_sampling_keeps_a_subset_in_order():
    everything = [r["RayID"] for r in records("http_requests", seed=4, count=6000, fields=["RayID"])]
    kept = [r["RayID"] for r in records("http_requests", seed=4, count=400, fields=["RayID"], sample_rate=0.1)]
    positions = [everything.index(ray) for ray in kept]
    assert positions == sorted(positions)
    assert 3000 < positions[-1] < 5500  # 400 kept out of about 4000


def test_sampling_keeps_about_the_requested_fraction():
    kept = list(records("dns_logs", seed=1, count=1000, fields=["Timestamp"], rate=1000, sample_rate=0.25))
    span = (kept[-1]["Timestamp"] - kept[0]["Timestamp"]) / 1e9
    assert 3.3 < span < 4.8  # 1000 kept of ~4000 generated at 1000/s


def test_jitter_reorders_the_same_records_by_availability():
    plain = list(records("firewall_events", seed=9, count=3000, fields=["RayID", "Datetime"]))
    timed = list(timed_records("firewall_events", seed=9, count=2000, fields=["RayID", "Datetime"], jitter=2.0, rate=1000))
    available = [t for t, _ in timed]
    assert available == sorted(available)
    assert all(0 <= t - r["Datetime"] / 1e9 <= 2.0 for t, r in timed)
    assert [r for _, r in timed] != plain[:2000]
    by_ray = {r["RayID"]: r for r in plain}
    assert all(by_ray[r["RayID"]] == r for _, r in timed)


def test_without_jitter_records_are_available_at_their_event_time():
    for available, record in timed_records("dns_logs", count=50, fields=["Timestamp"]):
        assert available == record["Timestamp"] / 1e9


def test_an_endless_stream_keeps_going():
    stream = records("network_analytics_logs", seed=1, fields=["Datetime"], rate=1e6)
    assert len(list(itertools.islice(stream, 5000))) == 5000


def test_count_zero_is_empty():
    assert list(records("http_requests", count=0)) == []


def test_range_events_is_spectrum_events():
    assert list(records("range_events", count=5)) == list(records("spectrum_events", count=5))


def test_the_ibm_profile_offers_only_ibm_fields():
    record = next(records("http_requests", profile="ibm-cis"))
    dataset = get_dataset("http_requests")
    assert set(record) == {f.name for f in dataset.fields if f.ibm_cis and not f.deprecated}
    assert "FraudAttack" not in record
    with pytest.raises(OutputOptionsError, match="'FraudAttack' is not offered by IBM CIS"):
        records("http_requests", profile="ibm-cis", fields=["FraudAttack"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"count": -1}, "count: expected a whole number of at least 0, got -1"),
        ({"count": 2.5}, "count: expected a whole number"),
        ({"seed": "one"}, "seed: expected an integer, got 'one'"),
        ({"rate": 0}, "rate: 0 records per second is out of range"),
        ({"rate": -5.0}, "rate: -5.0 records per second is out of range"),
        ({"rate": 2e9}, "rate: 2000000000.0 records per second is out of range"),
        ({"rate": float("nan")}, "rate: expected records per second, got nan"),
        ({"rate": [(1, 10), (2, "x")]}, "rate: expected records per second, got 'x'"),
        ({"rate": [(0, 10), (1, 5)]}, "rate: step 0 lasts 0 seconds"),
        ({"rate": [(1, 10), 3]}, r"rate: step 1 must be \(seconds, rate\)"),
        ({"rate": "fast"}, "rate: expected records per second or a list"),
        ({"start": float("inf")}, "start: expected epoch seconds, got inf"),
        ({"jitter": -1}, "jitter: -1 is out of range"),
        ({"sample_rate": 0}, "sample_rate: 0 is out of range"),
        ({"sample_rate": 1.5}, "sample_rate: 1.5 is out of range"),
        ({"fields": ["RayID", "RayID"]}, "field_names: 'RayID' is listed twice"),
        ({"fields": ["rayid"]}, "field_names: unknown field 'rayid' for http_requests \\(did you mean 'RayID'\\?\\)"),
        ({"fields": []}, "field_names: at least one field is required"),
        ({"profile": "aws"}, "unknown profile 'aws'"),
    ],
)
def test_bad_arguments_raise_one_line_errors_naming_the_value(arguments, message):
    with pytest.raises(GenerateError, match=message) as caught:
        records("http_requests", **arguments)
    assert "\n" not in str(caught.value)


def test_an_unknown_dataset_is_named_with_a_suggestion():
    with pytest.raises(GenerateError, match=r"unknown dataset 'firewall_event' \(did you mean 'firewall_events'\?\)"):
        records("firewall_event")


def test_network_analytics_is_not_on_ibm_cis():
    with pytest.raises(GenerateError, match="dataset 'network_analytics_logs' is not offered by IBM CIS"):
        records("network_analytics_logs", profile="ibm-cis")


def test_all_datasets_are_generated():
    assert DATASET_NAMES[:5] == ("http_requests", "firewall_events", "dns_logs", "spectrum_events", "network_analytics_logs")
    # The rest come from the reference field lists (#19): every dataset they hold is generated.
    assert set(DATASET_NAMES) == set(HAND_MODELLED) | {listed.name for listed in reference_lists()}
