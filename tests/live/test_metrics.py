"""GET /metrics on the admin listener, parsed back with prometheus-client's own parser."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hecharness.hec import FakeHEC, Token


def scrape(hec: FakeHEC, **kwargs: object) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    response = httpx.get(hec.admin_url + "/metrics", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_requests_by_path_status_and_code_events_and_bytes() -> None:
    with FakeHEC() as hec, hec.client() as client:
        client.post("/services/collector/raw", content=b"a\nb\nc")
        client.post("/services/collector/event", content=b'{"event": "x"}')
        client.post("/services/collector/event", content=b"not json")
        client.get("/no/such/path")
        client.get("/another/unknown")
        metrics = scrape(hec)
    requests = metrics["hec_requests_total"]
    assert requests[(("code", "0"), ("path", "/services/collector/raw"), ("status", "200"))] == 1
    assert requests[(("code", "0"), ("path", "/services/collector/event"), ("status", "200"))] == 1
    assert requests[(("code", "6"), ("path", "/services/collector/event"), ("status", "400"))] == 1
    # Unknown paths share one series, so a sender probing paths cannot grow the series without bound.
    not_found = [labels for labels in requests if ("path", "(not found)") in labels]
    assert len(not_found) == 1 and requests[not_found[0]] == 2
    assert metrics["hec_events_total"] == {(("status", "200"),): 4}
    assert metrics["hec_body_bytes_total"][(("form", "wire"),)] == 5 + 14 + 8 + 0 + 0


def test_unknown_paths_share_one_series_whatever_answered_them() -> None:
    with FakeHEC() as hec, hec.client() as client:
        hec.faults.add("error:9 path=any")  # a fault answers every path, unknown ones too
        for path in ("/probe/1", "/probe/2", "/probe/3"):
            client.get(path)
        metrics = scrape(hec)
    paths = {dict(labels)["path"] for labels in metrics["hec_requests_total"]}
    assert paths == {"(not found)"}


def test_faults_fired_by_name_and_active() -> None:
    with FakeHEC() as hec, hec.client() as client:
        hec.faults.add("error:9 first=2")
        name = hec.faults.list()[0].name
        for _ in range(3):
            client.post("/services/collector/raw", content=b"x")
        metrics = scrape(hec)
    assert metrics["hec_faults_fired_total"] == {(("fault", name),): 2}
    assert metrics["hec_faults_active"] == {(): 1}
    assert metrics["hec_requests_total"][(("code", "9"), ("path", "/services/collector/raw"), ("status", "503"))] == 2


def test_acks_issued_and_true() -> None:
    channel = "11111111-2222-3333-4444-555555555555"
    with FakeHEC([Token("ack-token", ack=True)]) as hec, hec.client() as client:
        headers = {"X-Splunk-Request-Channel": channel}
        for _ in range(3):
            client.post("/services/collector/raw", content=b"x", headers=headers)
        client.post("/services/collector/ack", json={"acks": [0, 1, 7]}, headers=headers)
        metrics = scrape(hec)
        assert hec.collector.acks.summary() == {channel: {"issued": 3, "polled": 3, "true": 2, "false": 1, "pending": 1}}
    assert metrics["hec_acks_total"] == {(("state", "issued"),): 3, (("state", "true"),): 2}


def test_request_duration_histogram_counts_every_request() -> None:
    with FakeHEC() as hec, hec.client() as client:
        for _ in range(4):
            client.get("/services/collector/health")
        metrics = scrape(hec)
    assert metrics["hec_request_duration_seconds_count"] == {(): 4}
    buckets = metrics["hec_request_duration_seconds_bucket"]
    assert buckets[(("le", "+Inf"),)] == 4
    assert list(buckets.values()) == sorted(buckets.values())  # cumulative


def test_totals_survive_a_journal_clear_as_prometheus_counters_must() -> None:
    with FakeHEC() as hec, hec.client() as client:
        client.post("/services/collector/raw", content=b"x")
        httpx.post(hec.admin_url + "/journal/clear")
        client.post("/services/collector/raw", content=b"y")
        metrics = scrape(hec)
    assert metrics["hec_events_total"] == {(("status", "200"),): 2}


def test_two_fake_hecs_in_one_process_keep_their_series_apart() -> None:
    with FakeHEC() as one, FakeHEC() as two:
        one.client().post("/services/collector/raw", content=b"x")
        assert (("status", "200"),) in scrape(one)["hec_events_total"]
        assert "hec_events_total" not in scrape(two)  # a family with no samples is not listed


@pytest.mark.parametrize("path", ["/metrics", "/live/stream", "/live/requests/1", "/live/health-states"])
def test_admin_token_guards_what_shows_data(path: str) -> None:
    with FakeHEC(admin_token="sesame") as hec:
        assert httpx.get(hec.admin_url + path).status_code == 401
        assert httpx.get(hec.admin_url + path, headers={"Authorization": "Bearer wrong"}).status_code == 401
        # The page itself holds no data, so it loads and asks for the token.
        assert httpx.get(hec.admin_url + "/").status_code == 200

def test_scraped_with_the_admin_token() -> None:
    with FakeHEC(admin_token="sesame") as hec:
        assert scrape(hec, headers={"Authorization": "Bearer sesame"})["hec_faults_active"] == {(): 0}


def test_a_server_started_again_counts_each_request_once() -> None:
    hec = FakeHEC()
    hooks = None
    for _ in range(3):
        with hec, hec.client() as client:
            client.post("/services/collector/raw", content=b"x")
            metrics = scrape(hec)
            hooks = hooks or len(hec.collector.on_request)
            assert len(hec.collector.on_request) == hooks  # one set of hooks, however often it started
        assert metrics["hec_requests_total"][(("code", "0"), ("path", "/services/collector/raw"), ("status", "200"))] == 1
