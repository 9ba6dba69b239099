"""The helpers on `FakeHEC` as a test sees them: their failure messages, server errors, no leaks."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CHANNEL = "11111111-2222-4333-8444-555555555555"


def test_wait_for_events_returns_the_events_or_says_what_arrived(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import threading

        def test_arrives(fake_hec):
            def send():
                with fake_hec.client() as client:
                    client.post("/services/collector/raw", content=b"a\\nb\\nc")
            sender = threading.Thread(target=send)
            sender.start()
            events = fake_hec.wait_for_events(3, timeout=10)
            sender.join(10)
            assert [event.raw for event in events] == ["a", "b", "c"]

        def test_times_out(fake_hec):
            fake_hec.faults.add("error:9 first=1")
            with fake_hec.client() as client:
                client.post("/services/collector/raw", content=b"refused")
                client.post("/services/collector/raw", content=b"one")
            fake_hec.wait_for_events(3, timeout=0.1)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["E       AssertionError: waited 0.1s for 3 events; 1 arrived, in 2 requests (200 x1, 503 x1)"])


def test_wait_for_events_with_nothing_sent_says_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_nothing(fake_hec):
            fake_hec.wait_for_events(1, timeout=0.05)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E       AssertionError: waited 0.05s for 1 events; 0 arrived, in 0 requests"])


def test_assert_delivered_passes_on_exactly_once_and_names_the_first_missing_and_duplicated(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import json

        RECORDS = [{"RayID": f"ray-{n}", "n": n} for n in range(6)]

        def send(fake_hec, records):
            body = "".join(json.dumps(r) + "\\n" for r in records)
            with fake_hec.client() as client:
                assert client.post("/services/collector/raw", content=body).status_code == 200

        def test_complete(fake_hec):
            send(fake_hec, RECORDS)
            report = fake_hec.assert_delivered(RECORDS, key="RayID")
            assert (report.expected, report.delivered) == (6, 6)
            fake_hec.assert_delivered([json.dumps(r) for r in RECORDS])   # whole lines, no key

        def test_lost_and_retried(fake_hec):
            send(fake_hec, RECORDS[:2] + RECORDS[1:2] + RECORDS[3:4] + [{"RayID": "stray"}])
            fake_hec.assert_delivered(RECORDS, key="RayID")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: delivery incomplete: expected 6, received 5, delivered 3, missing 3, "
            "duplicated 1, unexpected 1 (by 'RayID'); first missing: 'ray-2', 'ray-4', 'ray-5'; "
            "first duplicated: 'ray-1' x2; first unexpected: 'stray'"
        ]
    )


def test_requests_filters_the_journal(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        from hecharness.hec import Token
        import pytest

        @pytest.mark.fake_hec(tokens=[Token("acker", ack=True)], faults="error:9 first=1 path=health name=busy")
        def test_queries(fake_hec):
            with fake_hec.client() as client:
                client.post("/services/collector/raw", content=b"x", params={{"channel": "{CHANNEL}"}})
                client.post("/services/collector/raw", content=b"x", params={{"channel": "{CHANNEL}"}})
                client.post("/services/collector/event", json={{"event": "x"}})
                client.get("/services/collector/health")
            assert len(fake_hec.requests()) == 4
            assert [r.status for r in fake_hec.requests(path="raw")] == [200, 200]
            assert [r.path for r in fake_hec.requests(status=400)] == ["/services/collector/event"]
            assert [r.code for r in fake_hec.requests(code=10)] == [10]     # ack on: channel required
            assert [r.ack_id for r in fake_hec.requests(channel="{CHANNEL}")] == [0, 1]
            assert [r.path for r in fake_hec.requests(fault="busy=error:9")] == ["/services/collector/health"]
            assert fake_hec.requests(path="ack") == []
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


SERVER_ERROR_TEST = """
import pytest

@pytest.fixture
def broken(fake_hec, monkeypatch):
    def split(data):
        raise ValueError("the splitter broke")
    monkeypatch.setattr(fake_hec.collector, "_split", split)
    return fake_hec

def test_passes_on_its_own(broken):
    with broken.client() as client:
        assert client.post("/services/collector/raw", content=b"x").status_code == 500

def test_fails_on_its_own(broken):
    with broken.client() as client:
        client.post("/services/collector/raw", content=b"x")
    assert 1 == 2

def test_clean_afterwards(fake_hec):
    with fake_hec.client() as client:
        assert client.post("/services/collector/raw", content=b"x").status_code == 200
    assert fake_hec.errors == []
