"""A small HEC conversation to capture: success, a refusal with invalid-event-number, an ackId, a 404."""

from __future__ import annotations

import gzip
import json
import uuid
from pathlib import Path

import httpx
import jsonschema
import pytest

from hecharness.hec import FakeHEC, Token

TOKEN = "11111111-2222-3333-4444-555555555555"
CHANNEL = str(uuid.UUID(int=7))
SCHEMA = json.loads((Path(__file__).parent / "har-1.2.schema.json").read_text())


def assert_valid_har(document: dict) -> None:
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())


def fake() -> FakeHEC:
    return FakeHEC([Token(TOKEN, ack=True)])


def converse(base_url: str, **client_options: object) -> None:
    """The requests a sender makes: every answer field a replay compares shows up at least once."""
    headers = {"Authorization": f"Splunk {TOKEN}", "X-Splunk-Request-Channel": CHANNEL}
    with httpx.Client(base_url=base_url, headers=headers, **client_options) as client:
        client.post("/services/collector/raw", content=b"one\ntwo")
        client.post("/services/collector/event", content=gzip.compress(b'{"event": "zipped"}'), headers={"Content-Encoding": "gzip"})
        client.post("/services/collector/event", content=b'{"event": 1}{"event": ')
        client.post("/services/collector/event", content=b'{"event": 1}', headers={"X-Splunk-Request-Channel": ""})
        client.get("/services/collector/health")
        client.post("/services/collector/nope", content=b"x")


@pytest.fixture
def upstream():
    with fake() as hec:
        yield hec
