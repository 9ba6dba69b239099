"""destination_conf parsing: one test per rule, each checking the blamed part and the message."""

from __future__ import annotations

import pytest

from hecharness.destination import Destination, DestinationError, parse_destination

TOKEN = "e6d94e8c-5792-4ad1-be3c-29bcaee0197d"
CHANNEL = "f1aafa4f-684f-4c29-a040-7fe184b03712"
RAW = "splunk.example.com:8088/services/collector/raw"
GOOD = (
    f"splunk://{RAW}?channel={CHANNEL}&insecure-skip-verify=false"
    f"&sourcetype=cloudflare:json&header_Authorization=Splunk%20{TOKEN}"
)


def splunk(query: str = "", *, where: str = RAW, auth: str | None = f"Splunk%20{TOKEN}") -> str:
    """A Splunk conf with a good channel, plus `query` and the given Authorization."""
    parts = [f"channel={CHANNEL}"] + ([query] if query else [])
    if auth is not None:
        parts.append(f"header_Authorization={auth}")
    return f"splunk://{where}?" + "&".join(parts)


def refused(conf: str, **kwargs: bool) -> DestinationError:
    with pytest.raises(DestinationError) as caught:
        parse_destination(conf, **kwargs)
    error = caught.value
    assert len(str(error).splitlines()) == 1
    assert TOKEN not in str(error)
    return error


# --- what a good destination gives a sender ------------------------------------------------------


def test_documented_splunk_example_parses_into_what_a_sender_needs():
    destination = parse_destination(GOOD)

    assert destination.scheme == "splunk"
    assert destination.host == "splunk.example.com"
    assert destination.port == 8088
    assert destination.path == "/services/collector/raw"
    assert destination.channel == CHANNEL
    assert destination.sourcetype == "cloudflare:json"
    assert destination.insecure_skip_verify is False
    assert destination.headers == {"Authorization": f"Splunk {TOKEN}"}
    assert destination.token == TOKEN


def test_url_is_https_with_channel_and_sourcetype_in_the_query():
    destination = parse_destination(GOOD)

    assert destination.url == (
        f"https://splunk.example.com:8088/services/collector/raw?channel={CHANNEL}&sourcetype=cloudflare:json"
    )


def test_ibm_example_with_parameters_in_another_order_parses():
    conf = (
        "splunk://cis-analytics.ibm.com:8088/services/collector/raw"
        f"?header_Authorization=Splunk%20{TOKEN}&channel={CHANNEL}"
        "&sourcetype=cloudflare:json&insecure-skip-verify=false"
    )

    destination = parse_destination(conf)

    assert destination.host == "cis-analytics.ibm.com"
    assert destination.token == TOKEN


def test_port_443_is_allowed():
    assert parse_destination(splunk(where="splunk.example.com:443/services/collector/raw")).port == 443


def test_insecure_skip_verify_true_is_read_and_kept_out_of_the_upload_url():
    destination = parse_destination(splunk("insecure-skip-verify=true"))

    assert destination.insecure_skip_verify is True
    assert "insecure-skip-verify" not in destination.url


@pytest.mark.parametrize("spelling", ["1", "t", "T", "TRUE", "True"])
def test_go_style_true_spellings_are_accepted(spelling):
    assert parse_destination(splunk(f"insecure-skip-verify={spelling}")).insecure_skip_verify is True


def test_insecure_skip_verify_defaults_to_verifying():
    assert parse_destination(splunk()).insecure_skip_verify is False


def test_sourcetype_is_optional():
    destination = parse_destination(splunk())

    assert destination.sourcetype is None
    assert "sourcetype" not in destination.url


def test_plus_decodes_to_a_space_like_a_form():
    assert parse_destination(splunk(auth=f"Splunk+{TOKEN}")).headers["Authorization"] == f"Splunk {TOKEN}"


def test_extra_header_params_become_headers():
    destination = parse_destination(splunk("header_Content-Type=application%2Fjson&header_X-Tenant=blue"))

    assert destination.headers == {
        "Content-Type": "application/json",
        "X-Tenant": "blue",
        "Authorization": f"Splunk {TOKEN}",
    }


