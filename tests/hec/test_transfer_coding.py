"""Transfer codings on the wire: chunked alone is read; a body still coded otherwise is refused, never taken."""

from __future__ import annotations

import gzip
import zlib

import pytest

from tests.hec.conftest import auth
from tests.reliability.wire import Connection, assert_splunk_shaped, chunked, is_http_layer_400

LINES = b"alpha one\nbeta two\n"


def request(coding_fields: list[bytes], payload: bytes, path: bytes = b"/services/collector/raw") -> bytes:
    head = [b"POST " + path + b" HTTP/1.1", b"Host: 127.0.0.1", b"Authorization: " + auth()["Authorization"].encode()]
    head += [b"Transfer-Encoding: " + value for value in coding_fields]
    return b"\r\n".join(head) + b"\r\n\r\n" + payload


@pytest.mark.parametrize(
    ("fields", "body"),
    [
        ([b"gzip, chunked"], gzip.compress(LINES, mtime=0)),
        ([b"x-gzip, chunked"], gzip.compress(LINES, mtime=0)),
        ([b"deflate, chunked"], zlib.compress(LINES)),
        ([b"br, chunked"], LINES),
        ([b"no-such-coding ,chunked"], LINES),
        ([b"gzip", b"chunked"], gzip.compress(LINES)),  # one list in two fields
    ],
    ids=["gzip", "x-gzip", "deflate", "br", "unknown", "two-fields"],
)
@pytest.mark.parametrize("path", [b"/services/collector/raw", b"/services/collector/event"])
def test_a_coding_besides_chunked_is_501_and_nothing_is_taken(hec, fields, body, path):
    with Connection(hec.listeners[0].port) as connection:
        answer = connection.request(request(fields, chunked(body, [7]), path))
        assert answer.status == 501
        assert_splunk_shaped(answer)
        assert b"is not supported" in answer.body
        # The chunked framing was still understood: the same connection carries the next request.
        follow = connection.request(request([b"chunked"], chunked(LINES, [4]), path=b"/services/collector/raw"))
        assert follow.json() == {"text": "Success", "code": 0}
    assert [e.raw for e in hec.journal.events] == ["alpha one", "beta two"]
    refused = hec.journal.requests()[0]
    assert (refused.status, refused.events, refused.bytes_in) == (501, 0, 0)
    assert "Transfer-Encoding" in refused.note


@pytest.mark.parametrize("fields", [[b"chunked"], [b"Chunked"], [b" chunked "]])
def test_chunked_alone_is_read(hec, fields):
    with Connection(hec.listeners[0].port) as connection:
        answer = connection.request(request(fields, chunked(LINES, [3, 5])))
    assert answer.json() == {"text": "Success", "code": 0}
    assert [e.raw for e in hec.journal.events] == ["alpha one", "beta two"]


@pytest.mark.parametrize("fields", [[b"chunked, gzip"], [b"gzip"], [b"identity"], [b"chunked", b"gzip"]])
def test_codings_that_leave_the_body_unframed_are_refused_by_http_itself(hec, fields):
    # chunked must come last in a request (RFC 9112 section 6.3); without it the body has no end.
    with Connection(hec.listeners[0].port) as connection:
        answer = connection.request(request(fields, chunked(gzip.compress(LINES), [9])))
    assert is_http_layer_400(answer)
    assert hec.journal.event_count == 0
