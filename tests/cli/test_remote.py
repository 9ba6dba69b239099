"""A server named on the command line: a bad URL is a one-line usage error (exit 2), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

import hecharness
from click.testing import CliRunner

from hecharness.cli import main

CAPTURE = str(Path(hecharness.__file__).parent / "captures" / "splunk-10.4.3.har")
BAD_URLS = [
    ("ftp://splunk.example:8088", "is not an http:// or https:// URL"),
    ("http://127.0.0.1:99999", "port 99999 is not between 1 and 65535"),
    ("http://[::1", "is not a URL"),
    ("https://", "names no host"),
]


@pytest.mark.parametrize(
    "command",
    [
        ["replay", CAPTURE, "--speed", "max", "--to"],
        ["record", "--out", "capture.har", "--upstream"],
        ["preflight", "https://localhost:8088", "--token", "t", "--search-token", "s", "--search"],
    ],
    ids=["replay --to", "record --upstream", "preflight --search"],
)
@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_a_bad_url_is_named_in_one_line(command: list[str], url: str, message: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # record would write its capture here
    result = CliRunner().invoke(main, [*command, url])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: Invalid value for --") and message in last and repr(url) in last
