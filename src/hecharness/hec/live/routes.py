"""The live page's routes, for the admin listener to mount behind its token check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from hecharness.hec.collector import Collector
from hecharness.hec.live.feed import Feed, RecentRequests
from hecharness.hec.live.metrics import Metrics
from hecharness.hec.live.tally import Tally
from hecharness.hec.settings import HEALTH_STATES

__all__ = ["live_routes"]

Endpoint = Callable[[Request], Awaitable[Any]]

_STATIC = {"index.html": "text/html", "live.js": "text/javascript", "live.css": "text/css"}


def live_routes(collector: Collector, guarded: Callable[[Endpoint], Endpoint]) -> list[Route]:
    """Routes for the page, its stream and /metrics; `guarded` wraps those that show data with the admin token check."""
    tally, recent = Tally(), RecentRequests()
    collector.on_request.extend([tally, recent])
    feed = Feed(collector, tally, recent)
    metrics = Metrics(collector, tally)

    def detach() -> None:
        # Each start builds the admin app anew: this one's counting goes when its server stops,
        # or a server started again would count every request once per start.
        for hook in (tally, recent):
            collector.on_request.remove(hook)
        collector.on_stop.remove(detach)

    collector.on_stop.append(detach)
    # Read once: the page is a few kilobytes and never changes while the package is installed.
    static = {name: (files(__package__).joinpath("static", name).read_bytes(), kind) for name, kind in _STATIC.items()}

    def asset(name: str) -> Endpoint:
        body, kind = static[name]

        async def serve(request: Request) -> Response:
            return Response(body, media_type=kind, headers={"cache-control": "no-cache"})

        return serve

    async def stream(request: Request) -> Response:
        return StreamingResponse(
            feed.stream(), media_type="text/event-stream", headers={"cache-control": "no-cache"}
        )

    async def detail(request: Request) -> Any:
        try:
            found = feed.detail(int(request.path_params["id"]))
        except ValueError:
            found = None
        if found is None:
            return Response(b'{"error":"no such request among the recent ones"}', 404, media_type="application/json")
        return found

    async def prometheus(request: Request) -> Response:
        return metrics.response()

    async def health_states(request: Request) -> Any:
        return list(HEALTH_STATES)

    return [
        Route("/", asset("index.html"), methods=["GET"]),
        Route("/live", asset("index.html"), methods=["GET"]),
        *(Route(f"/live/{name}", asset(name), methods=["GET"]) for name in _STATIC if name != "index.html"),
        Route("/live/stream", guarded(stream), methods=["GET"]),
        Route("/live/health-states", guarded(health_states), methods=["GET"]),
        Route("/live/requests/{id}", guarded(detail), methods=["GET"]),
        Route("/metrics", guarded(prometheus), methods=["GET"]),
    ]
