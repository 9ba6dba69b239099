"""Prove it landed: the fake's search export slice, and `preflight --search` passing and failing against it."""

from __future__ import annotations

import datetime
import json

import httpx
import pytest
from click.testing import CliRunner

from hecharness.cli import main
from hecharness.clock import Clock
from hecharness.hec import FakeHEC
from hecharness.hec.search import SearchNotSupported, parse_search
from hecharness.preflight import check
from hecharness.preflight.search import find_marker, marked_sample, new_marker

ADMIN = "search-secret"


@pytest.fixture
def splunk():
    with FakeHEC(admin_token=ADMIN, tls="valid") as hec:
        yield hec


def export(hec: FakeHEC, search: str, **options: object) -> httpx.Response:
    options.setdefault("headers", {"Authorization": f"Bearer {ADMIN}"})
    return httpx.post(hec.admin_url + "/services/search/jobs/export", data={"search": search, "output_mode": "json"}, **options)


def test_the_export_answers_one_json_object_per_line_with_string_fields(splunk):
    splunk.client(verify=False).post("/services/collector/raw?sourcetype=st", content=b"alpha marker-1\nbeta marker-1\ngamma")
    response = export(splunk, 'search index=main "marker-1"')
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert response.status_code == 200
    assert [(line["preview"], line["offset"], line.get("lastrow")) for line in lines] == [(False, 0, None), (False, 1, True)]
    result = lines[0]["result"]
    assert (result["_raw"], result["index"], result["sourcetype"]) == ("alpha marker-1", "main", "st")
    assert all(isinstance(value, str) for value in result.values())
    assert export(splunk, 'index=* "gamma"').text.count("\n") == 1
    assert export(splunk, 'index=main "nothing-like-it"').text == ""


def test_an_event_time_past_what_a_date_holds_is_shown_at_its_index_time(splunk):
    # HEC takes any decimal epoch (code 0); the export must still answer, not fail on the date.
    with splunk.client(verify=False) as client:
        assert client.post("/services/collector/event", content=b'{"event": "far-future", "time": 1000000000000000000000000000000}').json()["code"] == 0
    (line,) = [json.loads(line) for line in export(splunk, 'index=main "far-future"').text.splitlines()]
    indexed = int(line["result"]["_indextime"])
    assert line["result"]["_time"].startswith(str(datetime.datetime.fromtimestamp(indexed, datetime.UTC).year))


def test_the_export_wants_the_admin_token_as_bearer_or_basic_password(splunk):
    assert export(splunk, "index=main x", headers={}, auth=("admin", ADMIN)).status_code == 200
    refused = export(splunk, "index=main x", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401
    assert refused.json() == {"messages": [{"type": "WARN", "text": "call not properly authenticated"}]}


def test_an_unknown_index_matches_nothing_and_says_so(splunk):
    (line,) = [json.loads(line) for line in export(splunk, 'index=nope "x"').text.splitlines()]
    assert line["messages"][0]["text"].startswith("index=nope: no such index")


@pytest.mark.parametrize("search", ["index=main | stats count", "x y", "index=a index=b x", 'index=main "unclosed'])
def test_searches_outside_the_slice_are_refused(splunk, search):
    with pytest.raises(SearchNotSupported):
        parse_search(search)
    assert export(splunk, search).status_code == 400


def test_find_marker_reports_where_the_sample_landed_and_the_lag(splunk):
    marker = new_marker()
    result = check(splunk.url + "/services/collector/raw", token=splunk.token, cafile=splunk.ca_path, any_port=True, sample=marked_sample(marker))
    assert result.exit_code == 0
    assert json.loads(splunk.journal.events[0].raw)["hecharnessMarker"] == marker
    landing = find_marker(splunk.admin_url, marker, token=ADMIN)
    assert (landing.found, landing.index, landing.sourcetype, landing.exit_code) == (True, "main", "cloudflare:json", 0)
    assert landing.lag == 0  # the fake indexes on arrival, and a raw event without a time gets its arrival


def test_find_marker_says_how_it_failed(splunk):
    marker = new_marker()
    assert find_marker(splunk.admin_url, marker, user="admin", password="wrong").failure.name == "search-auth"
    assert find_marker(splunk.admin_url, marker, token=ADMIN, index="nope").failure.name == "index-not-searchable"
    clock = _Instant()
    missing = find_marker(splunk.admin_url, marker, token=ADMIN, timeout=10, interval=2, clock=clock)
    assert (missing.failure.name, missing.exit_code, missing.searches) == ("not-found", 19, 6)  # at 0, 2, ... 10 seconds
    with pytest.raises(ValueError, match="a token, or a user and a password"):
        find_marker(splunk.admin_url, marker)


def test_find_marker_against_nothing_is_search_failed():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert find_marker(f"http://127.0.0.1:{port}", "m", token="t").exit_code == 20


def preflight(*args: str):
    return CliRunner().invoke(main, ["preflight", *args])


def test_preflight_search_finds_the_sample(splunk):
    url = splunk.url + "/services/collector/raw"
    result = preflight(url, "--token", splunk.token, "--cacert", str(splunk.ca_path), "--any-port", "--search", splunk.admin_url, "--search-token", ADMIN)
    assert result.exit_code == 0, result.output
    assert "FOUND: the sample is searchable in index main, sourcetype cloudflare:json, indexing lag 0s" in result.output
    as_json = preflight(url, "--token", splunk.token, "--cacert", str(splunk.ca_path), "--any-port", "--json",
                        "--search", splunk.admin_url, "--search-user", "admin", "--search-password", ADMIN)
    assert json.loads(as_json.output)["search"]["found"] is True


def test_preflight_search_failures_have_their_own_exit_codes(splunk):
    base = [splunk.url + "/services/collector/raw", "--token", splunk.token, "--cacert", str(splunk.ca_path), "--any-port", "--search", splunk.admin_url]
    refused = preflight(*base, "--search-token", "wrong")
    assert refused.exit_code == 17 and "NOT FOUND (search-auth, exit 17): 401 from the search API" in refused.output
    unknown = preflight(*base, "--search-token", ADMIN, "--search-index", "nope")
    assert unknown.exit_code == 18 and "index-not-searchable" in unknown.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--search", "http://127.0.0.1:8089"], "--search needs --search-token, or --search-user with --search-password"),
        (["--search-token", "t"], "--search-token and --search-user go with --search URL"),
        (["--search", "127.0.0.1:8089", "--search-token", "t"], "Invalid value for --search: '127.0.0.1:8089' is not an http:// or https:// URL"),
        (["--search", "http://127.0.0.1:8089", "--search-user", "u"], "--search-user needs --search-password (or HECHARNESS_SEARCH_PASSWORD)"),
    ],
)
def test_preflight_search_options_are_checked_first(args, message):
    result = preflight("https://127.0.0.1:8088/services/collector/raw", "--token", "t", *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


class _Instant(Clock):
    """Time that passes only when slept, at once."""

    def __init__(self) -> None:
        self.moment = 0.0

    def now(self) -> float:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.moment += seconds

    def to_wall(self, seconds: float) -> float:
        return 0.0
