"""Body handling: gzip, size caps, empty bodies."""

from __future__ import annotations

import gzip
import zlib

import pytest

from hecharness.hec import body as body_module
from tests.hec.conftest import auth


def test_gzip_body_is_decoded(client, hec):
    body = gzip.compress(b"first\nsecond\n")
    response = client.post("/services/collector/raw", content=body, headers={**auth(), "Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert [e.raw for e in hec.journal.events] == ["first", "second"]
    record = hec.journal.requests()[-1]
    assert (record.bytes_in, record.bytes_decoded) == (len(body), len(b"first\nsecond\n"))


def test_concatenated_gzip_members_are_all_read(client, hec):
    body = gzip.compress(b"a\n") + gzip.compress(b"b\n")
    client.post("/services/collector/raw", content=body, headers={**auth(), "Content-Encoding": "gzip"})
    assert [e.raw for e in hec.journal.events] == ["a", "b"]


@pytest.mark.parametrize(
    "body",
    [b"definitely not gzip", gzip.compress(b"x" * 1000, mtime=0)[:-10], gzip.compress(b"y", mtime=0)[:5]],
    ids=["garbage", "truncated", "header-only"],
)
def test_malformed_gzip_is_400_code_6(client, hec, body):
    response = client.post("/services/collector/event", content=body, headers={**auth(), "Content-Encoding": "gzip"})
    assert (response.status_code, response.json()) == (400, {"text": "Invalid data format", "code": 6})
    assert hec.journal.event_count == 0


def test_other_encodings_are_415_with_html(client):
    body = zlib.compress(b'{"event":1}')
    response = client.post("/services/collector/event", content=body, headers={**auth(), "Content-Encoding": "deflate"})
    assert response.status_code == 415
    assert response.headers["content-type"] == "text/html; charset=UTF-8"
    assert "deflate" in response.text


def test_body_over_the_cap_is_413_with_html(client, hec):
    hec.configure(max_content_length=100)
    response = client.post("/services/collector/raw", content=b"x" * 101, headers=auth())
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert client.post("/services/collector/raw", content=b"x" * 100, headers=auth()).status_code == 200


def test_chunked_body_over_the_cap_is_413(client, hec):
    hec.configure(max_content_length=1000)

    def chunks():
        for _ in range(20):
            yield b"y" * 100

    response = client.post("/services/collector/raw", content=chunks(), headers=auth())
    assert response.status_code == 413
    assert hec.journal.event_count == 0


def test_gzip_bomb_is_refused_at_the_cap(client, hec):
    hec.configure(max_content_length=10_000_000)
    bomb = gzip.compress(b"\n" * 200_000_000)  # 200 MB of newlines in about 200 KB
    assert len(bomb) < 1_000_000
    response = client.post("/services/collector/raw", content=bomb, headers={**auth(), "Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert hec.journal.requests()[-1].bytes_decoded == 0


def test_cloud_flavor_refuses_large_bodies_with_code_6(client, hec):
    hec.configure(flavor="cloud", max_content_length=10_000_000)
    response = client.post("/services/collector/raw", content=b"z" * 6_000_000, headers=auth())
    assert (response.status_code, response.json()) == (400, {"text": "Invalid data format", "code": 6, "invalid-event-number": 0})


@pytest.mark.parametrize("body", [b"", b"   ", b"\n\n\r\n", b"\t"])
@pytest.mark.parametrize("path", ["/services/collector/event", "/services/collector/raw"])
def test_empty_or_blank_body_is_400_code_5(client, path, body):
    response = client.post(path, content=body, headers=auth())
    assert (response.status_code, response.json()) == (400, {"text": "No data", "code": 5})


def test_gzipped_empty_body_is_no_data(client):
    response = client.post("/services/collector/raw", content=gzip.compress(b""), headers={**auth(), "Content-Encoding": "gzip"})
    assert response.json()["code"] == 5


def test_a_gzip_body_past_the_keep_budget_keeps_every_event(client, hec):
    # Past KEEP_DECODED the inflated bytes are counted and let go, and inflated again when read.
    lines = [b'{"n":%d,"pad":"%s"}' % (n, b"p" * (n % 2000)) for n in range(12_000)]
    text = b"\r\n".join(lines) + b"\n\n"
    assert len(text) > body_module.KEEP_DECODED
    response = client.post("/services/collector/raw", content=gzip.compress(text), headers={**auth(), "Content-Encoding": "gzip"})
    assert response.json() == {"text": "Success", "code": 0}
    assert hec.journal.event_count == len(lines)
    assert [e.raw.encode() for e in hec.journal.events] == lines
    assert hec.journal.requests()[-1].bytes_decoded == len(text)


def test_an_event_body_past_the_keep_budget_is_parsed_whole(client, hec):
    events = [b'{"event":{"n":%d,"pad":"%s"}}' % (n, b"e" * 900) for n in range(10_000)]
    body = b"".join(events)
    assert len(body) > body_module.KEEP_DECODED
    response = client.post("/services/collector/event", content=gzip.compress(body), headers={**auth(), "Content-Encoding": "gzip"})
    assert response.json() == {"text": "Success", "code": 0}
    assert [e.event["n"] for e in hec.journal.events] == list(range(10_000))
