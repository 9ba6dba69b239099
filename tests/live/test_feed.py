"""The live page's stream and request details, read without a browser."""

from __future__ import annotations

import threading

import httpx
import orjson

from hecharness.hec import FakeHEC


def first_snapshot_with_requests(hec: FakeHEC) -> dict:
    with httpx.stream("GET", hec.admin_url + "/live/stream", timeout=10) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data: "):
                snapshot = orjson.loads(line[6:])
                if snapshot["requests"]:
                    return snapshot
    raise AssertionError("the stream ended without a request")


def test_stream_pushes_new_requests_totals_and_state() -> None:
    with FakeHEC() as hec, hec.client() as client:
        hec.faults.add("error:9 first=1")
        client.post("/services/collector/raw", content=b"a\nb")
        client.post("/services/collector/raw", content=b"a\nb")
        snapshot = first_snapshot_with_requests(hec)
    assert [(r["status"], r["code"], r["events"]) for r in snapshot["requests"]] == [(503, 9, 0), (200, 0, 2)]
    assert snapshot["requests"][0]["fault"] == f'{snapshot["faults"][0]["name"]}=error:9'
    assert snapshot["faults"][0]["fired"] == 1
    assert snapshot["totals"] == {"requests": {"200": 1, "503": 1}, "events": {"200": 2}}
    assert snapshot["settings"]["health"] == "healthy"
    assert "****" in snapshot["tokens"][0]["value"]


def test_each_request_is_pushed_once() -> None:
    with FakeHEC() as hec, hec.client() as client:
        seen: list[int] = []
        with httpx.stream("GET", hec.admin_url + "/live/stream", timeout=10) as stream:
            lines = stream.iter_lines()
            for sent in range(1, 4):
                client.get("/services/collector/health")
                while sent not in seen:
                    line = next(lines)
                    if line.startswith("data: "):
                        seen += [r["id"] for r in orjson.loads(line[6:])["requests"]]
    assert seen == [1, 2, 3]


def test_request_detail_masks_the_token_and_shows_the_first_events() -> None:
    with FakeHEC() as hec, hec.client() as client:
        client.post("/services/collector/raw", content=b"\n".join(b"line %d" % n for n in range(30)))
        detail = httpx.get(hec.admin_url + "/live/requests/1").json()
        missing = httpx.get(hec.admin_url + "/live/requests/99")
    assert detail["headers"]["authorization"].endswith("****")
    assert hec.token not in str(detail)
    assert detail["lines"] == [f"line {n}" for n in range(10)]
    assert missing.status_code == 404


def test_an_open_stream_does_not_hold_the_server_when_it_stops() -> None:
    hec = FakeHEC().start()
    opened, ended = threading.Event(), threading.Event()

    def read() -> None:
        with httpx.stream("GET", hec.admin_url + "/live/stream", timeout=30) as stream:
            for _ in stream.iter_lines():
                opened.set()
        ended.set()

    threading.Thread(target=read, daemon=True).start()
    assert opened.wait(10)
    hec.stop()
    # Without the stop hook uvicorn would wait for the endless response; the stream ends instead.
    assert ended.wait(10)
