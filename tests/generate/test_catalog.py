"""The field catalog the package carries: datasets, fields, types, profiles."""

import dataclasses
import json
from pathlib import Path

import pytest

from hecharness.generate import ALIASES, DATASET_NAMES, HAND_MODELLED, OutputOptionsError, UnknownDatasetError, get_dataset

TYPES = {"string", "int", "float", "bool", "object", "array[int]", "array[string]", "array[object]", "int or string"}


@pytest.mark.parametrize(
    ("name", "total", "deprecated", "ibm", "timestamps"),
    [
        ("http_requests", 123, 9, 99, ("EdgeEndTimestamp", "EdgeStartTimestamp")),
        ("firewall_events", 47, 4, 33, ("Datetime",)),
        ("dns_logs", 9, 0, 9, ("Timestamp",)),
        ("spectrum_events", 31, 0, 31, ("ConnectTimestamp", "DisconnectTimestamp", "Timestamp")),
        ("network_analytics_logs", 84, 0, 0, ("Datetime",)),
    ],
)
def test_datasets_carry_every_documented_field(name, total, deprecated, ibm, timestamps):
    dataset = get_dataset(name)
    assert len(dataset.fields) == total
    assert sum(f.deprecated for f in dataset.fields) == deprecated
    assert sum(f.ibm_cis for f in dataset.fields) == ibm
    assert dataset.timestamp_fields == timestamps
    assert dataset.key in dataset.field_names and dataset.event_time in timestamps
    for field in dataset.fields:
        assert field.type in TYPES and field.description and "\n" not in field.description
    assert len(set(dataset.field_names)) == total


def test_names_and_aliases():
    assert ALIASES == {"range_events": "spectrum_events"}
    assert get_dataset("range_events") is get_dataset("spectrum_events")
    assert get_dataset("range_events", "ibm-cis").ibm_name == "range_events"
    assert {get_dataset(n).scope for n in DATASET_NAMES} == {"zone", "account"}


def test_allowed_values_come_from_the_documentation():
    http = get_dataset("http_requests")
    assert http.field("ClientRequestSource").values[:3] == ("unknown", "eyeball", "purge")
    assert http.field("EdgePathingStatus").allows("")
    assert not http.field("CacheCacheStatus").allows("HIT")
    assert get_dataset("firewall_events").field("Kind").values == ("firewall",)
    assert get_dataset("network_analytics_logs").field("MitigationReason").allows("")


def test_selection_rules():
    http = get_dataset("http_requests")
    assert http.select(None) == http.select("all") == http.select(["all"]) == http.default_fields()
    assert http.select("RayID, ClientIP") == ("RayID", "ClientIP")
    assert "WAFFlags" not in http.default_fields() and http.select(["WAFFlags"]) == ("WAFFlags",)
    assert len(http.default_fields("ibm-cis")) == 94


@pytest.mark.parametrize(
    ("fields", "profile", "message"),
    [
        (["ClientIp"], "cloudflare", "field_names: unknown field 'ClientIp' for http_requests (did you mean 'ClientIP'?)"),
        (["RayID", "RayID"], "cloudflare", "field_names: 'RayID' is listed twice"),
        ([], "cloudflare", "field_names: at least one field is required"),
        ([3], "cloudflare", "field_names: field names must be strings, got 3"),
        (["PayPerCrawlStatus"], "ibm-cis", "field_names: 'PayPerCrawlStatus' is not offered by IBM CIS for http_requests"),
    ],
)
def test_bad_selections(fields, profile, message):
    with pytest.raises(OutputOptionsError) as caught:
        get_dataset("http_requests").select(fields, profile)
    assert str(caught.value) == message


def test_unknown_names():
    # audit_logs is generated from its field list since #19; a name no list has is still refused.
    with pytest.raises(UnknownDatasetError, match="unknown dataset 'audit_log' \\(did you mean 'audit_logs'\\?\\)"):
        get_dataset("audit_log")
    with pytest.raises(UnknownDatasetError, match="unknown profile 'IBM' \\(known: cloudflare, ibm-cis\\)"):
        get_dataset("dns_logs", "IBM")


def test_field_facts_match_the_snapshot_taken_before_rows_were_labelled():
    # data/field_facts.json was written from the catalog while fieldfacts.py still held positional rows:
    # relabelling the rows (#16) must not have changed a single name, type, value or flag. It was
    # written again, on purpose, when http_requests and firewall_events took Cloudflare's 2026 lists (#19).
    snapshot = json.loads((Path(__file__).parent / "data" / "field_facts.json").read_text())
    assert list(snapshot) == list(HAND_MODELLED)
    for name, fields in snapshot.items():
        now = [dataclasses.asdict(field) | {"values": list(field.values)} for field in get_dataset(name).fields]
        assert now == fields, name
