"""dns_logs: one record per query answered by Cloudflare's authoritative DNS.

Two slots: the asking resolver (its address, the data center it reached, the EDNS Client Subnet
it forwarded, if any) and the query (name, type, response code, cache). Consistency rules:

- EDNSSubnet is empty with length 0, or a network address with length 24 (IPv4) or 56 (IPv6);
- names that exist answer 0 (NOERROR); made-up subdomains answer 3 (NXDOMAIN);
- records have no ID: the natural key is Timestamp, unique within a stream.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from hecharness.generate.blueprint import Blueprint, Plan, Slot
from hecharness.generate.catalog import get_dataset
from hecharness.generate.pools import COLOS, Pools, subnet

__all__ = ["DnsLogs", "build"]

# Query type numbers (RFC 1035 and successors) with realistic shares.
QUERY_TYPES = {1: 45, 28: 24, 65: 12, 5: 4, 15: 3, 16: 4, 2: 2, 6: 2, 257: 1, 33: 1, 255: 0.5, 64: 1.5}
# Well-known recursive resolvers: (address prefix, data-center codes, whether they send ECS).
_RESOLVERS = [
    ("172.253.{a}.{b}", ("IAD", "ORD", "FRA", "SIN", "LHR"), True),
    ("74.125.{a}.{b}", ("IAD", "SJC", "AMS"), True),
    ("2a00:1450:4001:{a:x}::{b:x}", ("FRA", "AMS", "LHR"), True),
    ("162.158.{a}.{b}", ("IAD", "FRA", "SIN", "NRT", "GRU"), False),
    ("2400:cb00:{a:x}:1024::{b:x}", ("SIN", "HKG", "SYD"), False),
    ("149.112.{a}.{b}", ("FRA", "AMS", "EWR"), False),
]


def build(seed: int, start_ns: int) -> tuple[Blueprint, None, dict]:
    pools = Pools(seed, "dns_logs")
    rng = pools.rng
    resolvers, queries = Slot("resolver", ("ColoCode", "EDNSSubnet", "EDNSSubnetLength", "SourceIP")), Slot(
        "query", ("QueryName", "QueryType", "ResponseCached", "ResponseCode"))
    for _ in range(800):
        if rng.random() < 0.6:
            template, colos, ecs = rng.choice(_RESOLVERS)
            source = template.format(a=rng.randint(0, 255), b=rng.randint(1, 254))
            colo = rng.choice(colos)
        else:
            # An ISP's own resolver, near its customers; these rarely send a client subnet.
            metro = pools.metro()
            source, colo, ecs = pools.ipv4(), metro.colo, rng.random() < 0.1
        network, length = "", 0
        if ecs and rng.random() < 0.9:
            address, length = (pools.ipv4(), 24) if rng.random() < 0.8 else (pools.ipv6(), 56)
            network = str(subnet(address, length, length).network_address)
        resolvers.add({"ColoCode": COLOS[colo].code, "EDNSSubnet": network, "EDNSSubnetLength": length, "SourceIP": source})
    zones = [f"{pools.fake.domain_word()}.{rng.choice(('com', 'net', 'org', 'io'))}" for _ in range(4)]
    labels = ("www", "", "api", "mail", "cdn", "app", "_dmarc", "autodiscover", "shop", "status", "vpn", "m")
    types, weights = list(QUERY_TYPES), list(QUERY_TYPES.values())
    for _ in range(1500):
        zone = rng.choices(zones, (60, 20, 12, 8))[0]
        query_type = rng.choices(types, weights)[0]
        if rng.random() < 0.08:
            name, code = f"{pools.word()}{rng.randint(1, 999)}.{zone}", 3
        else:
            label = "_dmarc" if query_type == 16 and rng.random() < 0.4 else rng.choice(labels)
            name = f"{label}.{zone}" if label else zone
            code = rng.choices((0, 2, 5), (985, 10, 5))[0]
        queries.add({"QueryName": name, "QueryType": query_type, "ResponseCached": rng.random() < 0.7, "ResponseCode": code})
    return Blueprint(get_dataset("dns_logs"), (resolvers, queries), ("Timestamp",)), None, {}


class DnsLogs:
    def __init__(self, blueprint: Blueprint, world: None, pools: dict, seed: int) -> None:
        self.blueprint = blueprint
        self.rng = random.Random(f"hecharness:records:dns_logs:{seed}")

    def plans(self, chunks: Iterable[list[int]]) -> Iterator[Plan]:
        resolvers, queries = (slot.entries for slot in self.blueprint.slots)
        choices = self.rng.choices
        for chunk in chunks:
            n = len(chunk)
            yield from zip(((t,) for t in chunk), choices(resolvers, k=n), choices(queries, k=n))
