"""The `filter` language: what the API refuses, and that the compiled predicate means what the JSON says."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hecharness.generate import RecordSource, records
from hecharness.logpush.filters import MAX_BYTES, MAX_COMPARISONS, FilterError, parse_filter


def where(node: dict) -> str:
    return json.dumps({"where": node}, separators=(",", ":"))


def leaf(key: str, operator: str, value) -> dict:
    return {"key": key, "operator": operator, "value": value}


def keep(text: str, dataset: str = "http_requests"):
    parsed = parse_filter(text, dataset)
    assert parsed is not None
    return parsed.compile(lambda name: lambda record: record.get(name))


def refused(text, dataset: str = "http_requests") -> str:
    with pytest.raises(FilterError) as caught:
        parse_filter(text, dataset)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- what is accepted -------------------------------------------------------------------------------


def test_cloudflare_examples_parse():
    documented = (
        '{"where":{"and":[{"key":"ClientRequestPath","operator":"contains","value":"/static"},'
        '{"key":"ClientRequestHost","operator":"eq","value":"example.com"}]}}'
    )
    parsed = parse_filter(documented, "http_requests")
    assert parsed is not None and parsed.fields == ("ClientRequestHost", "ClientRequestPath")
    assert parse_filter(where(leaf("BotScore", "lt", "30")), "http_requests") is not None  # numbers as strings
    assert parse_filter(where(leaf("EdgeResponseStatus", "in", [500, 502])), "http_requests") is not None


@pytest.mark.parametrize("empty", [None, ""])
def test_no_filter(empty):
    assert parse_filter(empty, "http_requests") is None


def test_and_or_nest_both_ways():
    x, y, z = leaf("ClientRequestHost", "eq", "a.com"), leaf("EdgeResponseStatus", "eq", 200), leaf("ClientCountry", "eq", "us")
    and_of_or = keep(where({"and": [x, {"or": [y, z]}]}))
    or_of_and = keep(where({"or": [{"and": [x, y]}, z]}))
    record = {"ClientRequestHost": "a.com", "EdgeResponseStatus": 404, "ClientCountry": "us"}
    assert and_of_or(record) and or_of_and(record)
    record["ClientCountry"] = "de"
    assert not and_of_or(record) and not or_of_and(record)


@pytest.mark.parametrize(
    ("node", "record", "expected"),
    [
        (leaf("ClientRequestHost", "eq", "a.com"), {"ClientRequestHost": "a.com"}, True),
        (leaf("ClientRequestHost", "!eq", "a.com"), {"ClientRequestHost": "a.com"}, False),
        (leaf("EdgeResponseStatus", "eq", "200"), {"EdgeResponseStatus": 200}, True),
        (leaf("WorkerSubrequest", "eq", True), {"WorkerSubrequest": True}, True),
        (leaf("WorkerSubrequest", "eq", "false"), {"WorkerSubrequest": True}, False),
        (leaf("BotScore", "lt", 30), {"BotScore": 29}, True),
        (leaf("BotScore", "lt", 30), {"BotScore": 30}, False),
        (leaf("BotScore", "leq", 30), {"BotScore": 30}, True),
        (leaf("BotScore", "gt", "30"), {"BotScore": 31}, True),
        (leaf("BotScore", "geq", 30), {"BotScore": 29}, False),
        (leaf("EdgeResponseCompressionRatio", "gt", "1.5"), {"EdgeResponseCompressionRatio": 2.25}, True),
        (leaf("EdgeResponseStatus", "in", [500, "502"]), {"EdgeResponseStatus": 502}, True),
        (leaf("EdgeResponseStatus", "!in", [500, 502]), {"EdgeResponseStatus": 502}, False),
        (leaf("ClientCountry", "in", ["us", "ca"]), {"ClientCountry": "de"}, False),
        (leaf("ClientRequestPath", "startsWith", "/api"), {"ClientRequestPath": "/api/v1"}, True),
        (leaf("ClientRequestPath", "!startsWith", "/api"), {"ClientRequestPath": "/api/v1"}, False),
        (leaf("ClientRequestPath", "endsWith", ".js"), {"ClientRequestPath": "/app.js"}, True),
        (leaf("ClientRequestPath", "!endsWith", ".js"), {"ClientRequestPath": "/app.css"}, True),
        (leaf("ClientRequestPath", "contains", "/static"), {"ClientRequestPath": "/a/static/x"}, True),
        (leaf("ClientRequestPath", "!contains", "/static"), {"ClientRequestPath": "/a/static/x"}, False),
        (leaf("SecuritySources", "contains", "waf"), {"SecuritySources": ["ip", "waf"]}, True),
        (leaf("SecuritySources", "contains", "wa"), {"SecuritySources": ["ip", "waf"]}, False),  # elements, not text
        (leaf("BotDetectionIDs", "contains", "42"), {"BotDetectionIDs": [7, 42]}, True),
        (leaf("SecuritySources", "!contains", "waf"), {"SecuritySources": []}, True),
        # A given record without the field: no comparison holds, every negation does.
        (leaf("BotScore", "lt", 30), {}, False),
        (leaf("ClientRequestPath", "startsWith", "/"), {}, False),
        (leaf("ClientRequestHost", "!eq", "a.com"), {}, True),
    ],
)
def test_each_operator(node, record, expected):
    assert keep(where(node))(record) is expected


def test_firewall_events_fields_outside_the_exclusions_filter():
    assert parse_filter(where(leaf("ClientIP", "eq", "192.0.2.1")), "firewall_events") is not None


# --- what is refused, and how the message says so ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{}", "must contain the where key"),
        ('{"where": {"key": "BotScore", "operator": "lt", "value": 1}, "limit": 3}', "unknown key 'limit'"),
        ("not json", "not valid JSON"),
        ("[1, 2]", "JSON object with a where key, got a list"),
        (where({"and": []}), "where.and must be a non-empty list of conditions, got an empty list"),
        (where({"or": "x"}), "where.or must be a non-empty list"),
        (where({"and": [leaf("BotScore", "lt", 1)], "or": [leaf("BotScore", "lt", 1)]}), "'and' beside 'or'"),
        (where({"and": ["BotScore"]}), "where.and[0] must be an object"),
        (where({"keys": "BotScore", "operator": "lt", "value": 1}), "unknown key 'keys' (did you mean 'key'?)"),
        (where({"key": "BotScore", "operator": "lt"}), "where has no 'value'"),
        (where(leaf("BotScroe", "lt", 1)), "where.key 'BotScroe' is not a field of http_requests (did you mean 'BotScore'?)"),
        (where(leaf(7, "eq", 1)), "where.key must be a field name"),
        (where(leaf("BotScore", "neq", 1)), "where.operator 'neq' is not a Logpush operator (did you mean '!eq'?)"),
        (where(leaf("BotScore", "startswith", "1")), "(did you mean 'startsWith'?)"),
        (where(leaf("BotScore", "like", 1)), "use one of eq, lt"),
        (where(leaf("ClientRequestHost", "lt", "a")), "'lt' works on number fields; ClientRequestHost is string"),
        (where(leaf("SecuritySources", "eq", "waf")), "'eq' works on bool or number or string fields; SecuritySources is array[string]"),
        (where(leaf("WorkerSubrequest", "in", [True])), "'in' works on number or string fields"),
        (where(leaf("BotScore", "lt", "thirty")), 'where.value must be a number (or a string holding one) for BotScore (int), got "thirty"'),
        (where(leaf("BotScore", "lt", True)), "must be a number"),
        (where(leaf("ClientRequestHost", "eq", 7)), "must be a string for ClientRequestHost (string), got 7"),
        (where(leaf("WorkerSubrequest", "eq", "yes")), "must be true or false"),
        (where(leaf("EdgeResponseStatus", "in", 500)), "for 'in' must be a non-empty list, e.g. [200,201], got a number"),
        (where(leaf("EdgeResponseStatus", "in", [])), "got an empty list"),
        (where(leaf("EdgeResponseStatus", "in", [500, "oops"])), "where.value[1] must be a number"),
        (where(leaf("Cookies", "eq", "a")), "where.key 'Cookies' is object, which Logpush cannot filter on"),
        (7, "filter must be a string holding JSON, got int"),
    ],
)
def test_refusals_name_the_place_and_the_problem(text, words):
    assert words in refused(text)


@pytest.mark.parametrize("name", ["Action", "Description", "Kind", "MatchIndex", "Metadata", "OriginatorRayID", "RuleID", "Source"])
def test_firewall_events_fields_that_cannot_be_filtered(name):
    assert f"where.key {name!r} cannot be filtered on in firewall_events" in refused(where(leaf(name, "eq", "x")), "firewall_events")


def test_at_most_about_thirty_comparisons():
    few = [leaf("BotScore", "eq", n) for n in range(20)]
    assert parse_filter(where({"or": few}), "http_requests") is not None
    many = [leaf("BotScore", "eq", n) for n in range(MAX_COMPARISONS + 1)]
    assert f"filter has {MAX_COMPARISONS + 1} comparisons" in refused(where({"or": many}))


def test_at_most_about_a_thousand_bytes():
    text = where(leaf("ClientRequestPath", "contains", "x" * (MAX_BYTES - 80)))
    assert len(text.encode()) <= MAX_BYTES and parse_filter(text, "http_requests") is not None
    longer = where(leaf("ClientRequestPath", "contains", "x" * MAX_BYTES))
    assert f"filter is {len(longer.encode()):,} bytes" in refused(longer)


# --- the compiled predicate against a plain reading of the JSON -------------------------------------

FIELDS = {  # field -> (type, values records take)
    "ClientRequestHost": ("string", ["a.com", "b.com", "api.a.com", ""]),
    "EdgeResponseStatus": ("int", [200, 301, 404, 500, 502]),
    "WorkerSubrequest": ("bool", [True, False]),
    "SecuritySources": ("array", [[], ["waf"], ["ip", "rateLimit"], ["waf", "l7ddos"]]),
}
OPS = {
    "string": ["eq", "!eq", "in", "!in", "startsWith", "endsWith", "!startsWith", "!endsWith", "contains", "!contains"],
    "int": ["eq", "!eq", "lt", "leq", "gt", "geq", "in", "!in"],
    "bool": ["eq", "!eq"],
    "array": ["contains", "!contains"],
}


def reference(node: dict, record: dict) -> bool:
    """What the filters page says, read literally and slowly."""
    if "and" in node:
        return all(reference(part, record) for part in node["and"])
    if "or" in node:
        return any(reference(part, record) for part in node["or"])
    op, value, actual = node["operator"], node["value"], record[node["key"]]
    if op.startswith("!"):
        return not reference({**node, "operator": op[1:]}, record)
    if op == "in":
        return actual in value
    if op == "contains":
        return value in actual
    return {
        "eq": lambda: actual == value,
        "lt": lambda: actual < value,
        "leq": lambda: actual <= value,
        "gt": lambda: actual > value,
        "geq": lambda: actual >= value,
        "startsWith": lambda: actual.startswith(value),
        "endsWith": lambda: actual.endswith(value),
    }[op]()


@st.composite
def comparisons(draw):
    name = draw(st.sampled_from(sorted(FIELDS)))
    kind, values = FIELDS[name]
    op = draw(st.sampled_from(OPS[kind]))
    if kind == "array":
        value = draw(st.sampled_from(["waf", "ip", "l7ddos"]))
    elif op in ("in", "!in"):
        value = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))
    elif kind == "string" and op not in ("eq", "!eq"):
        value = draw(st.sampled_from(["a", ".com", "api.", "b.com"]))
    else:
        value = draw(st.sampled_from(values))
    return leaf(name, op, value)


nodes = st.recursive(
    comparisons(),
    lambda children: st.builds(lambda joiner, parts: {joiner: parts}, st.sampled_from(["and", "or"]), st.lists(children, min_size=1, max_size=3)),
    max_leaves=8,
)
record_values = st.fixed_dictionaries({name: st.sampled_from(values) for name, (_, values) in FIELDS.items()})


@settings(max_examples=300, deadline=None)
@given(nodes, st.lists(record_values, min_size=1, max_size=10))
def test_compiled_filters_agree_with_the_plain_reading(node, sample):
    predicate = keep(where(node))
    for record in sample:
        assert predicate(record) is reference(node, record)


def test_generated_records_are_read_the_same_as_their_dicts():
    text = where({"or": [leaf("EdgeResponseStatus", "geq", 400), leaf("SecuritySources", "contains", "waf"), leaf("ClientRequestPath", "startsWith", "/api")]})
    parsed = parse_filter(text, "http_requests")
    source = RecordSource("http_requests", seed=3, count=2000)
    on_plans = parsed.compile(source.getter)
    on_dicts = parsed.compile(lambda name: lambda record: record[name])
    verdicts = [on_plans(item) for _, item in source]
    assert verdicts == [on_dicts(record) for record in records("http_requests", seed=3, count=2000)]
    assert 0 < sum(verdicts) < len(verdicts)  # the case keeps some and drops some
