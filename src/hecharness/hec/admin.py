"""The admin API: JSON over HTTP on its own port, for other processes and non-Python senders.

It lives on a separate listener so the HEC's own paths answer exactly as Splunk's do, 404s
included. With an admin token set, every call needs `Authorization: Bearer <admin token>`.

    GET    /journal                  counters, requests and events
    GET    /journal.har              the journal as a HAR 1.2 capture
    GET    /journal/counters         exact counters
    GET    /journal/requests         ?path= &status= &code= &channel= &limit=
    GET    /journal/events           ?offset= &limit=
    GET    /journal/lost             events accepted, then lost (an indexer's restart), with the reason
    POST   /journal/delivery         {"records": [...], "key": "RayID"}  or  {"lines": [...]}
    POST   /journal/clear            empty the journal
    POST   /reset                    journal, acks, tokens and settings back to their start
    GET    /tokens                   ?show=1 reveals the values
    POST   /tokens                   {"value": ..., "name": ..., "ack": true, ...}
    PATCH  /tokens/{name}            {"enabled": false}
    DELETE /tokens/{name}
    GET    /settings
    PATCH  /settings                 {"health": "queues-full"}
    GET    /faults                   the rules, with how often each matched and fired
    POST   /faults                   {"spec": "error:9 first=3"}  or  {"action": "error:9", "first": 3}
    DELETE /faults/{name}
    DELETE /faults                   remove them all
    GET    /cluster                  a cluster's balancer and each indexer (404 for a single collector)
    GET    /cluster/restarts         its restarts; POST {"spec": "restart node=1 at=0 for=30"} adds one
    POST   /services/search/jobs/export   Splunk's search export, a slice of it (see hecharness.hec.search)
    GET    /  (and /live)            the live page; /metrics for Prometheus (see hecharness.hec.live)
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hecharness.errors import HecHarnessError, InvalidArgument
from hecharness.faults import FaultSpecError
from hecharness.hec.cluster import Cluster
from hecharness.hec.collector import Collector
from hecharness.hec.journal import JournalTruncated
from hecharness.hec.jsontext import dumps_json
from hecharness.hec.live import live_routes
from hecharness.hec.search import search_routes
from hecharness.hec.settings import SettingsError
from hecharness.hec.tokens import Token

__all__ = ["admin_app"]


# Not a HecHarnessError: control flow inside the admin API, which answers it as an HTTP error.
class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _json(data: Any, status: int = 200) -> Response:
    try:
        body = dumps_json(data, default=str)
    except RecursionError:
        # An event nested deeper than even the standard library writes: say so, do not crash.
        body = orjson.dumps({"error": "an event is nested too deeply to write as JSON; read it with Python"})
        status = 500
    return Response(body, status, media_type="application/json")


def admin_app(collector: Collector | Cluster, admin_token: str | None = None) -> Starlette:
    """The admin API over one collector's state; with `admin_token`, every call must present it."""

    def handler(function: Callable[[Request], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                _check_admin_token(request, admin_token)
                answer = await function(request)
                return answer if isinstance(answer, Response) else _json(answer)
            except BadRequest as error:
                return _json({"error": str(error)}, error.status)

        return endpoint

    async def journal(request: Request) -> Any:
        return collector.journal.export()

    async def har(request: Request) -> Any:
        return collector.journal.to_har()

    async def counters(request: Request) -> Any:
        return collector.journal.counters.to_dict()

    async def requests(request: Request) -> Any:
        query = request.query_params
        records = collector.journal.requests(
            path=query.get("path"),
            status=_int(query, "status"),
            code=_int(query, "code"),
            channel=query.get("channel"),
            fault=query.get("fault"),
        )
        return [r.to_dict() for r in _window(records, request)]

    async def events(request: Request) -> Any:
        return [e.to_dict() for e in _window(collector.journal.events, request)]

    async def lost(request: Request) -> Any:
        return collector.journal.export_lost()

    async def delivery(request: Request) -> Any:
        body = await _body(request)
        if ("records" in body) == ("lines" in body):
            raise BadRequest('give either "records" (with an optional "key") or "lines"')
        expected = body.get("records", body.get("lines"))
        if not isinstance(expected, list):
            raise BadRequest('"records" / "lines" must be a list')
        key = body.get("key") if "records" in body else None
        if key is not None and not isinstance(key, str):
            raise BadRequest(f'"key" must be a field name, got {key!r}')
        nested = body.get("nested") if "records" in body else None
        try:
            return collector.journal.delivery(expected, key, nested=nested).to_dict()
        except JournalTruncated as error:
            raise BadRequest(str(error), 409) from None
        except InvalidArgument as error:
            raise BadRequest(str(error)) from None

    def cluster_of() -> Cluster:
        if not isinstance(collector, Cluster):
            raise BadRequest("this fake HEC is a single collector, not a cluster (serve --indexers N)", 404)
        return collector

    async def cluster(request: Request) -> Any:
        """The balancer and each indexer: up or down, health, requests in flight, counters, acks."""
        return cluster_of().describe()

    async def restarts(request: Request) -> Any:
        cluster = cluster_of()
        if request.method == "POST":
            spec = (await _body(request)).get("spec")
            if not isinstance(spec, str):
                raise BadRequest('give {"spec": "restart node=1 at=0 for=30"}')
            try:
                cluster.schedule(spec)
            except HecHarnessError as error:
                raise BadRequest(str(error)) from None
            cluster.sync()  # this runs on the server's loop: a restart due now has happened
        return [outage.to_dict() for outage in cluster.outages]

    async def clear(request: Request) -> Any:
        collector.journal.clear()
        return {"cleared": True}

    async def reset(request: Request) -> Any:
        collector.reset()
        return {"reset": True}

    async def tokens(request: Request) -> Any:
        if request.method == "POST":
            try:
                token = collector.tokens.add(Token.from_mapping(await _body(request)))
            except (ValueError, TypeError) as error:
                raise BadRequest(str(error)) from None
            return token.describe()
        show = request.query_params.get("show") in ("1", "true", "yes")
        return [token.describe(show_value=show) for token in collector.tokens.all()]

    async def token(request: Request) -> Any:
        name = request.path_params["name"]
        try:
            if request.method == "DELETE":
                return {"removed": collector.tokens.remove(name).describe()}
            changes = await _body(request)
            if "value" in changes:
                raise BadRequest("a token's value cannot change; remove it and add a new one")
            Token.from_mapping({"value": "x", **changes})  # same checks as for a new token
            return collector.tokens.update(name, **changes).describe()
        except KeyError as error:
            raise BadRequest(error.args[0], 404) from None
        except (ValueError, TypeError) as error:
            raise BadRequest(str(error)) from None

    async def settings(request: Request) -> Any:
        if request.method == "PATCH":
            try:
                return collector.configure(**await _body(request)).to_dict()
            except SettingsError as error:
                raise BadRequest(str(error)) from None
        return collector.settings.to_dict()

    async def faults(request: Request) -> Any:
        rules = collector.faults
        if request.method == "POST":
            try:
                return rules.add(await _body(request)).describe()
            except FaultSpecError as error:
                raise BadRequest(str(error)) from None
        if request.method == "DELETE":
            rules.clear()
            return {"cleared": True}
        return [fault.describe() for fault in rules.list()]

    async def fault(request: Request) -> Any:
        try:
            return {"removed": collector.faults.remove(request.path_params["name"]).describe()}
        except KeyError as error:
            raise BadRequest(error.args[0], 404) from None

    routes = [
        Route("/journal", handler(journal), methods=["GET"]),
        Route("/journal.har", handler(har), methods=["GET"]),
        Route("/journal/counters", handler(counters), methods=["GET"]),
        Route("/journal/requests", handler(requests), methods=["GET"]),
        Route("/journal/events", handler(events), methods=["GET"]),
        Route("/journal/lost", handler(lost), methods=["GET"]),
        Route("/journal/delivery", handler(delivery), methods=["POST"]),
        Route("/journal/clear", handler(clear), methods=["POST"]),
        Route("/reset", handler(reset), methods=["POST"]),
        Route("/tokens", handler(tokens), methods=["GET", "POST"]),
        Route("/tokens/{name}", handler(token), methods=["PATCH", "DELETE"]),
        Route("/settings", handler(settings), methods=["GET", "PATCH"]),
        Route("/faults", handler(faults), methods=["GET", "POST", "DELETE"]),
        Route("/faults/{name}", handler(fault), methods=["DELETE"]),
        Route("/cluster", handler(cluster), methods=["GET"]),
        Route("/cluster/restarts", handler(restarts), methods=["GET", "POST"]),
        *search_routes(collector, admin_token),  # Splunk's search export, for preflight --search (its own credentials)
        *live_routes(collector, guarded=handler),
    ]
    return Starlette(routes=routes)


def _check_admin_token(request: Request, expected: str | None) -> None:
    if expected is None:
        return
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), expected.encode()):
        raise BadRequest("the admin API needs 'Authorization: Bearer <admin token>'", 401)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as error:
        raise BadRequest(f"body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def _int(query: Any, name: str) -> int | None:
    value = query.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, got {value!r}") from None


def _window(items: list[Any], request: Request) -> list[Any]:
    offset = _int(request.query_params, "offset") or 0
    limit = _int(request.query_params, "limit")
    if offset < 0 or (limit is not None and limit < 0):
        raise BadRequest("offset and limit must be >= 0")
    return items[offset : None if limit is None else offset + limit]
