from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from hecharness.hec import FakeHEC, Token

CHANNEL = "11111111-2222-4333-8444-555555555555"
OTHER_CHANNEL = "99999999-8888-4777-8666-555555555555"

TOKENS = [
    Token("good-token", name="good"),
    Token("ack-token", name="acker", ack=True),
    Token("query-token", name="query", query_auth=True),
    Token("off-token", name="off", enabled=False),
    Token("limited-token", name="limited", indexes=("main", "web"), default_sourcetype="limited:st"),
]


@pytest.fixture(scope="session")
def hec_server() -> Iterator[FakeHEC]:
    with FakeHEC(TOKENS) as server:
        yield server


@pytest.fixture
def hec(hec_server: FakeHEC) -> FakeHEC:
    hec_server.reset()
    return hec_server


@pytest.fixture
def client(hec: FakeHEC) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hec.url, timeout=10) as c:
        yield c


def auth(token: str = "good-token") -> dict[str, str]:
    return {"Authorization": f"Splunk {token}"}
