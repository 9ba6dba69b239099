"""The public ways into a running FakeHEC: `wrap=` around its app, `call_on_loop` onto its thread."""

from __future__ import annotations

import threading

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from hecharness.hec import FakeHEC


def test_wrap_puts_a_middleware_around_the_collector():
    seen: list[str] = []

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                seen.append(scope["path"])
            await app(scope, receive, send)

        return middleware

    with FakeHEC(["t0ken"], admin_port=None, wrap=wrap) as hec:
        answer = httpx.post(hec.url + "/services/collector/raw", content=b"hello", headers={"Authorization": "Splunk t0ken"})
        assert answer.status_code == 200
        assert hec.journal.event_count == 1
    assert seen == ["/services/collector/raw"]


def test_wrap_can_serve_another_app_on_the_same_listener():
    async def teapot(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b"tea"})

    with FakeHEC(admin_port=None, wrap=lambda app: teapot) as hec:
        answer = httpx.get(hec.url + "/services/collector/health")
    assert (answer.status_code, answer.text) == (418, "tea")


def test_call_on_loop_runs_on_the_serving_thread_and_returns_the_result():
    with FakeHEC(admin_port=None) as hec:
        name = hec.call_on_loop(lambda: threading.current_thread().name)
    assert name.startswith("fake-hec-") and name != threading.current_thread().name


def test_call_on_loop_refuses_a_server_that_is_not_running():
    hec = FakeHEC(admin_port=None)
    with pytest.raises(RuntimeError, match="not running"):
        hec.call_on_loop(lambda: None)
