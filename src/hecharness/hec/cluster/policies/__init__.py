"""Balancing policies, one per module, registered by name (`POLICIES`); `policy_for` makes one."""

from hecharness.clock import Clock
from hecharness.hec.cluster.balancing import Balancing
from hecharness.hec.cluster.policies import cookie, least_outstanding, per_connection, round_robin
from hecharness.hec.cluster.policies.base import POLICIES, Node, Policy, Routing

__all__ = ["POLICIES", "Policy", "Routing", "Node", "policy_for"]

_LOADED = (cookie, least_outstanding, per_connection, round_robin)  # each registers itself on import


def policy_for(balancing: Balancing, clock: Clock) -> Policy:
    """The policy `balancing` names, ready to route."""
    return POLICIES[balancing.policy](balancing, clock)
