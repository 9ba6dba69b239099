"""The admin API, used by other processes and non-Python senders."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from hecharness.hec import FakeHEC, Token
from tests.hec.conftest import auth


@pytest.fixture
def admin(hec) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hec.admin_url, timeout=10) as c:
        yield c


def test_counters_requests_and_events(client, admin):
    client.post("/services/collector/raw", content=b'{"RayID":"a"}\n{"RayID":"b"}', headers=auth())
    client.post("/services/collector/raw", content=b"x", headers=auth("bad"))
    counters = admin.get("/journal/counters").json()
    assert (counters["requests"], counters["events"], counters["by_status"]) == (2, 2, {"200": 1, "403": 1})
    assert [r["code"] for r in admin.get("/journal/requests").json()] == [0, 4]
    assert [r["code"] for r in admin.get("/journal/requests", params={"status": 403}).json()] == [4]
    assert admin.get("/journal/requests", params={"path": "/services/collector/event"}).json() == []
    events = admin.get("/journal/events", params={"offset": 1, "limit": 5}).json()
    assert [e["raw"] for e in events] == ['{"RayID":"b"}']
    whole = admin.get("/journal").json()
    assert set(whole) == {"counters", "requests", "events", "lost"} and whole["lost"] == []


def test_delivery_accounting(client, admin):
    client.post("/services/collector/raw", content=b'{"RayID":"a"}\n{"RayID":"a"}', headers=auth())
    report = admin.post("/journal/delivery", json={"records": [{"RayID": "a"}, {"RayID": "b"}], "key": "RayID"}).json()
    assert (report["delivered"], report["missing"], report["duplicated"], report["complete"]) == (1, 1, 1, False)
    assert report["first_missing"] == ["b"]
    lines = admin.post("/journal/delivery", json={"lines": ['{"RayID":"a"}']}).json()
    assert lines["duplicated"] == 1


def test_delivery_finds_records_nested_in_another(client, admin):
    client.post("/services/collector/raw", content=b'{"RayID":"p","Subrequests":[{"RayID":"s"}]}', headers=auth())
    body = {"records": [{"RayID": "p"}, {"RayID": "s"}], "key": "RayID", "nested": "Subrequests"}
    report = admin.post("/journal/delivery", json=body).json()
    assert (report["complete"], report["nested_in"], report["first_nested"]) == (True, "Subrequests", ["s"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, 'give either "records"'),
        ({"records": [], "lines": []}, 'give either "records"'),
        ({"records": "a"}, "must be a list"),
        ({"records": [], "key": 5}, '"key" must be a field name'),
        ({"records": [], "nested": "Subrequests"}, "nested: records inside an event can only be told apart by a key"),
    ],
)
def test_delivery_bad_input(admin, body, message):
    response = admin.post("/journal/delivery", json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_delivery_after_truncation_is_409(client, admin, hec):
    hec.configure(max_events=1)
    client.post("/services/collector/raw", content=b"a\nb", headers=auth())
    response = admin.post("/journal/delivery", json={"lines": ["a", "b"]})
    assert response.status_code == 409
    assert "max_events=1" in response.json()["error"]


def test_non_json_body_is_a_clear_error(admin):
    response = admin.post("/journal/delivery", content=b"{nope")
    assert response.status_code == 400
    assert response.json()["error"].startswith("body is not JSON")


def test_clear_and_reset(client, admin, hec):
    client.post("/services/collector/raw", content=b"a", headers=auth())
    assert admin.post("/journal/clear").json() == {"cleared": True}
    assert hec.journal.counters.requests == 0
    admin.patch("/settings", json={"health": "queues-full"})
    admin.post("/tokens", json={"value": "temporary", "name": "temp"})
    admin.post("/reset")
    assert hec.settings.health == "healthy"
    assert hec.tokens.get("temporary") is None


def test_tokens_are_masked_unless_asked(admin):
    listed = admin.get("/tokens").json()
    assert {t["value"] for t in listed} >= {"good****", "ack-****"}
    shown = admin.get("/tokens", params={"show": "1"}).json()
    assert "good-token" in {t["value"] for t in shown}


def test_add_change_and_remove_tokens_at_run_time(client, admin):
    added = admin.post("/tokens", json={"value": "fresh-token", "name": "fresh", "ack": False})
    assert added.json()["name"] == "fresh"
    assert client.post("/services/collector/raw", content=b"a", headers=auth("fresh-token")).status_code == 200
    admin.patch("/tokens/fresh", json={"enabled": False})
    assert client.post("/services/collector/raw", content=b"a", headers=auth("fresh-token")).json()["code"] == 1
    assert admin.delete("/tokens/fresh").status_code == 200
    assert client.post("/services/collector/raw", content=b"a", headers=auth("fresh-token")).json()["code"] == 4


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("POST", "/tokens", {"name": "x"}, 400, "a token needs a 'value'"),
        ("POST", "/tokens", {"value": "x", "colour": "red"}, 400, "unknown token setting 'colour'"),
        ("POST", "/tokens", {"value": "x", "ack": "yes"}, 400, "'ack' must be true or false"),
        ("PATCH", "/tokens/nobody", {"enabled": False}, 404, "no token named"),
        ("PATCH", "/tokens/good", {"value": "other"}, 400, "cannot change"),
        ("PATCH", "/tokens/good", {"indexes": "main"}, 400, "must be a list of index names"),
        ("PATCH", "/settings", {"health": "sickly"}, 400, "health must be one of"),
        ("PATCH", "/settings", {"colour": 1}, 400, "unknown setting 'colour'"),
        ("GET", "/journal/requests?status=abc", None, 400, "status must be a whole number, got 'abc'"),
    ],
)
def test_bad_admin_input_gets_a_clear_error(admin, method, path, body, status, message):
    response = admin.request(method, path, json=body)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_settings_change_health_at_run_time(client, admin):
    assert admin.patch("/settings", json={"health": "ack-unavailable"}).json()["health"] == "ack-unavailable"
    assert client.get("/services/collector/health").json()["code"] == 19
    assert admin.get("/settings").json()["health"] == "ack-unavailable"


def test_admin_token_required_when_set():
    with FakeHEC([Token("t")], admin_token="sesame") as hec:
        with httpx.Client(base_url=hec.admin_url) as c:
            refused = c.get("/journal/counters")
            assert refused.status_code == 401
            assert "Bearer" in refused.json()["error"]
            assert c.get("/journal/counters", headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert c.get("/journal/counters", headers={"Authorization": "Bearer sesame"}).status_code == 200


def test_admin_api_is_not_on_the_hec_port(client):
    assert client.get("/journal/counters").status_code == 404
