"""Bugs the reliability suite found, each pinned by the smallest input that showed it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hecharness.hec import FakeHEC, HECSettings, Token
from tests.reliability.wire import Connection, assert_splunk_shaped, build_request

GOOD = [(b"Authorization", b"Splunk good-token")]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeHEC]:
    with FakeHEC([Token("good-token", name="good")], settings=HECSettings(max_content_length=8192), admin_port=None) as hec:
        yield hec


@pytest.fixture
def hec(server: FakeHEC) -> FakeHEC:
    server.reset()
    return server


def post(hec: FakeHEC, path: str, body: bytes, headers=GOOD):
    with Connection(hec.listeners[0].port) as connection:
        answer = connection.request(build_request("POST", path, list(headers), body))
    assert_splunk_shaped(answer)
    return answer


def test_a_sender_hanging_up_mid_body_is_not_a_server_error(hec):
    # Was: ClientDisconnect escaped the pipeline, so the request was journaled as 500/8 (an answer
    # nobody got) and FakeHEC.errors held a traceback, failing any test that checks for errors.
    with Connection(hec.listeners[0].port) as connection:
        connection.send(build_request("POST", "/services/collector/raw", GOOD, b"x" * 100)[:-60])
        connection.half_close()
        assert connection.at_eof()
    assert hec.journal.wait_for_requests(1)
    record = hec.journal.requests()[-1]
    assert hec.errors == []
    assert (record.status, record.code, record.events) == (0, None, 0)
    assert record.note == "connection ended before the body was complete"
    assert hec.journal.counters.by_status == {0: 1}


@pytest.mark.parametrize("depth", [1100, 3000])
def test_json_nested_too_deep_to_parse_is_invalid_data_not_a_crash(hec, depth):
    # Was: orjson refuses > 1024 levels, the standard-library fallback then raised RecursionError,
    # and the request was answered 500/8 with a traceback in FakeHEC.errors.
    body = b'{"event":"first"}{"event":' + b"[" * depth + b"]" * depth + b"}"
    answer = post(hec, "/services/collector/event", body)
    assert answer.json() == {"text": "Invalid data format", "code": 6, "invalid-event-number": 1}
    assert hec.errors == []
    assert [e.event for e in hec.journal.events] == ["first"]


@pytest.mark.parametrize("digits", [310, 400])
def test_a_time_too_large_for_a_float_is_refused_not_a_crash(hec, digits):
    # Was: orjson refuses integers past 64 bits, the fallback parser reads them, and dividing one
    # by 1e9 raised OverflowError: answered 500/8 with a traceback. Now refused like any time
    # Splunk cannot read (code 15).
    body = b'{"event":"first"}\n{"event":"x","time":1' + b"0" * digits + b"}"
    answer = post(hec, "/services/collector/event", body)
    assert answer.json() == {"text": "Error in handling indexed fields", "code": 15, "invalid-event-number": 1}
    assert hec.errors == []
    assert hec.journal.counters.events == 1


@pytest.mark.parametrize("event", [rb'"\ud800"', rb'"a\udc00b"', rb'{"\ud83d":1}', rb'["ok", "\udbff"]'])
def test_an_unpaired_surrogate_escape_is_invalid_data_as_on_the_fast_path(hec, event):
    # Was: alone in a body, such an object is refused by orjson (fast path) but the fallback parser
    # accepted it, so the same event was refused or accepted depending on its neighbours, and the
    # journal then held a string no JSON writer takes: GET /journal on the admin API answered 500.
    body = b'{"event":"first"}{"event":' + event + b"}"
    answer = post(hec, "/services/collector/event", body)
    assert answer.json() == {"text": "Invalid data format", "code": 6, "invalid-event-number": 1}
    assert [e.text for e in hec.journal.events] == ["first"]


def test_a_surrogate_pair_is_one_character_and_accepted(hec):
    body = b'{"event":"first"}{"event":"\\ud83d\\ude00"}'
    assert post(hec, "/services/collector/event", body).json() == {"text": "Success", "code": 0}
    assert [e.text for e in hec.journal.events] == ["first", "\U0001f600"]


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('action = "error:9"\nfirst = inf', "first must be a whole number"),
        ('action = "error:9"\nevery = -inf', "every must be a whole number"),
        ('action = "partial:3"\ncode = nan', "code must be a HEC code number"),
        ('action = "partial:3"\ncode = inf', "code must be a HEC code number"),
        ('action = "error:9"\nwindow = [1979-05-27, 2]', "window needs seconds"),
        ('action = "error:9"\nreply_header = [07:32:00]', "reply_header must be"),
    ],
)
def test_fault_plans_with_infinities_and_dates_get_a_one_line_error(tmp_path, table, named):
    # Was: int(inf) raised OverflowError and json.dumps(<a TOML date>) raised TypeError out of
    # load_plan, so `serve --faults plan.toml` printed a traceback instead of naming the setting.
    from hecharness.faults import FaultSpecError, load_plan

    plan = tmp_path / "plan.toml"
    plan.write_text(f"[[faults]]\n{table}\n")
    with pytest.raises(FaultSpecError) as caught:
        load_plan(plan)
    message = str(caught.value)
    assert named in message and len(message.splitlines()) == 1, message


@pytest.mark.parametrize("rate", [10**400, -(10**400), float("nan"), float("inf")])
def test_a_sample_rate_no_float_can_hold_gets_a_one_line_error(rate):
    # Was: math.isnan(10**400) raised OverflowError out of OutputOptions.parse.
    from hecharness.generate import OutputOptions
    from hecharness.generate.errors import OutputOptionsError

    with pytest.raises(OutputOptionsError, match="^sample_rate: .* is out of range"):
        OutputOptions.parse({"sample_rate": rate})


@pytest.mark.parametrize("requests_before", [1, 3])
@pytest.mark.parametrize("garbage", [b"\x00", b"GARBAGE\r\n\r\n", b"POST /x HTTP/1.1\r\nBad Header\r\n\r\n"])
def test_requests_before_unparseable_bytes_are_answered_before_the_400(hec, requests_before, garbage):
    # Was: uvicorn answered the bad bytes with its 400 and closed at once, before the whole requests
    # that came before them in the same read were answered. The collector had journaled those as
    # 200 and taken their events, but the sender only ever saw the 400: accepted, yet reported lost.
    request = build_request("POST", "/services/collector/raw", GOOD, b"one\ntwo")
    with Connection(hec.listeners[0].port) as connection:
        connection.send(request * requests_before + garbage)
        answers = [connection.read_answer() for _ in range(requests_before + 1)]
    assert [a.status for a in answers] == [200] * requests_before + [400]
    assert answers[-1].body == b"Invalid HTTP request received." and answers[-1].closes
    assert hec.journal.counters.by_status == {200: requests_before}
    assert hec.journal.counters.events == 2 * requests_before


@pytest.mark.parametrize("value", [False, 3, 1.5, {"a": "b"}])
def test_a_reply_header_that_is_neither_text_nor_a_list_gets_a_fault_spec_error(value):
    # Was: a plan's `reply_header = false` was iterated as a list: TypeError out of parse_fault.
    from hecharness.faults import FaultSpecError, parse_fault

    with pytest.raises(FaultSpecError, match="^reply_header must be"):
        parse_fault({"action": "status:502", "reply_header": value})


@pytest.mark.parametrize("value", ["false", "3", "{ main = 1 }", '"main"'])
def test_a_token_whose_indexes_are_not_a_list_is_named_in_the_config_error(value):
    # Was: `indexes = false` gave "token 1: 'bool' object is not iterable", naming no setting, and an
    # inline table was taken as its keys.
    from hecharness.hec.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=r"^hec.toml: token 1: token setting 'indexes' must be a list of index names"):
        parse_config(f'[[tokens]]\nvalue = "t"\nindexes = {value}\n', source="hec.toml")


def test_an_ack_delay_of_nan_is_refused():
    # Was: TOML's `ack_delay = nan` loaded (NaN < 0 is false), and every ackId then stayed false.
    from hecharness.hec.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=r"^hec.toml: ack_delay must be a number of seconds >= 0, got nan$"):
        parse_config("ack_delay = nan\n", source="hec.toml")


def test_stopping_ends_pending_delays_and_slow_bodies_at_once_and_journals_them(caplog):
    # Was: only hangs were released on stop. A delay or slow body waiting on a VirtualClock held the
    # shutdown until uvicorn's grace period ran out and it cancelled them, logging "Exception in
    # ASGI application" with a CancelledError; the delayed request was never journaled at all.
    import logging

    from hecharness.clock import VirtualClock

    caplog.set_level(logging.WARNING)
    hec = FakeHEC([Token("good-token")], clock=VirtualClock(), admin_port=None).start()
    hec.faults.add("delay:3600 header=X-Fault:delay")
    hec.faults.add("slow-body:3600 header=X-Fault:slow")
    delayed, slow = (Connection(hec.listeners[0].port) for _ in range(2))
    delayed.send(build_request("POST", "/services/collector/raw", GOOD + [(b"X-Fault", b"delay")], b"a"))
    slow.send(build_request("POST", "/services/collector/raw", GOOD + [(b"X-Fault", b"slow")], b"b"))
    assert hec.journal.wait_for_requests(1)  # the slow answer's request is journaled before it dribbles
    assert slow.read_head_only().startswith(b"HTTP/1.1 200 OK")
    hec.stop()
    assert delayed.at_eof() and slow.at_eof()
    notes = sorted((r.status, r.note or "") for r in hec.journal.requests())
    assert notes == [(0, "the server stopped during the fault's delay"), (200, "")]
    assert not [r for r in caplog.records if "Exception in ASGI application" in r.getMessage()]


@pytest.mark.parametrize("depth", [300, 900, 1000, 1023])
def test_an_event_nested_hundreds_of_levels_deep_reads_back_and_exports(depth):
    # Was: such an event is valid JSON and accepted, but orjson writes at most 254 levels and
    # dataclasses.asdict recursed through it: Event.text raised, and GET /journal answered 500
    # with a traceback in the server's log.
    import httpx

    with FakeHEC([Token("good-token")], settings=HECSettings(max_content_length=1 << 20)) as hec:
        body = b'{"event":' + b"[" * depth + b"]" * depth + b"}"
        assert post(hec, "/services/collector/event", body).json() == {"text": "Success", "code": 0}
        assert hec.journal.events[0].text == "[" * depth + "]" * depth
        exported = httpx.get(hec.admin_url + "/journal/events")
        assert exported.status_code == 200
        # Read as text: the export nests two levels more than the event, past what JSON parsers read.
        assert b'"event":' + b"[" * depth + b"]" * depth in exported.content
