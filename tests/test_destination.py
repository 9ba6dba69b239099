"""`Destination.for_hec`: pointing a Logpush destination at a HEC without writing the destination_conf by hand."""

from __future__ import annotations

import uuid

import pytest

from hecharness.destination import Destination, DestinationError, parse_destination

TOKEN = "0aa7e2a5-8f35-4b7b-9d7e-3c1d9c2f4e10"
CHANNEL = "2f5e8a1c-4b7d-4e9f-a3c6-d1b2e7f04a58"


def test_a_url_makes_the_splunk_pages_destination():
    destination = Destination.for_hec("https://hec.example.com:8088", token=TOKEN, channel=CHANNEL)
    assert destination.canonical(show_token=True) == (
        f"splunk://hec.example.com:8088/services/collector/raw?channel={CHANNEL}&insecure-skip-verify=false"
        f"&sourcetype=cloudflare:json&header_Authorization=Splunk%20{TOKEN}"
    )


@pytest.mark.parametrize(
    "address, port",
    [
        ("https://127.0.0.1:50123", None),
        ("https://127.0.0.1:50123/services/collector/raw", None),
        ("127.0.0.1", 50123),
    ],
)
def test_url_and_host_with_port_are_the_same_destination(address, port):
    destination = Destination.for_hec(address, port, token=TOKEN, channel=CHANNEL)
    assert (destination.scheme, destination.host, destination.port) == ("splunk", "127.0.0.1", 50123)
    assert destination.path == "/services/collector/raw"


def test_what_it_builds_parses_back_to_itself():
    destination = Destination.for_hec(
        "::1", 9000, token=f"Splunk {TOKEN}", channel=CHANNEL, sourcetype="my:type", insecure_skip_verify=True
    )
    again = parse_destination(destination.canonical(show_token=True), any_port=True)
    assert again == destination
    assert (again.host, again.token, again.sourcetype, again.insecure_skip_verify) == ("::1", TOKEN, "my:type", True)


def test_an_https_url_without_a_port_means_443():
    assert Destination.for_hec("https://hec.example.com", token=TOKEN).port == 443


def test_a_plain_http_url_makes_the_generic_http_form():
    destination = Destination.for_hec("http://127.0.0.1:50123", token=TOKEN, channel=CHANNEL)
    assert destination.scheme == "http"
    assert destination.url == f"http://127.0.0.1:50123/services/collector/raw?channel={CHANNEL}&sourcetype=cloudflare:json"
    assert destination.headers == {"Authorization": f"Splunk {TOKEN}"}


def test_each_destination_gets_a_fresh_guid_channel_unless_given_one():
    first = Destination.for_hec("https://hec.example.com:8088", token=TOKEN)
    second = Destination.for_hec("https://hec.example.com:8088", token=TOKEN)
    assert first.channel != second.channel
    assert str(uuid.UUID(first.channel)) == first.channel


def test_no_sourcetype_leaves_it_out():
    destination = Destination.for_hec("https://hec.example.com:8088", token=TOKEN, sourcetype=None)
    assert destination.sourcetype is None and "sourcetype" not in destination.canonical()


def test_a_token_that_needs_encoding_survives_the_trip():
    destination = Destination.for_hec("https://hec.example.com:8088", token="a+b/c&d=e")
    assert parse_destination(destination.canonical(show_token=True)).token == "a+b/c&d=e"


def test_printing_it_masks_the_token():
    destination = Destination.for_hec("https://hec.example.com:8088", token=TOKEN, channel=CHANNEL)
    for shown in (str(destination), repr(destination), destination.canonical()):
        assert TOKEN not in shown and "header_Authorization=Splunk%20" in shown


@pytest.mark.parametrize(
    "address, port, token, part, words",
    [
        ("hec.example.com", None, TOKEN, "url", "has no scheme"),
        ("", None, TOKEN, "url", "is not a URL or a host name"),
        ("ftp://hec.example.com", None, TOKEN, "scheme", "must start with https://"),
        ("https://hec.example.com:8088/services/collector/event", None, TOKEN, "path", "names more than the server"),
        ("https://hec.example.com:8088?token=x", None, TOKEN, "path", "names more than the server"),
        ("https://hec.example.com:8088", 8088, TOKEN, "port", "not both"),
        ("https://hec.example.com:port", None, TOKEN, "url", "is not a valid URL"),
        ("https://hec.example.com:8088", None, "", "header_Authorization", "token is empty"),
        ("https://hec.example.com:8088", None, "Splunk ", "header_Authorization", "token is empty"),
        ("https://hec.example.com:8088", None, "two words", "header_Authorization", "space inside the token"),
        ("bad host!", 8088, TOKEN, "host", "not a valid host name"),
        ("hec.example.com", 0, TOKEN, "port", "port 0"),
    ],
)
def test_bad_input_is_one_clear_line(address, port, token, part, words):
    with pytest.raises(DestinationError) as caught:
        Destination.for_hec(address, port, token=token)
    assert caught.value.part == part
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert token in ("", "Splunk ") or token not in str(caught.value)


def test_a_bad_channel_is_named():
    with pytest.raises(DestinationError, match="channel 'nope' is not a GUID") as caught:
        Destination.for_hec("https://hec.example.com:8088", token=TOKEN, channel="nope")
    assert caught.value.part == "channel"
