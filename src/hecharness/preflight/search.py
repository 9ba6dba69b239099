"""Prove the sample landed: search for its marker through Splunk's REST search export endpoint.

After the sample POST, `find_marker` asks `POST /services/search/jobs/export` (management port,
8089 by default) for `search index=NAME "marker"` with `output_mode=json` until the event is found
or `timeout` seconds pass, and reads from the result where it landed: index, sourcetype, and the
indexing lag `_indextime - _time`. Each way it can fail has its own exit code, after preflight's.
"""

from __future__ import annotations

import asyncio
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson

from hecharness.clock import Clock, RealClock
from hecharness.preflight.answers import SAMPLE_RECORD
from hecharness.preflight.failures import FailureClass

__all__ = ["Landing", "LANDING_FAILURES", "find_marker", "marked_sample", "new_marker"]

SEARCH_AUTH = FailureClass("search-auth", 17, "the search API refused the credentials")
INDEX_NOT_SEARCHABLE = FailureClass("index-not-searchable", 18, "the index does not exist or this user cannot search it")
NOT_FOUND = FailureClass("not-found", 19, "the sample was not found within the search timeout")
SEARCH_FAILED = FailureClass("search-failed", 20, "the search API could not be reached or answered an error")
LANDING_FAILURES = (SEARCH_AUTH, INDEX_NOT_SEARCHABLE, NOT_FOUND, SEARCH_FAILED)

EXPORT_PATH = "/services/search/jobs/export"


def new_marker() -> str:
    return f"hecharness-preflight-{uuid.uuid4().hex}"


def marked_sample(marker: str) -> bytes:
    """The FAQ's sample record with one more field, the marker to search for."""
    return SAMPLE_RECORD[:-1] + b',"hecharnessMarker":' + orjson.dumps(marker) + b"}"


@dataclass(frozen=True, slots=True)
class Landing:
    """Where the marked sample landed, or why that could not be told."""

    marker: str
    failure: FailureClass | None
    message: str
    index: str | None = None
    sourcetype: str | None = None
    lag: float | None = None  # seconds from the event's _time to its _indextime
    searches: int = 0

    @property
    def found(self) -> bool:
        return self.failure is None

    @property
    def exit_code(self) -> int:
        return 0 if self.failure is None else self.failure.exit_code

    def to_dict(self) -> dict[str, Any]:
        return {
            "found": self.found,
            "failure": None if self.failure is None else self.failure.name,
            "exit_code": self.exit_code,
            "message": self.message,
            "marker": self.marker,
            "index": self.index,
            "sourcetype": self.sourcetype,
            "lag_seconds": self.lag,
            "searches": self.searches,
        }


def find_marker(
    search_url: str,
    marker: str,
    *,
    index: str = "*",
    token: str | None = None,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 60.0,
    interval: float = 2.0,
    verify: ssl.SSLContext | bool = True,
    clock: Clock | None = None,
) -> Landing:
    """Search `search_url` (e.g. https://splunk:8089) for `marker` until found or `timeout` seconds pass.

    Credentials are an authentication `token` (sent as Bearer) or `user` and `password` (Basic).
    """
    if (token is None) == (user is None or password is None):
        raise ValueError("give the search API a token, or a user and a password")
    auth = httpx.BasicAuth(user, password) if token is None else None
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    form = {"search": f'search index={index} "{marker}"', "output_mode": "json", "earliest_time": "-24h"}
    return asyncio.run(
        _poll(search_url.rstrip("/") + EXPORT_PATH, form, auth, headers, marker, timeout, interval, verify, clock or RealClock())
    )


async def _poll(
    url: str,
    form: dict[str, str],
    auth: httpx.Auth | None,
    headers: dict[str, str],
    marker: str,
    timeout: float,
    interval: float,
    verify: ssl.SSLContext | bool,
    clock: Clock,
) -> Landing:
    deadline = clock.now() + timeout
    searches = 0
    async with httpx.AsyncClient(verify=verify, timeout=max(timeout, 1.0), auth=auth, headers=headers) as client:
        while True:
            searches += 1
            try:
                response = await client.post(url, data=form)
            except httpx.HTTPError as error:
                return Landing(marker, SEARCH_FAILED, f"{url}: {type(error).__name__} {error}".rstrip(), searches=searches)
            landing = _read(response, marker, form["search"], searches)
            if landing is not None:
                return landing
            if clock.now() + interval > deadline:
                return Landing(marker, NOT_FOUND, f"{form['search']!r} found nothing in {timeout:g}s ({searches} searches)", searches=searches)
            await clock.sleep(interval)


def _read(response: httpx.Response, marker: str, search: str, searches: int) -> Landing | None:
    """A finished Landing from one export answer, or None to search again."""
    lines = [_json(line) for line in response.text.splitlines() if line.strip()]
    messages = [m.get("text", "") for line in lines for m in line.get("messages", []) if isinstance(m, dict)]
    said = "; ".join(messages)
    if response.status_code == 401:
        return Landing(marker, SEARCH_AUTH, f"401 from the search API: {said or response.text[:200]}", searches=searches)
    if response.status_code != 200:
        return Landing(marker, SEARCH_FAILED, f"{response.status_code} from the search API: {said or response.text[:200]}", searches=searches)
    for line in lines:
        result = line.get("result")
        if isinstance(result, dict) and marker in str(result.get("_raw", "")):
            return Landing(
                marker, None, f"found in index {result.get('index')}, sourcetype {result.get('sourcetype')}",
                index=result.get("index"), sourcetype=result.get("sourcetype"), lag=_lag(result), searches=searches,
            )
    if any("index" in text.lower() and ("no such" in text.lower() or "permission" in text.lower() or "not searchable" in text.lower()) for text in messages):
        return Landing(marker, INDEX_NOT_SEARCHABLE, f"{search!r}: {said}", searches=searches)
    return None


def _lag(result: dict[str, Any]) -> float | None:
    try:
        indexed = float(result["_indextime"])
        moment = datetime.fromisoformat(str(result["_time"])).timestamp()
    except (KeyError, ValueError, TypeError):
        return None
    return round(indexed - moment, 3)


def _json(line: str) -> dict[str, Any]:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
