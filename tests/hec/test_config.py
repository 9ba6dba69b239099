"""TOML config: tokens and settings, and a clear error for each mistake."""

from __future__ import annotations

import pytest

from hecharness.hec.config import ConfigError, load_config, parse_config

GOOD = """
max_content_length = 1000
raw_split = "body"
max_events = 10

[[tokens]]
value = "one"
name = "first"
ack = true
indexes = ["main", "web"]
default_sourcetype = "cloudflare:json"

[[tokens]]
value = "two"
query_auth = true
enabled = false
"""


def test_good_config():
    config = parse_config(GOOD)
    assert (config.settings.max_content_length, config.settings.raw_split, config.settings.max_events) == (1000, "body", 10)
    first, second = config.tokens
    assert (first.name, first.ack, first.indexes, first.default_sourcetype) == ("first", True, ("main", "web"), "cloudflare:json")
    assert (second.query_auth, second.enabled, second.name) == (True, False, "token-two")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_events = [", "not valid TOML"),
        ("colour = 'red'", "unknown setting 'colour'"),
        ("raw_split = 'words'", "raw_split must be one of line, body; got 'words'"),
        ("max_events = -3", "max_events must be a whole number >= 0, got -3"),
        ("count_only = 'yes'", "count_only must be true or false"),
        ("tokens = 'abc'", "'tokens' must be [[tokens]] tables"),
        ("[[tokens]]\nname = 'x'", "token 1: a token needs a 'value'"),
        ("[[tokens]]\nvalue = 'a'\n[[tokens]]\nvalue = 'b'\nack = 1", "token 2: token setting 'ack' must be true or false, got 1"),
        ("[[tokens]]\nvalue = 'a b'", "contains white space"),
        ("[[tokens]]\nvalue = 'a'\nsecret = 1", "unknown token setting 'secret'"),
        ("[[tokens]]\nvalue = 'a'\n[[tokens]]\nvalue = 'a'", "token value given twice"),
    ],
)
def test_bad_config_names_the_problem(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="hec.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("hec.toml: ")
    assert "\n" not in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config .*nope.toml"):
        load_config(tmp_path / "nope.toml")
