"""After TLS: what HEC (or something that is not HEC) answers to the health request and the FAQ's POST."""

from __future__ import annotations

import json

import pytest

from hecharness.codes import NOT_FOUND_TEXT
from hecharness.hec import FakeHEC
from tests.preflight.conftest import ACK_TOKEN, CHANNEL, DISABLED_TOKEN, TOKEN, NotHEC, Reply, destination, raw_url, run
from tests.preflight.test_network_failures import assert_failed_at

NOT_FOUND_BODY = json.dumps({"text": NOT_FOUND_TEXT, "code": 404}, separators=(",", ":"))


# -- 404/405: not the raw endpoint ----------------------------------------------------------------


@pytest.mark.parametrize(("status", "verb"), [(404, "Splunk has no such path"), (405, "Splunk does not take POST there")])
def test_not_found_or_wrong_method_means_not_the_raw_endpoint(hec: FakeHEC, status: int, verb: str) -> None:
    hec.faults.add({"action": f"status:{status}", "path": "raw", "body": NOT_FOUND_BODY})

    result = run(raw_url(hec), cafile=hec.ca_path)

    assert_failed_at(result, "post", "not-raw-endpoint")
    assert result.exit_code == 11
    assert (result.cause or "").startswith(f"{verb} ({status}, code 404")
    assert "not HEC's raw endpoint" in (result.cause or "")
    assert "/services/collector/raw" in (result.fix or "") and "8088" in (result.fix or "")


def test_a_web_servers_own_404_is_not_the_raw_endpoint_either(web_page: NotHEC) -> None:
    web_page.reply = Reply(404, b"<h1>Not Found</h1>")

    result = run(web_page.url, cafile=web_page.ca_path)

    assert_failed_at(result, "post", "not-raw-endpoint")
    assert (result.cause or "").startswith("the server has no such path (404 text/html")


# -- 401/403: the token ---------------------------------------------------------------------------


def test_unknown_token(hec: FakeHEC) -> None:
    result = run(raw_url(hec), cafile=hec.ca_path, token="6e1d3f0a-7b2c-4d5e-8f9a-0b1c2d3e4f5a")

    assert_failed_at(result, "post", "token")
    assert result.exit_code == 12
    assert result.cause == 'HEC does not know this token (403, code 4 "Invalid token")'
    assert "Copy the token's value again" in (result.fix or "")


def test_disabled_token(hec: FakeHEC) -> None:
    result = run(raw_url(hec), cafile=hec.ca_path, token=DISABLED_TOKEN)

    assert_failed_at(result, "post", "token")
    assert result.cause == 'the token is disabled (403, code 1 "Token disabled")'
    assert "Enable it" in (result.fix or "")


def test_missing_token_as_a_header_stripping_proxy_would_cause(hec: FakeHEC) -> None:
    hec.faults.add("error:2 path=raw")

    result = run(raw_url(hec), cafile=hec.ca_path)

    assert_failed_at(result, "post", "token")
    assert result.cause == 'HEC received no token (401, code 2 "Token is required")'
    assert "proxy" in (result.fix or "")


def test_malformed_authorization(hec: FakeHEC) -> None:
    hec.faults.add("error:3 path=raw")

    result = run(raw_url(hec), cafile=hec.ca_path)

    assert_failed_at(result, "post", "token")
    assert result.cause == 'HEC could not read the Authorization header (401, code 3 "Invalid authorization")'
    assert "header_Authorization=Splunk%20<token>" in (result.fix or "")


def test_token_given_url_encoded_gets_the_encoding_hint(hec: FakeHEC) -> None:
    result = run(raw_url(hec), cafile=hec.ca_path, token=f"Splunk%20{TOKEN}")

    assert_failed_at(result, "post", "token")
    assert "URL escapes such as %20" in (result.fix or "")


def test_token_that_is_not_a_guid_gets_the_copy_hint(hec: FakeHEC) -> None:
    result = run(raw_url(hec), cafile=hec.ca_path, token="0aa7e2a5-8f35-4b7b-9d7e")

    assert_failed_at(result, "post", "token")
    assert "HEC tokens are GUIDs" in (result.fix or "") and "(23 characters)" in (result.fix or "")


# -- 400: the channel -----------------------------------------------------------------------------


