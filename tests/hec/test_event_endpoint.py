"""`/services/collector/event`: batches, per-object validation and partial acceptance."""

from __future__ import annotations

import pytest

from tests.hec.conftest import auth


def post(client, body: bytes, token: str = "good-token"):
    return client.post("/services/collector/event", content=body, headers=auth(token))


def payloads(hec):
    return [e.event for e in hec.journal.events]


@pytest.mark.parametrize(
    "body",
    [
        b'{"event":"a"}{"event":"b"}{"event":"c"}',
        b'{"event":"a"}\n{"event":"b"}\r\n  {"event":"c"}\n',
        b'[{"event":"a"},{"event":"b"},{"event":"c"}]',
        b'[{"event":"a"}] {"event":"b"} [{"event":"c"}]',
    ],
    ids=["concatenated", "whitespace", "array", "mixed"],
)
def test_batches_in_every_shape(client, hec, body):
    assert post(client, body).json() == {"text": "Success", "code": 0}
    assert payloads(hec) == ["a", "b", "c"]


def test_event_values_of_any_json_type(client, hec):
    post(client, b'{"event":{"k":[1,2]}}{"event":[1]}{"event":0}{"event":{}}{"event":true}{"event":1.5}')
    assert payloads(hec) == [{"k": [1, 2]}, [1], 0, {}, True, 1.5]


def test_syntax_error_keeps_the_objects_before_it(client, hec):
    response = post(client, b'{"event":"a"}{"event":"b",}{"event":"c"}')
    assert (response.status_code, response.json()) == (400, {"text": "Invalid data format", "code": 6, "invalid-event-number": 1})
    assert payloads(hec) == ["a"]
    assert hec.journal.requests()[-1].events == 1


def test_error_in_the_first_object_keeps_nothing(client, hec):
    response = post(client, b'{"event":}{"event":"b"}')
    assert response.json()["invalid-event-number"] == 0
    assert hec.journal.event_count == 0


@pytest.mark.parametrize(
    ("bad", "code", "text"),
    [
        (b'{"host":"h"}', 12, "Event field is required"),
        (b'{"event":""}', 13, "Event field cannot be blank"),
        (b'{"event":"   "}', 13, "Event field cannot be blank"),
        (b'{"event":null}', 6, "Invalid data format"),
        (b'{"event":false}', 6, "Invalid data format"),
        (b'{"event":"x","fields":{"a":{"b":1}}}', 15, "Error in handling indexed fields"),
        (b'{"event":"x","fields":[1,2]}', 6, "Invalid data format"),
        (b'{"event":"x","time":"yesterday"}', 15, "Error in handling indexed fields"),
        (b'{"event":"x","host":5}', 6, "Invalid data format"),
        (b'"just a string"', 6, "Invalid data format"),
        (b"[[1]]", 6, "Invalid data format"),
        (b'{"event":NaN}', 6, "Invalid data format"),
    ],
)
def test_invalid_second_object(client, hec, bad, code, text):
    response = post(client, b'{"event":"ok"}' + bad + b'{"event":"never"}')
    assert response.status_code == 400
    assert response.json() == {"text": text, "code": code, "invalid-event-number": 1}
    assert payloads(hec) == ["ok"]


def test_incorrect_index_points_one_past_the_bad_object(client, hec):
    # Measured on Splunk 10.4.3: the bad object is 1, the answer says 2.
    body = b'{"event":"a","index":"main"}{"event":"b","index":"secret"}{"event":"c"}'
    response = post(client, body, token="limited-token")
    assert (response.status_code, response.json()) == (400, {"text": "Incorrect index", "code": 7, "invalid-event-number": 2})
    assert payloads(hec) == ["a"]


def test_allowed_index_is_kept(client, hec):
    post(client, b'{"event":"a","index":"web"}', token="limited-token")
    assert hec.journal.events[0].index == "web"


def test_unknown_envelope_key_silently_ends_the_request(client, hec):
    response = post(client, b'{"event":"a"}{"event":"b","colour":"red"}{"event":"c"}')
    assert (response.status_code, response.json()) == (200, {"text": "Success", "code": 0})
    assert payloads(hec) == ["a"]
    assert "colour" in hec.journal.requests()[-1].note


