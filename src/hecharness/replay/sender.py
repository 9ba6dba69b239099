"""Resending captured requests in order, with their timing scaled, and collecting the answers."""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from hecharness.clock import Clock, RealClock
from hecharness.errors import HecHarnessError
from hecharness.har import Answer, Recorded

__all__ = ["Replayed", "SpeedError", "parse_speed", "replay"]

# Headers the client writes for the connection it has, not the one that was captured.
_MASK = "****"  # what hecharness.masking leaves of a credential
_CONNECTION_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding", "keep-alive"})


class SpeedError(HecHarnessError, ValueError):
    """A replay speed that is neither a positive number nor `max`."""


@dataclass(frozen=True, slots=True)
class Replayed:
    """One captured request sent again: what was recorded, what came back, and why nothing did."""

    recorded: Recorded
    answer: Answer
    error: str | None = None


def parse_speed(text: str) -> float | None:
    """`1` keeps the captured pace, `10` is ten times faster, `max` sends without pauses (None)."""
    if text.strip().lower() == "max":
        return None
    try:
        speed = float(text)
    except ValueError:
        speed = 0.0
    if not speed > 0 or speed == float("inf"):
        raise SpeedError(f"speed must be a number above 0 or 'max', got {text!r}")
    return speed


def replay(
    entries: Sequence[Recorded],
    to: str,
    *,
    token: str | None = None,
    speed: float | None = 1.0,
    verify: ssl.SSLContext | str | bool = True,
    timeout: float = 30.0,
    clock: Clock | None = None,
    on_answer: Callable[[Replayed], None] | None = None,
) -> list[Replayed]:
    """Send `entries` to the HEC at base URL `to`, in their captured order.

    `token` replaces the captured credentials that are masked (as captures keep them); `speed` scales the pauses
    between requests, None sends them back to back. `on_answer` sees each answer as it comes.
    """
    return asyncio.run(_replay(entries, to.rstrip("/"), token, speed, verify, timeout, clock or RealClock(), on_answer))


async def _replay(
    entries: Sequence[Recorded],
    base: str,
    token: str | None,
    speed: float | None,
    verify: ssl.SSLContext | str | bool,
    timeout: float,
    clock: Clock,
    on_answer: Callable[[Replayed], None] | None,
) -> list[Replayed]:
    results: list[Replayed] = []
    previous: float | None = None
    async with httpx.AsyncClient(verify=verify, timeout=timeout) as client:
        for recorded in entries:
            if speed is not None and previous is not None and recorded.started > previous:
                await clock.sleep((recorded.started - previous) / speed)
            previous = recorded.started
            result = await _send(client, base, recorded, token)
            results.append(result)
            if on_answer is not None:
                on_answer(result)
    return results


async def _send(client: httpx.AsyncClient, base: str, recorded: Recorded, token: str | None) -> Replayed:
    headers = [(name, value) for name, value in recorded.headers if name.lower() not in _CONNECTION_HEADERS]
    target = recorded.target
    if token is not None:
        headers = [(name, _credential(value, token) if name.lower() == "authorization" else value) for name, value in headers]
        target = _query_token(target, token)
    try:
        response = await client.request(recorded.method, base + target, headers=headers, content=recorded.body)
    except httpx.HTTPError as error:
        return Replayed(recorded, Answer(0), f"{type(error).__name__}: {error}".rstrip(": "))
    return Replayed(recorded, Answer.parse(response.status_code, response.content))


def _credential(value: str, token: str) -> str:
    """The captured Authorization value with `token` in place of its masked credential.

    A credential the capture kept in full (`record --show-token`, or a made-up one a capture sends
    on purpose to be refused) goes as it was.
    """
    if _MASK not in value:
        return value
    scheme, _, _ = value.strip().partition(" ")
    if scheme.lower() == "basic":
        return "Basic " + base64.b64encode(f"x:{token}".encode()).decode("ascii")
    return f"{scheme} {token}"


def _query_token(target: str, token: str) -> str:
    split = urlsplit(target)
    if not split.query:
        return target
    pairs = parse_qsl(split.query, keep_blank_values=True)
    if not any(name == "token" and _MASK in value for name, value in pairs):
        return target
    query = urlencode([(name, token if name == "token" and _MASK in value else value) for name, value in pairs])
    return f"{split.path}?{query}"
