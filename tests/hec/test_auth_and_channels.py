"""Credentials, then channel, then body: Splunk's order, with Splunk's codes."""

from __future__ import annotations

import base64

import pytest

from tests.hec.conftest import CHANNEL, auth

EVENT = b'{"event":"x"}'


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_missing_credentials_is_401_code_2(client):
    response = client.post("/services/collector/event", content=EVENT)
    assert (response.status_code, response.json()) == (401, {"text": "Token is required", "code": 2})


@pytest.mark.parametrize(
    "header",
    ["Bearer good-token", "good-token", "Splunk", "Token good-token", "Basic !!!notbase64", "Basic " + base64.b64encode(b"nocolon").decode()],
)
def test_malformed_authorization_is_401_code_3(client, header):
    response = client.post("/services/collector/event", content=EVENT, headers={"Authorization": header})
    assert (response.status_code, response.json()) == (401, {"text": "Invalid authorization", "code": 3})


def test_unknown_token_is_403_code_4(client):
    response = client.post("/services/collector/event", content=EVENT, headers=auth("who-knows"))
    assert (response.status_code, response.json()) == (403, {"text": "Invalid token", "code": 4})


def test_disabled_token_is_403_code_1(client):
    response = client.post("/services/collector/event", content=EVENT, headers=auth("off-token"))
    assert (response.status_code, response.json()) == (403, {"text": "Token disabled", "code": 1})


def test_basic_auth_takes_the_token_as_password(client, hec):
    response = client.post("/services/collector/event", content=EVENT, headers=basic("anything", "good-token"))
    assert response.status_code == 200
    assert hec.journal.requests()[-1].token_name == "good"


def test_query_token_allowed_when_the_token_says_so(client):
    response = client.post("/services/collector/event?token=query-token", content=EVENT)
    assert response.status_code == 200


def test_query_token_refused_when_the_token_does_not_allow_it(client):
    response = client.post("/services/collector/event", params={"token": "good-token"}, content=EVENT)
    assert (response.status_code, response.json()) == (
        400,
        {"text": "Query string authorization is not enabled", "code": 16},
    )


def test_query_token_wins_over_a_good_header(client):
    # Splunk reads only the query token when both are there, even with query auth off.
    response = client.post("/services/collector/event", params={"token": "nope"}, content=EVENT, headers=auth())
    assert response.json()["code"] == 4
    response = client.post("/services/collector/event", params={"token": "good-token"}, content=EVENT, headers=auth("query-token"))
    assert response.json()["code"] == 16


def test_unknown_query_token_is_403_before_code_16(client):
    response = client.post("/services/collector/event", params={"token": "nope"}, content=EVENT)
    assert (response.status_code, response.json()["code"]) == (403, 4)


def test_token_is_checked_before_the_body(client):
    # Kafka Connect and Firehose validate credentials with an empty POST and expect these answers.
    assert client.post("/services/collector", content=b"", headers=auth()).json() == {"text": "No data", "code": 5}
    assert client.post("/services/collector", content=b"", headers=auth("bad")).status_code == 403


def test_token_is_checked_before_the_channel(client):
    response = client.post("/services/collector/event", content=EVENT, headers=auth("bad"))
    assert response.json()["code"] == 4


def test_ack_token_needs_a_channel(client):
    response = client.post("/services/collector/event", content=EVENT, headers=auth("ack-token"))
    assert (response.status_code, response.json()) == (400, {"text": "Data channel is missing", "code": 10})


def test_cloud_flavor_answers_code_28_for_a_missing_channel(client, hec):
    hec.configure(flavor="cloud")
    response = client.post("/services/collector/raw", content=b"x", headers=auth("ack-token"))
    assert response.status_code == 400
    assert response.json()["code"] == 28
    assert response.json()["text"].startswith("Data channel is missing. If you have multiple indexers")


def test_channel_not_required_without_acks(client, hec):
    assert client.post("/services/collector/raw", content=b"x", headers=auth()).status_code == 200
    assert hec.journal.events[0].channel is None


@pytest.mark.parametrize("where", ["header", "query"])
def test_channel_from_header_or_query(client, hec, where):
    headers = auth("ack-token")
    params = {}
    if where == "header":
        headers["X-Splunk-Request-Channel"] = CHANNEL
    else:
        params["channel"] = CHANNEL
    response = client.post("/services/collector/raw", content=b"x", headers=headers, params=params)
    assert response.json() == {"text": "Success", "code": 0, "ackId": 0}
    assert hec.journal.events[0].channel == CHANNEL


@pytest.mark.parametrize("channel", ["not-a-guid", "1234", "11111111-2222-4333-8444-55555555555Z"])
def test_malformed_channel_is_400_code_11(client, channel):
    headers = {**auth(), "X-Splunk-Request-Channel": channel}
    response = client.post("/services/collector/event", content=EVENT, headers=headers)
    assert (response.status_code, response.json()) == (400, {"text": "Invalid data channel", "code": 11})


def test_channel_checked_before_body(client):
    response = client.post("/services/collector/event", content=b"", headers=auth("ack-token"))
    assert response.json()["code"] == 10
