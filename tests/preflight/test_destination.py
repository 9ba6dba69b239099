"""The first step: both forms are held to Logpush's destination rules before anything touches the network."""

from __future__ import annotations

import pytest

from hecharness.hec import FakeHEC
from hecharness.preflight import check
from tests.preflight.conftest import CHANNEL, RAW_PATH, TOKEN, destination, raw_url, run
from tests.preflight.test_network_failures import assert_failed_at

GOOD = (
    f"splunk://hec.example.com:8088{RAW_PATH}?channel={CHANNEL}&insecure-skip-verify=false"
    f"&sourcetype=cloudflare:json&header_Authorization=Splunk%20{TOKEN}"
)


@pytest.mark.parametrize(
    ("conf", "words", "fix"),
    [
        (GOOD.replace(RAW_PATH, "/services/collector/event"), "JSON event endpoint", "/services/collector/raw"),
        (GOOD.replace(f"channel={CHANNEL}", "channel=abc"), "is not a GUID", "uuid.uuid4()"),
        (GOOD.replace("Splunk%20", "Splunk "), "is not URL-encoded", "%20 for the space"),
        (GOOD.replace("Splunk%20", "Bearer%20"), "must start with 'Splunk '", "header_Authorization=Splunk%20<token>"),
        (GOOD.replace("splunk://", "s3://"), "storage destination", "raw endpoint over HTTPS"),
    ],
)
def test_destination_logpush_would_refuse(conf: str, words: str, fix: str) -> None:
    result = check(conf)

    assert_failed_at(result, "destination", "destination")
    assert result.exit_code == 3
    assert words in (result.cause or "")
    assert fix in (result.fix or "")
    assert result.target is None and result.curl is None
    assert TOKEN not in (result.cause or "")


def test_url_form_is_linted_as_the_destination_it_implies() -> None:
    result = check(f"https://hec.example.com:8088/services/collector/event", token=TOKEN)

    assert_failed_at(result, "destination", "destination")
    assert "JSON event endpoint" in (result.cause or "")


def test_url_without_a_path_is_told_the_path_is_missing() -> None:
    result = check("https://hec.example.com:8088", token=TOKEN)

    assert_failed_at(result, "destination", "destination")
    assert "path is missing" in (result.cause or "")
    assert "event endpoint" not in (result.cause or "") + (result.fix or "")
    assert RAW_PATH in (result.fix or "")


def test_port_rule_names_the_flag_and_the_keyword_not_only_one() -> None:
    result = check(GOOD.replace(":8088", ":8089"))

    (warning,) = [w for w in result.warnings if w.startswith("port 8089:")]
    assert "--any-port" in warning and "any_port=True in Python" in warning


def test_plain_http_url_is_refused_as_logpush_would() -> None:
    result = check(f"http://hec.example.com:8088{RAW_PATH}", token=TOKEN)

    assert_failed_at(result, "destination", "destination")
    assert "Logpush only delivers over HTTPS" in (result.cause or "")


def test_url_without_a_port_means_443() -> None:
    result = check(f"https://hec.hecharness.invalid{RAW_PATH}", token=TOKEN)

    assert result.target is not None and result.target.port == 443
    assert result.failure is not None and result.failure.name == "dns"  # linted fine, then failed to resolve


def test_url_form_token_with_a_raw_space_fails_the_lint() -> None:
    result = check(f"https://hec.example.com:8088{RAW_PATH}", token="0aa7e2a5 8f35")

    assert_failed_at(result, "destination", "destination")
    assert "HEC tokens contain no spaces" in (result.fix or "")


def test_url_form_builds_the_equivalent_destination(hec: FakeHEC) -> None:
    result = run(raw_url(hec), cafile=hec.ca_path, channel=CHANNEL, sourcetype="cloudflare:firewall")

    conf = result.destination_conf() or ""
    assert conf.startswith("splunk://127.0.0.1:")
    assert f"channel={CHANNEL}" in conf and "sourcetype=cloudflare:firewall" in conf
    assert "header_Authorization=Splunk%200aa7****" in conf
    assert any("Cloudflare App for Splunk reads cloudflare:json" in warning for warning in result.warnings)


def test_url_form_keeps_the_query_the_url_already_has(hec: FakeHEC) -> None:
    result = run(raw_url(hec) + f"?channel={CHANNEL}&sourcetype=cloudflare:json", cafile=hec.ca_path)

    assert result.ok, result.cause
    assert (hec.journal.events[0].channel, hec.journal.events[0].sourcetype) == (CHANNEL, "cloudflare:json")


def test_url_form_without_channel_suggests_a_destination_with_one(hec: FakeHEC) -> None:
    result = run(raw_url(hec), cafile=hec.ca_path)

    assert result.target is not None and not result.target.channel_sent
    assert result.target.destination.channel is not None  # a fresh GUID, for the destination_conf to use
    assert any("no channel given" in warning for warning in result.warnings)


def test_port_rule_is_a_warning_that_cites_the_faq(hec: FakeHEC) -> None:
    # Only the FAQ states the rule (its status today is unverified), so another port warns and the check goes on.
    warned = check(destination(hec), cafile=hec.ca_path)
    assert warned.ok, warned.cause
    port_warnings = [w for w in warned.warnings if w.startswith(f"port {hec.listeners[0].port}:")]
    assert len(port_warnings) == 1
    assert "Logpush expects the HEC port to be 443 or 8088 (says the Logpush FAQ, logs/faq/logpush.mdx @5a9f050" in port_warnings[0]
    assert "June 2025" in port_warnings[0] and "--any-port" in port_warnings[0]

    quiet = check(destination(hec), cafile=hec.ca_path, any_port=True)
    assert quiet.ok and not any(w.startswith("port ") for w in quiet.warnings)


def test_a_bad_port_still_fails_the_lint() -> None:
    result = check(GOOD.replace(":8088", ":0"))
    assert_failed_at(result, "destination", "destination")
    assert "port 0 is not a usable port" in (result.cause or "") and "HOST:8088" in (result.fix or "")


def test_destination_without_sourcetype_is_advised_to_add_one(hec: FakeHEC) -> None:
    result = run(destination(hec).replace("&sourcetype=cloudflare:json", ""), cafile=hec.ca_path)

    assert result.ok, result.cause
    assert any("no sourcetype" in warning for warning in result.warnings)


@pytest.mark.parametrize("option", ["token", "channel", "sourcetype"])
def test_url_form_options_do_not_go_with_a_destination(option: str) -> None:
    with pytest.raises(ValueError, match=f"{option} cannot be combined with a splunk:// destination"):
        check(GOOD, **{option: "x"})


@pytest.mark.parametrize("timeout", [0, -1, True, "5"])
def test_timeout_must_be_a_positive_number(timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout must be a number of seconds above 0"):
        check(GOOD, timeout=timeout)  # type: ignore[arg-type]


def test_unreadable_ca_file(tmp_path) -> None:
    with pytest.raises(ValueError, match="cannot read CA file"):
        check(GOOD, cafile=tmp_path / "missing.pem")


def test_ca_file_without_a_certificate(tmp_path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")

    with pytest.raises(ValueError, match="holds no usable CA certificate"):
        check(GOOD, cafile=junk)


def test_url_with_a_malformed_port_is_named_by_the_port_rule() -> None:
    result = check(f"https://hec.example.com:80x8{RAW_PATH}", token=TOKEN)

    assert_failed_at(result, "destination", "destination")
    assert "port '80x8' is not a number" in (result.cause or "")