def test_lowercase_header_authorization_is_the_authorization_header():
    conf = f"splunk://{RAW}?channel={CHANNEL}&header_authorization=Splunk%20{TOKEN}"

    assert parse_destination(conf).token == TOKEN


def test_other_plain_params_are_kept_and_sent_on_to_hec():
    destination = parse_destination(splunk("sourcetype=cloudflare:json&index=cloudflare&host=edge"))

    assert destination.params == {"index": "cloudflare", "host": "edge"}
    assert destination.url.endswith("?channel=" + CHANNEL + "&sourcetype=cloudflare:json&index=cloudflare&host=edge")


def test_ipv6_host_is_bracketed_in_the_url():
    destination = parse_destination(splunk(where="[2001:DB8::1]:8088/services/collector/raw"))

    assert destination.host == "2001:db8::1"
    assert destination.url.startswith("https://[2001:db8::1]:8088/services/collector/raw?")


def test_scheme_is_case_insensitive():
    assert parse_destination("SPLUNK" + GOOD.removeprefix("splunk")).scheme == "splunk"


def test_trailing_ampersand_is_harmless():
    assert parse_destination(GOOD + "&").token == TOKEN


# --- HTTP destinations ---------------------------------------------------------------------------


def test_documented_http_example_parses():
    conf = (
        "https://logs.example.com?header_Authorization=Basic%20REDACTED"
        "&tags=host:theburritobot.com,dataset:http_requests"
    )

    destination = parse_destination(conf)

    assert destination.scheme == "https"
    assert destination.port == 443
    assert destination.headers == {"Authorization": "Basic REDACTED"}
    assert destination.params == {"tags": "host:theburritobot.com,dataset:http_requests"}
    assert destination.token == "REDACTED"
    assert destination.channel is None
    assert destination.url == "https://logs.example.com/?tags=host:theburritobot.com,dataset:http_requests"


def test_http_destination_allows_any_port_and_path_and_needs_no_auth():
    destination = parse_destination("https://collector.example.com:9443/ingest/v1")

    assert (destination.port, destination.path, destination.headers, destination.token) == (
        9443,
        "/ingest/v1",
        {},
        None,
    )
    assert destination.url == "https://collector.example.com:9443/ingest/v1"


def test_http_destination_prints_back_without_the_default_port():
    assert parse_destination("https://logs.example.com:443/x?a=1").canonical() == "https://logs.example.com/x?a=1"


# --- scheme and URL shape ------------------------------------------------------------------------


def test_http_scheme_is_refused_because_logpush_needs_https():
    error = refused("http://logs.example.com/ingest")

    assert error.part == "scheme"
    assert "'http'" in str(error) and "HTTPS" in str(error)


def test_unknown_scheme_is_named():
    error = refused("ftp://logs.example.com/")

    assert error.part == "scheme"
    assert "'ftp'" in str(error)


def test_other_logpush_destinations_are_named_as_unsupported():
    error = refused("s3://bucket/logs?region=us-east-1")

    assert error.part == "scheme"
    assert "'s3'" in str(error) and "storage" in str(error)


def test_missing_scheme_says_how_to_start():
    error = refused(f"{RAW}?channel={CHANNEL}")

    assert error.part == "scheme"
    assert "splunk://" in str(error) and "splunk.example.com" in str(error)


def test_empty_conf_is_refused():
    assert refused("").part == "url"


def test_control_characters_are_refused_with_their_position():
    error = refused(GOOD + "\n")

    assert error.part == "url"
    assert "'\\n'" in str(error)
    assert str(len(GOOD)) in str(error)


def test_surrounding_whitespace_is_refused():
    assert refused(" " + GOOD).part == "url"


def test_fragment_is_refused_with_the_encoding_hint():
    error = refused(GOOD + "#frag")

    assert error.part == "url"
    assert "'frag'" in str(error) and "%23" in str(error)


def test_unbalanced_ipv6_bracket_blames_the_host():
    error = refused(splunk(where="[2001:db8::1:8088/services/collector/raw"))

    assert error.part == "host"
    assert "IPv6" in str(error)


# --- host -------------------------------------------------------------------------------------------


def test_missing_host():
    error = refused(splunk(where=":8088/services/collector/raw"))

    assert error.part == "host"
    assert "':8088'" in str(error)


