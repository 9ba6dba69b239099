"""The shipped captures of Splunk's measured answers, replayed against the fake: it must answer alike."""

from __future__ import annotations

import json

import pytest

from hecharness.har import load_capture
from hecharness.hec import FakeHEC, Token
from hecharness.replay import CAPTURES, differences, replay, table
from tests.record.conftest import assert_valid_har

TOKEN = "5e1f0000-1111-2222-3333-444444444444"  # the captures keep "5e1f****"


@pytest.mark.parametrize(("name", "ack"), [("splunk-10.4.3.har", False), ("splunk-10.4.3-ack.har", True)])
def test_the_fake_answers_as_splunk_did(name, ack):
    entries = load_capture(CAPTURES / name)
    with FakeHEC([Token(TOKEN, ack=ack)]) as hec:
        found = differences(replay(entries, hec.url, token=TOKEN, speed=None))
    assert found == [], "\n" + table(found)


@pytest.mark.parametrize("name", ["splunk-10.4.3.har", "splunk-10.4.3-ack.har"])
def test_each_captured_answer_names_where_it_was_measured(name):
    document = json.loads((CAPTURES / name).read_text())
    assert_valid_har(document)
    assert all("hec-protocol.md" in entry["comment"] for entry in document["log"]["entries"])


def test_a_capture_notices_a_hec_that_answers_otherwise():
    # The same capture against a token with acknowledgement on: every data request now needs a channel.
    entries = load_capture(CAPTURES / "splunk-10.4.3.har")
    with FakeHEC([Token(TOKEN, ack=True)]) as hec:
        found = differences(replay(entries, hec.url, token=TOKEN, speed=None))
    assert ("HEC code", 0, 10) in {(d.field, d.recorded, d.replayed) for d in found}
