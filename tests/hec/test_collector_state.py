"""Collector.configure() and reset(): the run-time changes that FakeHEC and the admin API both make."""

from __future__ import annotations

import asyncio

import httpx

from hecharness.hec import Flavor, Health, HECSettings, Token, TokenStore
from hecharness.hec.admin import admin_app
from hecharness.hec.collector import Collector

CHANNEL = "11111111-2222-3333-4444-555555555555"


def make_collector() -> Collector:
    return Collector(TokenStore.of([Token("t", name="first")]), HECSettings(max_events=5))


def test_configure_changes_the_settings_and_the_journal_caps_and_tells_observers():
    collector = make_collector()
    seen = []
    collector.on_configure.append(lambda previous, settings: seen.append((previous.health, settings.health)))
    settings = collector.configure(health="queues-full", max_events=2, count_only=True)
    assert collector.settings is settings and settings.health is Health.QUEUES_FULL
    assert (collector.journal.max_events, collector.journal.count_only) == (2, True)
    assert seen == [("healthy", "queues-full")]


def test_reset_goes_back_to_the_state_the_collector_was_made_with():
    collector = make_collector()
    collector.tokens.add(Token("u"))
    collector.faults.add("error:9")
    collector.configure(flavor="cloud", max_events=1)
    collector.errors.append("a traceback")
    ack_id = collector.acks.issue(CHANNEL, ready_at=0.0)
    collector.said_busy_at = 0.0
    collector.reset()
    assert [token.name for token in collector.tokens.all()] == ["first"]
    assert (len(collector.faults), collector.errors, collector.acks.pending(CHANNEL)) == (0, [], [])
    assert collector.settings.flavor is Flavor.ENTERPRISE and collector.journal.max_events == 5
    assert collector.said_busy_at == float("-inf")
    assert collector.acks.poll(CHANNEL, [ack_id], now=1.0) == {str(ack_id): False}


def test_the_admin_api_needs_only_a_collector():
    collector = make_collector()
    headers = {"Authorization": "Bearer sesame"}

    async def calls() -> None:
        transport = httpx.ASGITransport(app=admin_app(collector, admin_token="sesame"))
        async with httpx.AsyncClient(transport=transport, base_url="http://admin") as admin:
            assert (await admin.get("/settings")).status_code == 401
            changed = await admin.patch("/settings", json={"health": "queues-full"}, headers=headers)
            assert changed.json()["health"] == "queues-full"
            assert collector.settings.health is Health.QUEUES_FULL
            assert (await admin.post("/reset", headers=headers)).json() == {"reset": True}
            assert collector.settings.health is Health.HEALTHY

    asyncio.run(calls())
