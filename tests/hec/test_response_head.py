"""How an answer's head and body reach the socket: one write for the collector's answers."""

from __future__ import annotations

import asyncio
import logging

import pytest
from uvicorn.protocols.http.flow_control import FlowControl

from hecharness import codes
from hecharness.hec import replies
from hecharness.hec.response_head import SplunkdCycle


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def cycle(method: str = "POST") -> tuple[SplunkdCycle, RecordingTransport]:
    transport = RecordingTransport()
    made = SplunkdCycle(
        scope={"type": "http", "method": method, "path": "/", "headers": []},  # type: ignore[typeddict-item]
        transport=transport,
        flow=FlowControl(transport),
        logger=logging.getLogger("test"),
        access_logger=logging.getLogger("test"),
        access_log=False,
        default_headers=[(b"date", b"Sun, 06 Dec 2026 20:00:00 GMT")],
        message_event=asyncio.Event(),
        expect_100_continue=False,
        keep_alive=True,
        on_response=lambda: None,
    )
    return made, transport


async def no_receive() -> dict:
    raise AssertionError("a response does not read")


def test_a_collector_answer_leaves_in_one_write():
    async def main() -> None:
        made, transport = cycle()
        await replies.hec_reply(codes.SUCCESS)({"type": "http"}, no_receive, made.send)
        assert len(transport.writes) == 1
        head, body = transport.writes[0].split(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\nDate: Sun, 06 Dec 2026 20:00:00 GMT\r\n")
        assert b"Content-Length: 27" in head
        assert body == b'{"text":"Success","code":0}'
        assert made.response_complete

    asyncio.run(main())


@pytest.mark.parametrize("method", ["HEAD", "POST"])
def test_a_head_without_a_body_to_follow_is_written_at_once(method):
    """HEAD answers have no body, and other responses (a slow-body fault) send theirs later."""

    async def main() -> None:
        made, transport = cycle(method)
        response = replies.hec_reply(codes.SUCCESS)
        if method == "HEAD":
            await response({"type": "http"}, no_receive, made.send)
            assert len(transport.writes) == 1 and transport.writes[0].endswith(b"\r\n\r\n")  # no body, ever
        else:
            await made.send({"type": "http.response.start", "status": 200, "headers": response.raw_headers})
            assert len(transport.writes) == 1 and transport.writes[0].endswith(b"\r\n\r\n")
            await made.send({"type": "http.response.body", "body": response.body})
            assert transport.writes[1] == response.body
        assert made.response_complete

    asyncio.run(main())