"""


def test_an_error_inside_the_server_fails_the_test_with_its_traceback(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SERVER_ERROR_TEST)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_passes_on_its_own _*",
            "the fake HEC raised 1 error while serving requests (each such request was answered 500, code 8):",
            "Traceback (most recent call last):",
            "*in split",
            "ValueError: the splitter broke",
            # A test that fails by itself keeps its own failure, with the server's side beside it.
            "*_ test_fails_on_its_own _*",
            "E       assert 1 == 2",
            "*- Captured fake HEC errors call -*",
            "the fake HEC raised 1 error while serving requests*",
            "ValueError: the splitter broke",
        ]
    )


def test_a_server_error_after_the_test_body_fails_its_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def flushing_sender(fake_hec, monkeypatch):
            def split(data):
                raise ValueError("broke while flushing")
            monkeypatch.setattr(fake_hec.collector, "_split", split)
            yield
            with fake_hec.client() as client:   # a sender flushing its buffer when closed
                client.post("/services/collector/raw", content=b"last batch")

        def test_sends_on_close(flushing_sender):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_sends_on_close*", "*ValueError: broke while flushing"])


def test_a_factory_server_error_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_factory(fake_hec_factory, monkeypatch):
            hec = fake_hec_factory()
            monkeypatch.setattr(hec.collector, "_split", lambda data: 1 / 0)
            with hec.client() as client:
                client.post("/services/collector/raw", content=b"x")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["the fake HEC raised 1 error*", "ZeroDivisionError: division by zero"])


def test_check_errors_raises_them_on_demand(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from hecharness.hec.server import ServerError

        def test_check(fake_hec, monkeypatch):
            fake_hec.check_errors()   # nothing yet
            monkeypatch.setattr(fake_hec.collector, "_split", lambda data: 1 / 0)
            with fake_hec.client() as client:
                client.post("/services/collector/raw", content=b"x")
                client.post("/services/collector/raw", content=b"x")
            with pytest.raises(ServerError, match="raised 2 errors") as raised:
                fake_hec.check_errors()
            assert len(raised.value.tracebacks) == 2
            fake_hec.collector.errors.clear()   # seen and handled: the test may pass
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_requests_still_in_flight_when_a_test_ends_do_not_reach_the_next_test(pytester: pytest.Pytester) -> None:
    # pytest-httpserver PR #352: requests from one test landing in the next one's log. Without the
    # settling at teardown, the hung request lands about 50 ms after its client gives up, and the
    # delayed one half a second after its test ended: both inside the next test.
    pytester.makepyfile(
        """
        import threading
        import time
        import httpx
        import pytest

        senders = []

        def test_client_gives_up_on_a_hang(fake_hec):
            fake_hec.faults.add("hang:30")
            with fake_hec.client(timeout=0.1) as client:
                with pytest.raises(httpx.ReadTimeout):
                    client.post("/services/collector/raw", content=b"too late")

        def test_next_starts_empty(fake_hec):
            assert fake_hec.requests() == []

        def test_sender_still_waiting_when_the_test_ends(fake_hec):
            delay = fake_hec.faults.add("delay:0.5")

            def send():
                with fake_hec.client(timeout=10) as client:
                    client.post("/services/collector/raw", content=b"delayed")

            senders.append(threading.Thread(target=send))
            senders[0].start()
            for _ in range(1000):   # until the server holds the request, at most 10 s
                if delay.fired:
                    break
                time.sleep(0.01)
            assert delay.fired == 1 and fake_hec.requests() == []   # in flight as the test ends

        def test_the_delayed_request_is_not_here_either(fake_hec):
            senders[0].join(10)
            assert fake_hec.requests() == [] and fake_hec.journal.event_count == 0
        """
    )
    pytester.runpytest().assert_outcomes(passed=4)


def test_a_request_that_outlasts_the_settling_is_warned_about(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import threading
        import time

        senders = []

        def test_slow_answer(monkeypatch, fake_hec):   # monkeypatch first: undone after fake_hec's teardown
            monkeypatch.setattr("hecharness.pytest_plugin.SETTLE_TIMEOUT", 0.2)
            delay = fake_hec.faults.add("delay:5")  # far longer than the 0.2 s settle, even on a loaded machine

            def send():
                with fake_hec.client(timeout=10) as client:
                    client.post("/services/collector/raw", content=b"slow")

            senders.append(threading.Thread(target=send))
            senders[0].start()
            for _ in range(1000):
                if delay.fired:
                    break
                time.sleep(0.01)
            assert delay.fired == 1

        def test_wait_for_the_sender():
            senders[0].join(10)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*PytestWarning: <FakeHEC http://127.0.0.1:*> was still serving a request 0.2s after the test ended "
            "(a long delay fault, or a client still sending); it may show up in the next test's journal"
        ]
    )
