"""A cluster of fake indexers behind an in-process load balancer (issue #17).

    with FakeHEC(indexers=3, balancer="cookie", cookie_lifetime=60) as hec:
        hec.node(2).configure(health="queues-full")     # ejected by the balancer's health check
        hec.restart(1, at=30, duration=20)              # down from 30 s to 50 s on the harness clock
"""

from hecharness.hec.cluster.balancing import POLICY_NAMES, Balancing
from hecharness.hec.cluster.cluster import Cluster
from hecharness.hec.cluster.indexer import Indexer
from hecharness.hec.cluster.restarts import Outage, Restart, RestartSpecError, parse_restart
from hecharness.hec.cluster.route import Route

__all__ = ["Cluster", "Indexer", "Balancing", "POLICY_NAMES", "Restart", "Outage", "RestartSpecError", "parse_restart", "Route"]