def test_credentials_before_the_host_are_refused():
    error = refused(splunk(where="admin:pw@splunk.example.com:8088/services/collector/raw"))

    assert error.part == "host"
    assert "header_Authorization" in str(error)
    assert "pw" not in str(error)


@pytest.mark.parametrize("host", ["bad host", "under..dots", "-leading.example.com", "h%41st"])
def test_malformed_host_is_named(host):
    error = refused(splunk(where=f"{host}:8088/services/collector/raw"))

    assert error.part == "host"
    assert repr(host.lower())[1:-1] in str(error)


def test_non_ascii_host_asks_for_punycode():
    error = refused(splunk(where="splünk.example:8088/services/collector/raw"))

    assert error.part == "host"
    assert "splünk.example" in str(error) and "xn--" in str(error)


@pytest.mark.parametrize("literal", ["[fe80::1%25eth0]", "[2001:db8::zz]"])
def test_unusable_ipv6_literal_is_named(literal):
    error = refused(splunk(where=f"{literal}:8088/services/collector/raw"))

    assert error.part == "host"
    assert literal[1:8] in str(error)


# --- port -------------------------------------------------------------------------------------------


def test_port_outside_443_and_8088_is_refused_by_default():
    error = refused(splunk(where="splunk.example.com:9088/services/collector/raw"))

    assert error.part == "port"
    assert "9088" in str(error) and "443 or 8088" in str(error) and "any_port" in str(error)


def test_any_port_policy_allows_other_ports():
    conf = splunk(where="splunk.example.com:9088/services/collector/raw")

    assert parse_destination(conf, any_port=True).port == 9088


def test_missing_port_on_splunk_is_refused():
    error = refused(splunk(where="splunk.example.com/services/collector/raw"))

    assert error.part == "port"
    assert "8088" in str(error)


def test_missing_port_is_refused_even_with_any_port():
    assert refused(splunk(where="splunk.example.com/services/collector/raw"), any_port=True).part == "port"


@pytest.mark.parametrize("port", ["80a", "+80", "99999", "8088:1"])
def test_non_numeric_or_out_of_range_port_is_named(port):
    error = refused(splunk(where=f"splunk.example.com:{port}/services/collector/raw"))

    assert error.part == "port"
    assert repr(port) in str(error)


def test_port_zero_is_refused():
    error = refused(splunk(where="splunk.example.com:0/services/collector/raw"), any_port=True)

    assert error.part == "port"
    assert "port 0" in str(error)


# --- path -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/services/collector/event", "/services/collector", "/services/collector/", "/services/collector/event/1.0"],
)
def test_event_endpoint_gets_the_raw_endpoint_hint(path):
    error = refused(splunk(where=f"splunk.example.com:8088{path}"))

    assert error.part == "path"
    assert repr(path) in str(error)
    assert "event endpoint" in str(error) and "/services/collector/raw" in str(error)


def test_missing_path_says_where_the_raw_endpoint_goes():
    error = refused(splunk(where="splunk.example.com:8088"))

    assert error.part == "path"
    assert "missing" in str(error) and "/services/collector/raw" in str(error)


def test_unrelated_path_is_named():
    error = refused(splunk(where="splunk.example.com:8088/ingest"))

    assert error.part == "path"
    assert "'/ingest'" in str(error) and "/services/collector/raw" in str(error)


def test_raw_endpoint_variants_are_not_exact_enough():
    error = refused(splunk(where="splunk.example.com:8088/services/collector/raw/1.0"))

    assert error.part == "path"
    assert "'/services/collector/raw/1.0'" in str(error)


def test_path_is_checked_before_the_query():
    # The leftmost mistake wins: a bad path is reported even when the query is bad too.
    error = refused("splunk://splunk.example.com:8088/services/collector/event?channel=nope")

    assert error.part == "path"


# --- channel ----------------------------------------------------------------------------------------


def test_missing_channel():
    error = refused(f"splunk://{RAW}?header_Authorization=Splunk%20{TOKEN}")

    assert error.part == "channel"
    assert "missing" in str(error) and "uuid" in str(error)


