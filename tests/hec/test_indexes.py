"""Indexes the server has: Splunk's own, the configured ones, those the tokens name, or any."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from hecharness.hec import FakeHEC, HECSettings, Token
from hecharness.hec.config import ConfigError, parse_config
from hecharness.hec.settings import SettingsError

INCORRECT_INDEX_AT_1 = b'{"text":"Incorrect index","code":7,"invalid-event-number":1}'
TOKENS = [
    Token("open-token", name="open"),
    Token("listed-token", name="listed", indexes=("main", "web", "_audit")),
    Token("firewall-token", name="firewall", default_index="firewall"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeHEC]:
    with FakeHEC(TOKENS, settings=HECSettings(indexes=("cloudflare",)), admin_port=None) as hec:
        yield hec


@pytest.fixture
def hec(server: FakeHEC) -> FakeHEC:
    server.reset()
    return server


def event(hec: FakeHEC, index: str, token: str = "open-token") -> httpx.Response:
    body = b'{"event":"x","index":"%s"}' % index.encode()
    return httpx.post(hec.url + "/services/collector/event", content=body, headers={"Authorization": f"Splunk {token}"})


def raw(hec: FakeHEC, index: str, token: str = "open-token") -> httpx.Response:
    return httpx.post(
        hec.url + "/services/collector/raw", params={"index": index}, content=b"x", headers={"Authorization": f"Splunk {token}"}
    )


def test_an_index_the_server_lacks_is_incorrect_on_event_and_raw(hec):
    # The report: a token with no indexes list took {"index":"no_such_index"} with Success.
    refused = event(hec, "no_such_index")
    assert (refused.status_code, refused.content) == (400, INCORRECT_INDEX_AT_1)
    assert raw(hec, "no_such_index").json() == {"text": "Incorrect index", "code": 7}
    assert hec.journal.event_count == 0
    assert hec.requests()[0].note == "index 'no_such_index' not allowed or missing"


@pytest.mark.parametrize("index", ["main", "history", "summary", "cloudflare", "web", "firewall"])
def test_splunk_s_configured_and_token_named_indexes_exist(hec, index):
    assert event(hec, index).status_code == 200
    assert raw(hec, index).status_code == 200
    assert [e.index for e in hec.journal.events] == [index, index]


def test_internal_indexes_take_events_only_from_a_token_that_lists_them(hec):
    assert event(hec, "_internal").content == INCORRECT_INDEX_AT_1
    assert event(hec, "_audit").content == INCORRECT_INDEX_AT_1
    assert event(hec, "_audit", token="listed-token").status_code == 200


def test_a_token_with_a_list_writes_only_to_it(hec):
    assert event(hec, "cloudflare", token="listed-token").content == INCORRECT_INDEX_AT_1
    assert event(hec, "web", token="listed-token").status_code == 200


def test_a_token_added_at_run_time_brings_its_indexes(hec):
    assert event(hec, "dns").status_code == 400
    hec.tokens.add(Token("dns-token", name="dns", default_index="dns"))
    assert event(hec, "dns").status_code == 200


def test_any_index_exists_when_asked(hec):
    hec.configure(indexes=["*"])
    assert event(hec, "whatever_you_like").status_code == 200
    assert event(hec, "_internal").status_code == 400  # internal indexes stay off limits


def test_indexes_in_a_config_file():
    config = parse_config('indexes = ["cloudflare", "dns"]\n[[tokens]]\nvalue = "t"\n')
    assert config.settings.indexes == ("cloudflare", "dns")
    with pytest.raises(ConfigError, match="indexes must be a list of index names"):
        parse_config('indexes = "cloudflare"\n')
    with pytest.raises(SettingsError, match="indexes must be a list"):
        HECSettings(indexes=("main", 5))
