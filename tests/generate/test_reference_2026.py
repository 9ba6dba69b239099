"""http_requests and firewall_events against Cloudflare's 2026 field lists (the package's copy of the reference).

The catalog must name every documented field in the documented order, with its type, deprecation and
allowed values, and every generated record must carry each field with a value of that type, in every
timestamp format a job can ask for.
"""

import orjson
import pytest

from hecharness.generate import TIMESTAMP_FORMATS, Encoder, get_dataset

from .conftest import sample
from .reference import PROSE_VALUES, documented_type
from .reference import REFERENCE as LISTS

REFERENCE = {name: LISTS[name] for name in ("http_requests", "firewall_events")}


@pytest.mark.parametrize("name", list(REFERENCE))
def test_the_catalog_has_the_documented_fields_types_and_values(name):
    documented = REFERENCE[name]["fields"]
    dataset = get_dataset(name)
    assert len(dataset.fields) == REFERENCE[name]["field_count"] == len(documented)
    assert dataset.field_names == tuple(f["name"] for f in documented)
    for fact in documented:
        field = dataset.field(fact["name"])
        assert (field.type, field.deprecated) == (fact["type"], fact["deprecated"]), fact["name"]
        if (name, fact["name"]) not in PROSE_VALUES:
            assert list(field.values) == fact["values"], fact["name"]


@pytest.mark.parametrize("timestamp_format", TIMESTAMP_FORMATS)
@pytest.mark.parametrize("name", list(REFERENCE))
def test_every_documented_field_is_generated_with_its_documented_type(name, timestamp_format):
    documented = REFERENCE[name]["fields"]
    encoder = Encoder(name, {"field_names": [f["name"] for f in documented], "timestamp_format": timestamp_format})
    lines = encoder.encode_batch(sample(name, 2000)).splitlines()
    assert len(lines) == 2000
    for line in lines:
        record = orjson.loads(line)
        assert list(record) == [f["name"] for f in documented]
        for fact in documented:
            value = record[fact["name"]]
            assert documented_type(fact["type"], value, timestamp_format), (fact["name"], fact["type"], value)
            if fact["values"] and (name, fact["name"]) not in PROSE_VALUES:
                assert all(v in fact["values"] for v in (value if isinstance(value, list) else [value])), (fact["name"], value)


def test_new_values_and_object_shapes_are_generated():
    http = sample("http_requests", 6000)
    assert {r["ClientTLSKeyExchangeGroup"] for r in http} == {"X25519MLKEM768", "X25519", "P-256", "UNK", "NONE"}
    assert any(a.startswith("precursor") for r in http for a in r["SecurityActions"])
    assert "precursor" in {s for r in http for s in r["SecuritySources"]}
    matched = [group for r in http for group in r["MatchedRules"]]
    assert matched and {g["product"] for g in matched} <= {"transform", "redirects", "snippets", "origin"}
    for group in matched:
        assert set(group) == {"product", "rulesetId", "rulesetVersion", "rules"} and type(group["rulesetVersion"]) is int
        assert group["rules"] and all(set(rule) <= {"id", "metadata"} and isinstance(rule["id"], str) for rule in group["rules"])
        assert all(all(isinstance(v, str) for v in rule.get("metadata", {}).values()) for rule in group["rules"])
    topics = [r["AISecurityCustomTopicCategories"] for r in http if r["AISecurityCustomTopicCategories"]]
    assert topics and all(1 <= score <= 99 for t in topics for score in t.values())
    assert any(a.startswith("precursor") for r in sample("firewall_events") for a in [r["Action"]])


def test_deprecated_ai_fields_carry_the_values_of_their_new_names():
    for record in sample("http_requests", 6000):
        for old in ("InjectionScore", "PIICategories", "TokenCount", "UnsafeTopicCategories"):
            assert record[f"FirewallForAI{old}"] == record[f"AISecurity{old}"]
    assert any(r["AISecurityTokenCount"] for r in sample("http_requests", 6000))


def test_prompts_have_tokens_and_signatures_follow_attacks():
    for record in sample("http_requests", 6000):
        assert bool(record["AISecurityTokenCount"]) == (record["AISecurityInjectionScore"] > 0)
        assert len(record["WAFRequestSignatureRefs"]) >= len(record["WAFRequestSignatureCategories"])
        if record["WAFRequestSignatureRefs"]:
            assert "firewallManaged" in record["SecuritySources"]