@pytest.mark.parametrize(
    "channel", ["not-a-guid", "", "f1aafa4f684f4c29a0407fe184b03712", "{f1aafa4f-684f-4c29-a040-7fe184b03712}"]
)
def test_channel_that_is_not_a_guid(channel):
    conf = f"splunk://{RAW}?channel={channel}&header_Authorization=Splunk%20{TOKEN}"

    error = refused(conf)

    assert error.part == "channel"
    assert repr(channel) in str(error) and "GUID" in str(error)


def test_uppercase_guid_is_a_guid():
    upper = CHANNEL.upper()

    assert parse_destination(f"splunk://{RAW}?channel={upper}&header_Authorization=Splunk%20{TOKEN}").channel == upper


def test_channel_given_twice():
    error = refused(splunk(f"channel={CHANNEL}"))

    assert error.part == "channel"
    assert "twice" in str(error)


# --- insecure-skip-verify and sourcetype ------------------------------------------------------------


@pytest.mark.parametrize("value", ["yes", "", "on", "2", "truthy"])
def test_bad_boolean_is_named(value):
    error = refused(splunk(f"insecure-skip-verify={value}"))

    assert error.part == "insecure-skip-verify"
    assert repr(value) in str(error) and "true or false" in str(error)


def test_empty_sourcetype_is_refused():
    error = refused(splunk("sourcetype="))

    assert error.part == "sourcetype"
    assert "cloudflare:json" in str(error)


# --- header_Authorization ---------------------------------------------------------------------------


def test_missing_authorization():
    error = refused(splunk(auth=None))

    assert error.part == "header_Authorization"
    assert "missing" in str(error) and "Splunk%20<token>" in str(error)


def test_raw_space_in_token_is_not_url_encoded():
    error = refused(splunk(auth=f"Splunk {TOKEN}"))

    assert error.part == "header_Authorization"
    assert "not URL-encoded" in str(error) and "%20" in str(error)
    assert "'Splunk e6d9****'" in str(error)


def test_token_without_splunk_prefix():
    error = refused(splunk(auth=TOKEN))

    assert error.part == "header_Authorization"
    assert "'e6d9****'" in str(error) and "Splunk " in str(error)


@pytest.mark.parametrize("auth", [f"Bearer%20{TOKEN}", f"splunk%20{TOKEN}", f"Basic%20{TOKEN}"])
def test_other_authorization_schemes_are_refused(auth):
    error = refused(splunk(auth=auth))

    assert error.part == "header_Authorization"
    assert "must start with 'Splunk '" in str(error)
    assert auth.split("%20")[0] in str(error)


def test_prefix_without_token():
    error = refused(splunk(auth="Splunk%20"))

    assert error.part == "header_Authorization"
    assert "no token" in str(error)


def test_literal_plus_inside_a_token_must_be_encoded():
    error = refused(splunk(auth="Splunk%20abcd+efgh"))

    assert error.part == "header_Authorization"
    assert "%2B" in str(error)
    assert "efgh" not in str(error)


def test_encoded_plus_inside_a_token_is_kept():
    assert parse_destination(splunk(auth="Splunk%20abcd%2Befgh")).token == "abcd+efgh"


def test_broken_percent_escape_is_named_without_revealing_the_token():
    error = refused(splunk(auth=f"Splunk%%20{TOKEN}"))

    assert error.part == "header_Authorization"
    assert "%XX" in str(error) and "%25" in str(error)


def test_escape_that_is_not_utf8():
    error = refused(splunk("index=%FF"))

    assert error.part == "index"
    assert "UTF-8" in str(error)


def test_authorization_given_twice_in_different_case():
    error = refused(splunk(f"header_authorization=Splunk%20{TOKEN}"))

    assert error.part == "header_Authorization"
    assert "twice" in str(error)


def test_lowercase_authorization_errors_blame_the_usual_spelling():
    error = refused(f"splunk://{RAW}?channel={CHANNEL}&header_authorization=Splunk {TOKEN}")

    assert error.part == "header_Authorization"
    assert "not URL-encoded" in str(error)


# --- other headers and parameters -------------------------------------------------------------------


def test_header_with_no_name():
    error = refused(splunk("header_=x"))

    assert error.part == "header_"
    assert "'header_'" in str(error)


