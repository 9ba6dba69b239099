"""The live page of the fake HEC and its Prometheus metrics, served by the admin listener.

    GET /          the page (static: it holds no data, so it loads without the admin token)
    GET /live/stream        server-sent events: new requests and a snapshot, every tick
    GET /live/requests/{id} one recent request's headers and first event lines
    GET /metrics            Prometheus text format

The page reads and changes everything else through the admin API's JSON calls.
"""

from hecharness.hec.live.routes import live_routes

__all__ = ["live_routes"]
