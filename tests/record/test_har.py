"""HAR export: the journal's and the recording proxy's captures are valid HAR 1.2 and read back."""

from __future__ import annotations

import base64
import gzip
import ssl

import httpx
import pytest

from hecharness.har import CaptureError, load_capture, read_capture
from hecharness.record import RecordingProxy
from tests.record.conftest import CHANNEL, TOKEN, assert_valid_har, converse


def test_the_journal_exports_valid_har_over_python_and_the_admin_api(upstream):
    converse(upstream.url)
    document = upstream.journal.to_har()
    assert_valid_har(document)
    assert httpx.get(upstream.admin_url + "/journal.har").json() == document
    entries = document["log"]["entries"]
    assert [e["request"]["url"].rsplit("/", 1)[1] for e in entries] == ["raw", "event", "event", "event", "health", "nope"]
    assert entries[0]["request"]["postData"]["text"] == "one\ntwo"
    assert entries[0]["_hec"] == {"code": 0, "text": "Success", "ackId": 0, "events": 2}
    assert entries[2]["response"]["content"]["text"] == '{"text":"Invalid data format","code":6,"invalid-event-number":1,"ackId":2}'
    assert all(TOKEN not in str(entry) for entry in entries)  # masked, as in the journal


def test_a_journal_entry_without_stored_events_says_its_body_is_missing(upstream):
    upstream.client(headers={"X-Splunk-Request-Channel": CHANNEL}).post("/services/collector/event", content=b'{"nothing": 1}')
    (entry,) = upstream.journal.to_har()["log"]["entries"]
    assert "postData" not in entry["request"]
    assert "body delivered no stored events" in entry["comment"]


def test_the_proxy_records_bodies_as_sent_and_answers_as_given(upstream):
    with RecordingProxy(upstream.url) as proxy:
        converse(proxy.url)
        document = proxy.to_har()
    assert_valid_har(document)
    entries = document["log"]["entries"]
    assert len(entries) == 6
    zipped = entries[1]["request"]["postData"]
    assert zipped["text"] == '{"event": "zipped"}'
    assert gzip.decompress(base64.b64decode(zipped["_sentBase64"])) == b'{"event": "zipped"}'
    assert entries[2]["_hec"] == {"code": 6, "text": "Invalid data format", "invalidEventNumber": 1, "ackId": 2}
    assert entries[5]["response"]["status"] == 404
    headers = {h["name"].lower(): h["value"] for h in entries[0]["request"]["headers"]}
    assert headers["authorization"] == "Splunk 1111****"
    assert [r.target for r in read_capture(document)][:2] == ["/services/collector/raw", "/services/collector/event"]
    assert read_capture(document)[1].body == base64.b64decode(zipped["_sentBase64"])  # replayed as sent


def test_the_proxy_keeps_the_token_when_asked_and_masks_a_query_token(upstream):
    with RecordingProxy(upstream.url, show_token=True) as proxy:
        httpx.post(proxy.url + "/services/collector/raw", content=b"x", headers={"Authorization": f"Splunk {TOKEN}"})
    with RecordingProxy(upstream.url) as masked:
        httpx.post(masked.url + f"/services/collector/raw?token={TOKEN}&sourcetype=a", content=b"x")
    shown = proxy.to_har()["log"]["entries"][0]["request"]["headers"]
    assert {"name": "authorization", "value": f"Splunk {TOKEN}"} in shown
    url = masked.to_har()["log"]["entries"][0]["request"]["url"]
    assert url.endswith("/services/collector/raw?token=1111****&sourcetype=a")


def test_the_proxy_answers_502_and_records_why_when_the_upstream_is_down(unused_port):
    with RecordingProxy(f"http://127.0.0.1:{unused_port}") as proxy:
        response = httpx.post(proxy.url + "/services/collector/raw", content=b"x")
    assert response.status_code == 502 and "did not answer" in response.text
    (entry,) = proxy.to_har()["log"]["entries"]
    assert entry["response"]["status"] == 0 and "did not answer" in entry["comment"]
    assert_valid_har(proxy.to_har())


def test_the_proxy_serves_senders_over_tls(upstream):
    with RecordingProxy(upstream.url, tls="valid") as proxy:
        assert proxy.url.startswith("https://")
        response = httpx.get(proxy.url + "/services/collector/health", verify=ssl.create_default_context(cafile=proxy.ca_path))
    assert response.json() == {"text": "HEC is healthy", "code": 17}
    assert proxy.to_har()["log"]["entries"][0]["request"]["url"].startswith("https://")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"entries": []}, "not a HAR capture: no log.entries list"),
        ({"log": {"entries": [{"request": {}}]}}, "entry 1 cannot be read: KeyError 'response'"),
        ({"log": {"entries": "x"}}, "not a HAR capture"),
    ],
)
def test_a_capture_that_cannot_be_read_says_why(document, message):
    with pytest.raises(CaptureError, match=message):
        read_capture(document)


def test_a_capture_file_that_is_not_json_says_so(tmp_path):
    path = tmp_path / "capture.har"
    path.write_text("{")
    with pytest.raises(CaptureError, match="capture.har: not JSON"):
        load_capture(path)
    with pytest.raises(CaptureError, match="No such file"):
        load_capture(tmp_path / "missing.har")


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_proxy_whose_server_cannot_start_says_so_instead_of_returning(monkeypatch):
    import uvicorn

    async def fails(self, sockets=None):
        raise OSError("no way to serve")

    monkeypatch.setattr(uvicorn.Server, "serve", fails)
    with pytest.raises(RuntimeError, match="the recording proxy did not start: no way to serve"):
        RecordingProxy("http://127.0.0.1:9").start()