def test_header_name_that_is_not_an_http_token():
    error = refused(splunk("header_X%20Bad=x"))

    assert error.part == "header_X Bad"
    assert "'header_X Bad'" in str(error)


def test_header_value_with_a_line_break_is_refused():
    error = refused(splunk("header_X-Tenant=blue%0D%0AInjected:%201"))

    assert error.part == "header_X-Tenant"
    assert "printable ASCII" in str(error)


def test_parameter_without_value():
    error = refused(splunk("index"))

    assert error.part == "index"
    assert "index=VALUE" in str(error)


def test_raw_space_in_another_value():
    error = refused(splunk("index=my index"))

    assert error.part == "index"
    assert "'my index'" in str(error) and "%20" in str(error)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("chanel", "channel"),
        ("Channel", "channel"),
        ("source_type", "sourcetype"),
        ("insecure-skip-verfy", "insecure-skip-verify"),
        ("Authorization", "header_Authorization"),
    ],
)
def test_likely_typos_of_known_parameters_are_refused_with_a_suggestion(typo, meant):
    error = refused(splunk(f"{typo}=x"))

    assert error.part == typo
    assert repr(typo) in str(error) and repr(meant) in str(error)


def test_source_is_a_real_hec_parameter_not_a_typo():
    assert parse_destination(splunk("source=cloudflare")).params == {"source": "cloudflare"}


def test_query_string_token_is_refused():
    error = refused(splunk(f"token={TOKEN}"))

    assert error.part == "token"
    assert "header_Authorization" in str(error)


# --- canonical form and masking ---------------------------------------------------------------------


def test_canonical_form_masks_the_token_and_follows_the_documented_order():
    conf = (
        f"splunk://Splunk.Example.com:8088/services/collector/raw?header_Authorization=Splunk+{TOKEN}"
        f"&sourcetype=cloudflare:json&channel={CHANNEL}&index=main&header_Content-Type=application%2Fjson"
    )

    destination = parse_destination(conf)

    assert destination.canonical() == (
        f"splunk://splunk.example.com:8088/services/collector/raw?channel={CHANNEL}&insecure-skip-verify=false"
        "&sourcetype=cloudflare:json&index=main&header_Content-Type=application/json"
        "&header_Authorization=Splunk%20e6d9****"
    )


def test_canonical_form_with_the_token_round_trips():
    destination = parse_destination(splunk("index=a%26b&header_X-Note=50%25%20off"))

    shown = destination.canonical(show_token=True)

    assert f"Splunk%20{TOKEN}" in shown
    assert "index=a%26b" in shown
    assert parse_destination(shown) == destination


def test_str_and_repr_never_reveal_the_token():
    destination = parse_destination(GOOD)

    assert TOKEN not in str(destination)
    assert TOKEN not in repr(destination)
    assert str(destination) == destination.canonical()
    assert repr(destination).startswith("Destination('splunk://")


def test_secret_looking_headers_and_params_are_masked_too():
    destination = parse_destination(
        "https://log-api.newrelic.com/log/v1?Api-Key=abcdef123456&format=cloudflare"
        "&header_X-Secret-Token=qwerty99"
    )

    printed = str(destination)

    assert "abcdef123456" not in printed and "qwerty99" not in printed
    assert "Api-Key=abcd****" in printed and "header_X-Secret-Token=qwer****" in printed
    assert "format=cloudflare" in printed
    assert "abcdef123456" in destination.url


def test_error_messages_do_not_reveal_other_secret_headers():
    error = refused("https://logs.example.com?header_X-Api-Key=sup3rsecretvalue%0A")

    assert error.part == "header_X-Api-Key"
    assert "sup3rsecretvalue" not in str(error)


def test_destination_is_a_value():
    assert parse_destination(GOOD) == parse_destination(GOOD)
    assert isinstance(parse_destination(GOOD), Destination)


def test_decoded_line_breaks_never_split_the_message():
    error = refused(splunk("x%0Ay%E2%80%A8z"))

    assert error.part == "x\ny\u2028z"
    assert len(str(error).splitlines()) == 1


def test_non_string_conf_is_a_destination_error():
    error = refused(b"splunk://x")  # type: ignore[arg-type]

    assert error.part == "url"
    assert "bytes" in str(error)
