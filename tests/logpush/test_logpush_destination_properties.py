"""Property tests: any string either parses or fails with a one-line DestinationError, never anything else."""

from __future__ import annotations

import string
import uuid
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hecharness.destination import DestinationError, parse_destination
from hecharness.masking import mask_token

RAW = "splunk.example.com:8088/services/collector/raw"
bounded = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

url_alphabet = st.sampled_from(string.ascii_letters + string.digits + ":/?#[]@!$&'()*+,;=%-._~ \"<>\\^`{|}")
url_like = st.text(url_alphabet, max_size=120)
prefixes = st.sampled_from(["", "splunk://", "https://", "http://", "SPLUNK://", f"splunk://{RAW}?"])


def parses_or_explains(conf: str, any_port: bool = False) -> None:
    try:
        destination = parse_destination(conf, any_port=any_port)
    except DestinationError as error:
        message = str(error)
        assert len(message.splitlines()) == 1
        assert isinstance(error.part, str) and error.part
    else:
        # Whatever parses prints back to something that parses to the same destination.
        assert parse_destination(destination.canonical(show_token=True), any_port=any_port) == destination


@bounded
@given(st.text(max_size=200), st.booleans())
def test_any_text_parses_or_raises_destination_error(conf, any_port):
    parses_or_explains(conf, any_port)


@bounded
@given(prefixes, url_like, st.booleans())
def test_url_shaped_text_parses_or_raises_destination_error(prefix, rest, any_port):
    parses_or_explains(prefix + rest, any_port)


@bounded
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["channel", "insecure-skip-verify", "sourcetype", "header_Authorization", "header_X", "index"]
            ),
            st.text(max_size=40),
        ),
        max_size=6,
    )
)
def test_arbitrary_values_for_known_parameters_parse_or_raise_destination_error(pairs):
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in pairs)
    parses_or_explains(f"splunk://{RAW}?{query}")


tokens = st.text(string.ascii_letters + string.digits + "-+/=_.~", min_size=1, max_size=40)
sourcetypes = st.text(string.ascii_letters + string.digits + ":_-./ &=%", min_size=1, max_size=30).filter(str.strip)


@bounded
@given(
    host=st.from_regex(r"[a-z]([a-z0-9-]{0,18}[a-z0-9])?(\.[a-z]([a-z0-9-]{0,18}[a-z0-9])?){0,3}", fullmatch=True),
    port=st.sampled_from([443, 8088]),
    channel=st.uuids().map(str),
    insecure=st.booleans(),
    sourcetype=st.none() | sourcetypes,
    token=tokens,
)
def test_well_formed_confs_parse_and_round_trip(host, port, channel, insecure, sourcetype, token):
    query = [f"channel={channel}", f"insecure-skip-verify={str(insecure).lower()}"]
    if sourcetype is not None:
        query.append(f"sourcetype={quote(sourcetype, safe='')}")
    query.append(f"header_Authorization={quote('Splunk ' + token, safe='')}")
    conf = f"splunk://{host}:{port}/services/collector/raw?" + "&".join(query)

    destination = parse_destination(conf)

    assert (destination.host, destination.port, destination.channel) == (host, port, channel)
    assert destination.insecure_skip_verify is insecure
    assert destination.sourcetype == sourcetype
    assert destination.token == token
    assert parse_destination(destination.canonical(show_token=True)) == destination
    assert uuid.UUID(destination.channel)
    printed_auth = str(destination).rpartition("header_Authorization=")[2]
    assert printed_auth == quote("Splunk " + mask_token(token), safe=":/,@*")
