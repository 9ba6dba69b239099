"""The slice of Splunk's management API that `preflight --search` uses: the search export endpoint.

    POST /services/search/jobs/export       search=search index=main "marker"  output_mode=json
    POST /services/search/v2/jobs/export    the same

It answers the simple searches the landing check sends, `[search] index=NAME "term" word ...`
(`index=*` for every index),
over the journal's stored events, in Splunk's JSON export format: one object per line,
`{"preview":false,"offset":N,"result":{...}}`, the last with `"lastrow":true`, every field a string
as splunkd writes them. It is served on the admin listener, beside the admin API.

Credentials: `Authorization: Bearer <admin token>`, or Basic with the admin token as the password
(any user name). A fake without an admin token takes any credentials and none. An index the fake
does not have matches nothing, and the answer says so in a `messages` line; that wording is the
fake's own, Splunk's text for it is not measured.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import shlex
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hecharness.errors import HecHarnessError
from hecharness.hec.batches import Event

if TYPE_CHECKING:
    from hecharness.hec.collector import Collector

__all__ = ["search_routes", "SEARCH_PATHS", "parse_search"]

SEARCH_PATHS = ("/services/search/jobs/export", "/services/search/v2/jobs/export")
_NOT_AUTHENTICATED = {"messages": [{"type": "WARN", "text": "call not properly authenticated"}]}
_INDEX = re.compile(r"^index=(.+)$", re.IGNORECASE)


class SearchNotSupported(HecHarnessError, ValueError):
    """A search outside the slice the fake answers."""


def search_routes(collector: Collector, admin_token: str | None) -> list[Route]:
    async def export(request: Request) -> Response:
        if not _authenticated(request, admin_token):
            return _json_lines([_NOT_AUTHENTICATED], 401)
        # A form body, as curl -d sends it (read here: Starlette's form parser needs python-multipart).
        form = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        params = {**request.query_params, **dict(form)}
        try:
            index, terms = parse_search(str(params.get("search", "")))
        except SearchNotSupported as error:
            return _json_lines([{"messages": [{"type": "FATAL", "text": str(error)}]}], 400)
        if params.get("output_mode", "json") != "json":
            return _json_lines([{"messages": [{"type": "FATAL", "text": "the fake answers output_mode=json only"}]}], 400)
        known = collector.indexes()
        if index != "*" and not (known.every or known.any or index in known.names):
            text = f"index={index}: no such index, or not searchable by this user"
            return _json_lines([{"preview": False, "messages": [{"type": "WARN", "text": text}]}])
        arrived = {record.id: record.time for record in collector.journal.requests()}
        found = [e for e in collector.journal.events if index in ("*", e.index) and all(t in e.text for t in terms)]
        lines = [
            {"preview": False, "offset": offset, **({"lastrow": True} if offset == len(found) - 1 else {}), "result": _result(e, arrived)}
            for offset, e in enumerate(found)
        ]
        return _json_lines(lines)

    return [Route(path, export, methods=["GET", "POST"]) for path in SEARCH_PATHS]


def parse_search(search: str) -> tuple[str, list[str]]:
    """The index and the terms of `[search] index=NAME "term" word`; other searches are refused."""
    try:
        words = shlex.split(search)
    except ValueError as error:
        raise SearchNotSupported(f"cannot read the search {search!r}: {error}") from None
    if words and words[0].lower() == "search":
        words = words[1:]
    indexes = [m.group(1) for m in map(_INDEX.match, words) if m]
    terms = [w for w in words if not _INDEX.match(w)]
    if len(indexes) != 1 or any(w.startswith("|") or "=" in w for w in terms):
        raise SearchNotSupported(f'the fake answers searches of the form index=NAME "term" only, got {search!r}')
    return indexes[0], terms


def _result(event: Event, arrived: dict[int, float]) -> dict[str, str]:
    indexed = int(arrived.get(event.request_id, 0.0))  # splunkd keeps _indextime in whole seconds
    moment = event.time if event.time is not None else indexed  # no time given: indexed as it arrived
    return {
        "_raw": event.text,
        "_time": _iso(moment, indexed),
        "_indextime": str(indexed),
        "index": event.index,
        "sourcetype": event.sourcetype,
        "source": event.source,
        "host": event.host,
        "splunk_server": "hecharness",
    }


def _json_lines(lines: list[dict[str, Any]], status: int = 200) -> Response:
    body = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    return Response(body, status, media_type="application/json")


def _authenticated(request: Request, expected: str | None) -> bool:
    if expected is None:
        return True
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value.strip(), validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return False
    elif scheme.lower() not in ("bearer", "splunk"):
        return False
    return hmac.compare_digest(value.strip().encode(), expected.encode())


def _iso(moment: float, indexed: int) -> str:
    # HEC takes any decimal epoch; one past what a datetime holds is shown at its index time instead.
    try:
        return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")
    except (OverflowError, OSError, ValueError):
        return datetime.fromtimestamp(indexed, UTC).isoformat(timespec="milliseconds")
