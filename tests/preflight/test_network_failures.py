"""Before TLS: names that do not resolve, ports that refuse, and silence."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from hecharness.hec import FakeHEC
from hecharness.preflight import StepOutcome, by_name
from tests.preflight.conftest import RAW_PATH, SHORT_TIMEOUT, raw_url, run


def assert_failed_at(result: Any, step: str, failure: str) -> None:
    assert result.failure is not None, "the check passed"
    assert (result.step(step).outcome, result.failure.name) == (StepOutcome.FAILED, failure), result.cause
    assert result.exit_code == by_name(failure).exit_code
    names = [s.name for s in result.steps]
    after = names[names.index(step) + 1 :]
    assert all(result.step(name).outcome is StepOutcome.SKIPPED for name in after)


def test_reserved_invalid_name_fails_dns_without_asking_anyone() -> None:
    result = run(f"https://splunk.hecharness.invalid:8088{RAW_PATH}")

    assert_failed_at(result, "resolve", "dns")
    assert result.exit_code == 4
    assert "splunk.hecharness.invalid" in (result.cause or "")
    assert "public DNS" in (result.fix or "")


def test_name_the_resolver_does_not_know_fails_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_name(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)

    result = run(f"https://hec.example.com:8088{RAW_PATH}")

    assert_failed_at(result, "resolve", "dns")
    assert result.cause == "hec.example.com does not resolve: Name or service not known"


@pytest.fixture
def stuck_resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    release = threading.Event()

    def stuck(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    yield
    release.set()


def test_resolver_that_never_answers_fails_dns_after_the_timeout(stuck_resolver: None) -> None:
    result = run(f"https://hec.example.com:8088{RAW_PATH}", timeout=SHORT_TIMEOUT)

    assert_failed_at(result, "resolve", "dns")
    assert "gave no answer for hec.example.com" in (result.cause or "")


def test_refused_connection_names_the_port_and_the_usual_ones(refused_port: int) -> None:
    result = run(f"https://127.0.0.1:{refused_port}{RAW_PATH}")

    assert_failed_at(result, "connect", "connection-refused")
    assert result.exit_code == 5
    assert f"127.0.0.1:{refused_port} refused the connection" in (result.cause or "")
    assert "8088" in (result.fix or "") and "443" in (result.fix or "")


def test_connection_that_gets_no_answer_times_out(full_backlog_port: int) -> None:
    result = run(f"https://127.0.0.1:{full_backlog_port}{RAW_PATH}", timeout=SHORT_TIMEOUT)

    assert_failed_at(result, "connect", "timeout")
    assert result.exit_code == 6
    assert "got no answer within 0.5 s" in (result.cause or "")
    assert "firewall" in (result.fix or "") and "8088" in (result.fix or "")


def test_listener_that_never_speaks_tls_times_out_in_the_handshake(silent_port: int) -> None:
    result = run(f"https://127.0.0.1:{silent_port}{RAW_PATH}", timeout=SHORT_TIMEOUT)

    assert_failed_at(result, "tls", "timeout")
    assert "TLS handshake" in (result.cause or "")
    assert result.step("connect").outcome is StepOutcome.OK


def test_hec_that_never_answers_the_post_times_out(hec: FakeHEC) -> None:
    hec.faults.add("hang:5 path=raw")

    result = run(raw_url(hec), cafile=hec.ca_path, timeout=SHORT_TIMEOUT)

    assert_failed_at(result, "post", "timeout")
    assert "sample record" in (result.cause or "")
    assert "retries" in (result.fix or "")


def test_address_no_route_leads_to_fails_to_connect() -> None:
    # The kernel refuses TCP to the broadcast address itself (ENETUNREACH): nothing is sent anywhere.
    result = run(f"https://255.255.255.255:8088{RAW_PATH}")

    assert_failed_at(result, "connect", "connection-refused")
    assert (result.cause or "").startswith("cannot connect to 255.255.255.255:8088: ")