def test_unknown_envelope_key_in_the_only_object_is_no_data(client, hec):
    response = post(client, b'{"event":"a","colour":"red"}')
    assert (response.status_code, response.json()) == (400, {"text": "No data", "code": 5})


def test_fields_without_event_is_accepted_but_not_an_event(client, hec):
    response = post(client, b'{"fields":{"metric_name:cpu":1.5}}')
    assert response.status_code == 200
    assert hec.journal.event_count == 0


def test_metadata_does_not_carry_over(client, hec):
    post(client, b'{"event":"a","host":"h1","source":"s1","sourcetype":"st1","index":"web"}{"event":"b"}', token="limited-token")
    first, second = hec.journal.events
    assert (first.host, first.source, first.sourcetype, first.index) == ("h1", "s1", "st1", "web")
    assert second.host == f"127.0.0.1:{hec.listeners[0].port}"
    assert (second.source, second.sourcetype, second.index) == ("http:limited", "limited:st", "main")


def test_defaults_without_token_settings(client, hec):
    post(client, b'{"event":"a"}')
    event = hec.journal.events[0]
    assert (event.index, event.source, event.sourcetype) == ("main", "http:good", "httpevent")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (b"1700000000", 1700000000.0),
        (b"1700000000.250", 1700000000.25),
        (b"1700000000250", 1700000000.25),
        (b"1700000000250000", 1700000000.25),
        (b"1700000000250000000", 1700000000.25),
        (b'"1700000000.5"', 1700000000.5),
    ],
)
def test_time_is_read_by_magnitude(client, hec, value, seconds):
    post(client, b'{"event":"a","time":' + value + b"}")
    assert hec.journal.events[0].time == pytest.approx(seconds)


@pytest.mark.parametrize(
    "value",
    [
        b"1.75248e9",  # firezone PR #14129: Elixir wrote round seconds this way; Splunk said code 15
        b"1.75248E+9",
        b'"1651487970,123"',  # splunk-library-dotnetlogging #69: a German-locale decimal comma
        b'"2024-09-25 19:59:53+00:00"',  # cloud-custodian #9739
        b'"1_700_000_000"',  # Python's float() reads these; Splunk's parser is no Python
        b'" 1700000000"',
        b'"1e9"',
    ],
)
def test_a_time_splunk_cannot_read_is_code_15(client, hec, value):
    response = post(client, b'{"event":"ok"}{"event":"a","time":' + value + b"}")
    assert response.content == b'{"text":"Error in handling indexed fields","code":15,"invalid-event-number":1}'
    assert payloads(hec) == ["ok"]


def test_exponents_elsewhere_are_numbers_like_any_other(client, hec):
    post(client, b'{"event":{"time":1e9,"n":[2.5E3]},"time":1700000000,"fields":{"x":1e2}}')
    (event,) = hec.journal.events
    assert (event.event, event.time, event.fields) == ({"time": 1e9, "n": [2500.0]}, 1700000000.0, {"x": 100.0})


def test_invalid_utf8_fails_the_object_holding_it(client, hec):
    response = post(client, b'{"event":"ok"}{"event":"bad \xff byte"}')
    assert response.json() == {"text": "Invalid data format", "code": 6, "invalid-event-number": 1}
    assert payloads(hec) == ["ok"]


def test_event_over_max_event_size_is_code_6(client, hec):
    hec.configure(max_event_size=100)
    big = b'{"event":"' + b"x" * 200 + b'"}'
    response = post(client, b'{"event":"small"}' + big)
    assert response.json() == {"text": "Invalid data format", "code": 6, "invalid-event-number": 1}
    assert payloads(hec) == ["small"]


def test_integers_beyond_64_bits_are_still_json(client, hec):
    post(client, b'{"event":{"n":123456789012345678901234567890}}{"event":"b"}')
    assert payloads(hec)[0] == {"n": 123456789012345678901234567890}
