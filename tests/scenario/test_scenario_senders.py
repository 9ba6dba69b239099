"""Senders are registered by kind: one defined here runs through the same runner as the built-in ones."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from hecharness.clock import Clock, RealClock
from hecharness.scenario import HEC, Logpush, Preflight, Records, Run, Scenario, at, clear_faults, expect, run_scenario
from hecharness.scenario.observation import Observation
from hecharness.scenario.sender import driver_for, kinds, register
from hecharness.tls import CertificateFiles


@dataclass(frozen=True)
class InProcess:
    """A sender in a few lines: POST every record in one request, from this process."""

    kind: ClassVar[str] = "in-process"

    lines_per_request: int = 10


class InProcessDriver:
    over_time = False
    admin = False

    def clock(self, sender: InProcess) -> Clock:
        return RealClock()

    async def send(self, sender: InProcess, run: Run) -> Observation:
        run.add_faults()
        started = run.clock.now()
        records = run.expected_records(started)
        lines = [line for _, line in records]
        ca = run.ca_bundle()
        async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=ca) if ca else True) as client:
            for first in range(0, len(lines), sender.lines_per_request):
                answer = await client.post(
                    run.base_url() + "/services/collector/raw",
                    params={"channel": run.channel, "sourcetype": "cloudflare:json"},
                    headers={"Authorization": f"Splunk {run.token()}"},
                    content=b"\n".join(lines[first : first + sender.lines_per_request]),
                )
                answer.raise_for_status()
        return run.observation(started, run.clock.now(), records)


register(InProcess.kind, InProcessDriver())


@pytest.mark.parametrize("tls", ["valid", "plain"])
def test_a_sender_registered_by_kind_runs_and_is_judged_like_the_built_in_ones(
    tls: str, scenario_certs: CertificateFiles, out_dir: Path
) -> None:
    scenario = Scenario(
        "in-process",
        "A sender defined outside hecharness delivers every record.",
        hec=HEC(tls=tls),
        records=Records(count=35, rate=1000),
        sender=InProcess(),
        expect=[expect.delivered("all"), expect.duplicated(0), expect.answers(4, status=200)],
    )
    result = run_scenario(scenario, out_dir, certs_dir=scenario_certs.directory)
    assert result.passed, result.error or "\n".join(map(str, result.verdicts))
    assert (result.sender, result.details["records_sent"]) == ("in-process", 35)


def test_a_sender_of_no_registered_kind_is_refused_naming_the_known_ones() -> None:
    @dataclass(frozen=True)
    class Unknown:
        kind: ClassVar[str] = "carrier-pigeon"

    with pytest.raises(TypeError, match=r"sender must be one of (.*, )?command, (.*, )?logpush, (.*, )?preflight.*, got .* of kind 'carrier-pigeon'"):
        Scenario("pigeon", "A sender nobody registered.", sender=Unknown(), expect=[expect.delivered("all")])
    with pytest.raises(TypeError, match="sender must be one of"):
        Scenario("pigeon", "Not a sender at all.", sender="logpush", expect=[expect.delivered("all")])  # type: ignore[arg-type]
    assert {"command", "logpush", "preflight", "in-process"} <= set(kinds())


def test_a_timeline_needs_a_sender_whose_driver_runs_over_time() -> None:
    assert driver_for(Logpush()).over_time and not driver_for(Preflight()).over_time
    with pytest.raises(ValueError, match="runs over time, not in-process"):
        Scenario("brief", "Too brief for a timeline.", sender=InProcess(), expect=[expect.delivered("all")], timeline=[at(1, clear_faults())])


def test_abandon_all_ends_what_each_kind_started_outside_the_process(monkeypatch) -> None:
    from hecharness.scenario import sender

    abandoned = []

    class Starts:  # a driver that starts programs defines abandon()
        def abandon(self) -> None:
            abandoned.append("starts")

    class Keeps:  # one that starts nothing outside the process need not
        pass

    monkeypatch.setitem(sender._drivers, "test-starts", Starts())
    monkeypatch.setitem(sender._drivers, "test-keeps", Keeps())
    sender.abandon_all()
    assert abandoned == ["starts"]


def test_a_token_with_url_special_characters_reaches_the_hec_as_it_is(out_dir, scenario_certs) -> None:
    scenario = Scenario(
        "odd-token",
        "A HEC token with '+', '&' and '%' in it still takes the push.",
        hec=HEC(token="a+b&c%d"),
        records=Records(count=20, rate=100),
        sender=Logpush(),
        expect=[expect.delivered("all"), expect.duplicated(0)],
    )
    result = run_scenario(scenario, out_dir, scenario_certs.directory)
    assert result.error is None and result.passed, result.verdicts