def test_ack_token_without_a_channel(hec: FakeHEC) -> None:
    result = run(raw_url(hec), cafile=hec.ca_path, token=ACK_TOKEN)

    assert_failed_at(result, "post", "channel")
    assert result.exit_code == 13
    assert (result.cause or "").startswith("indexer acknowledgement is on for this token, so HEC requires a channel")
    assert '(400, code 10 "Data channel is missing")' in (result.cause or "")
    assert "add channel=" in (result.fix or "") and "--channel" in (result.fix or "")


def test_ack_token_without_a_channel_on_splunk_cloud(hec: FakeHEC) -> None:
    hec.configure(flavor="cloud")

    result = run(raw_url(hec), cafile=hec.ca_path, token=ACK_TOKEN)

    assert_failed_at(result, "post", "channel")
    assert "code 28" in (result.cause or "")


def test_channel_reported_missing_although_sent(hec: FakeHEC) -> None:
    hec.faults.add("error:10 path=raw")

    result = run(destination(hec), cafile=hec.ca_path)

    assert_failed_at(result, "post", "channel")
    assert "although one was sent" in (result.cause or "")


def test_channel_hec_does_not_accept(hec: FakeHEC) -> None:
    hec.faults.add("error:11 path=raw")

    result = run(raw_url(hec), cafile=hec.ca_path, channel=CHANNEL)

    assert_failed_at(result, "post", "channel")
    assert result.cause == 'HEC does not accept the channel (400, code 11 "Invalid data channel")'


# -- 503: busy or unhealthy -----------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "said"), [("error:9", '503, code 9 "Server is busy"'), ("error:26", "429, code 26")])
def test_busy_hec(hec: FakeHEC, spec: str, said: str) -> None:
    hec.faults.add(f"{spec} path=raw")

    result = run(raw_url(hec), cafile=hec.ca_path)

    assert_failed_at(result, "post", "busy")
    assert result.exit_code == 14
    assert said in (result.cause or "")
    assert "retries" in (result.fix or "")


def test_unhealthy_hec_fails_at_the_health_step(hec: FakeHEC) -> None:
    hec.configure(health="queues-full")

    result = run(raw_url(hec), cafile=hec.ca_path)

    assert_failed_at(result, "health", "busy")
    assert result.cause == 'HEC reports itself unhealthy (503, code 18 "HEC is unhealthy, queues are full")'
    assert hec.journal.event_count == 0


# -- other HEC refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", [8, 7])
def test_other_hec_refusals(hec: FakeHEC, code: int) -> None:
    hec.faults.add(f"error:{code} path=raw")

    result = run(raw_url(hec), cafile=hec.ca_path)

    assert_failed_at(result, "post", "hec-error")
    assert result.exit_code == 15
    assert (result.cause or "").startswith("HEC refused the FAQ's sample record (")
    assert f"code {code} " in (result.cause or "")
    assert "splunkd.log" in (result.fix or "")


# -- not a HEC at all -----------------------------------------------------------------------------


def test_web_server_that_answers_everything_with_a_page(web_page: NotHEC) -> None:
    result = run(web_page.url, cafile=web_page.ca_path)

    assert_failed_at(result, "post", "not-hec")
    assert result.exit_code == 16
    assert result.cause == "the server answered 200 text/html '<html><body>It works!</body></html>', not HEC's JSON reply"
    assert "/services/collector/raw" in (result.fix or "")
    # The health step goes on, with a warning, so the POST can give the verdict.
    assert any("not HEC's health reply" in warning for warning in result.warnings)


def test_splunk_management_port_lookalike(web_page: NotHEC) -> None:
    web_page.reply = Reply(
        401,
        b'<?xml version="1.0"?><response><messages><msg type="WARN">call not properly authenticated</msg></messages></response>',
        {"Content-Type": "text/xml"},
    )

    result = run(web_page.url, cafile=web_page.ca_path)

    assert_failed_at(result, "post", "not-hec")
    assert "management port (8089)" in (result.cause or "")


def test_redirect_is_not_followed(web_page: NotHEC) -> None:
    web_page.reply = Reply(302, b"", {"Location": "https://login.example.com/"})

    result = run(web_page.url, cafile=web_page.ca_path)

    assert_failed_at(result, "post", "not-hec")
    assert result.cause == "the server redirects the POST to https://login.example.com/ (302) instead of answering it"


def test_connection_closed_without_an_answer(hec: FakeHEC) -> None:
    hec.faults.add("close path=raw")

    result = run(raw_url(hec), cafile=hec.ca_path)

    assert_failed_at(result, "post", "not-hec")
    assert "closed the connection instead of answering the sample record" in (result.cause or "")
    assert "mutual TLS" in (result.fix or "")
