"""The check passes when the FAQ's curl would: valid certificates, and with --insecure the ones it skips."""

from __future__ import annotations

import json

import pytest

from hecharness.hec import FakeHEC
from hecharness.destination import parse_destination
from hecharness.preflight import SAMPLE_RECORD, STEPS, StepOutcome
from tests.preflight.conftest import ACK_TOKEN, CHANNEL, TOKEN, destination, raw_url, run


def test_valid_certificate_with_its_ca_passes_every_step(hec: FakeHEC) -> None:
    result = run(raw_url(hec), cafile=hec.ca_path)

    assert result.ok, result.cause
    assert result.exit_code == 0
    assert [step.name for step in result.steps] == list(STEPS)
    assert all(step.outcome is StepOutcome.OK and step.duration is not None for step in result.steps)
    assert result.health is not None and result.health.hec_code == 17
    assert result.answer is not None and (result.answer.status, result.answer.hec_code, result.answer.hec_text) == (200, 0, "Success")

    (event,) = hec.journal.events
    assert event.raw == SAMPLE_RECORD.decode()
    assert event.sourcetype == "cloudflare:json"
    assert event.channel is None  # the URL form without --channel posts without one, as curl would


def test_certificate_facts_are_reported(hec: FakeHEC) -> None:
    facts = run(raw_url(hec), cafile=hec.ca_path).certificate

    assert facts is not None and facts.verified
    assert "CN=localhost" in facts.subject
    assert "hecharness test CA" in facts.issuer
    assert set(facts.names) >= {"DNS:localhost", "IP:127.0.0.1"}
    assert facts.not_before < facts.not_after
    assert facts.tls_version in ("TLSv1.2", "TLSv1.3")
    assert facts.chain.ok and facts.hostname.ok and facts.dates.ok
    assert str(hec.ca_path) in facts.chain.message


def test_destination_form_sends_its_channel_and_sourcetype(hec: FakeHEC) -> None:
    result = run(destination(hec), cafile=hec.ca_path)

    assert result.ok, result.cause
    (event,) = hec.journal.events
    assert event.channel == CHANNEL
    assert event.sourcetype == "cloudflare:json"


def test_a_parsed_destination_is_accepted(hec: FakeHEC) -> None:
    parsed = parse_destination(destination(hec), any_port=True)

    result = run(parsed, cafile=hec.ca_path)

    assert result.ok, result.cause


def test_host_name_is_resolved_and_matched_against_the_names(hec: FakeHEC) -> None:
    result = run(raw_url(hec, host="localhost"), cafile=hec.ca_path)

    assert result.ok, result.cause
    assert "127.0.0.1" in result.step("resolve").details[0]
    assert result.certificate is not None and result.certificate.hostname.message == "valid for localhost"


@pytest.mark.parametrize("mode", ["self-signed", "splunk-default"])
def test_insecure_passes_and_still_says_what_would_fail(hec: FakeHEC, mode: str) -> None:
    result = run(raw_url(hec, mode), insecure=True)

    assert result.ok, result.cause
    assert result.exit_code == 0
    assert result.certificate is not None and not result.certificate.verified
    assert any("would fail verification" in warning for warning in result.warnings)
    assert "-k" in (result.curl or "")
    assert len(hec.journal.events) == 1


def test_insecure_skip_verify_in_the_destination_counts_as_insecure(hec: FakeHEC) -> None:
    result = run(destination(hec, "splunk-default", insecure=True))

    assert result.ok, result.cause
    assert any("Cloudflare recommends false" in warning for warning in result.warnings)


def test_ack_token_with_a_channel_passes_and_notes_the_ack(hec: FakeHEC) -> None:
    result = run(raw_url(hec), cafile=hec.ca_path, token=ACK_TOKEN, channel=CHANNEL)

    assert result.ok, result.cause
    assert any("ackId 0" in line for line in result.step("post").details)


def test_near_capacity_is_a_pass_with_a_warning(hec: FakeHEC) -> None:
    hec.faults.add("error:24 path=raw")

    result = run(raw_url(hec), cafile=hec.ca_path)

    assert result.ok
    assert any("near capacity" in warning for warning in result.warnings)


def test_curl_command_repeats_the_request_with_the_token_masked(hec: FakeHEC) -> None:
    result = run(raw_url(hec), cafile=hec.ca_path, channel=CHANNEL)

    curl = result.curl or ""
    assert curl.startswith(f"curl 'https://127.0.0.1:")
    assert f"channel={CHANNEL}" in curl and "sourcetype=cloudflare:json" in curl
    assert "-H 'Authorization: Splunk 0aa7****'" in curl
    assert TOKEN not in curl
    assert f"--cacert {hec.ca_path}" in curl
    assert SAMPLE_RECORD.decode() in curl
    assert TOKEN in (result.curl_command(show_token=True) or "")


def test_result_serialises_to_json_without_the_token(hec: FakeHEC) -> None:
    result = run(raw_url(hec), cafile=hec.ca_path)

    data = json.loads(json.dumps(result.to_dict()))
    assert data["ok"] is True and data["exit_code"] == 0 and data["failure"] is None
    assert [step["outcome"] for step in data["steps"]] == ["ok"] * len(STEPS)
    assert data["certificate"]["checks"]["chain"]["ok"] is True
    assert data["answer"]["hec_code"] == 0
    assert TOKEN not in json.dumps(data)
    assert TOKEN in json.dumps(result.to_dict(show_token=True))
