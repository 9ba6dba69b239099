"""network_analytics_logs: packets sampled by Cloudflare's L3/4 systems (dosd, flowtrackd,
Magic Firewall) in front of a customer network.

Slots: the packet's source, its destination (the customer's prefixes), the data center, and the
packet itself; source, destination and packet always share an IP version. Consistency rules:

- header fields fit the protocol: TCP fields are zero unless IPProtocol is 6, UDP unless 17, ICMP
  unless 1 or 58, GRE unless 47; IPv4 fields are zero on IPv6 packets and the other way round;
- TCPFlagsString spells TCPFlags, lowest bit first (F S R P A U E C); TCP options, MSS, SACK and
  timestamps appear together; the TTL and length buckets are the values with digits dropped;
- attack fields (AttackID, AttackVector, RuleID, RulesetID, ...) are set only on packets a
  mitigation matched; Outcome equals Verdict except for rules in log mode;
- records have no ID: the natural key is Datetime, unique within a stream.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from hecharness.generate.blueprint import Blueprint, Plan, Slot
from hecharness.generate.catalog import get_dataset
from hecharness.generate.pools import COLOS, METROS, Pools, geohash, subnet

__all__ = ["NetworkAnalyticsLogs", "build"]

SOURCE_FIELDS = ("IPSourceAddress", "IPSourceSubnet", "SourceASN", "SourceASNName", "SourceCountry", "SourceGeoHash")
DESTINATION_FIELDS = ("IPDestinationAddress", "IPDestinationSubnet", "DestinationASN", "DestinationASNName",
                      "DestinationCountry", "DestinationGeoHash")
COLO_FIELDS = ("ColoCity", "ColoCode", "ColoCountry", "ColoGeoHash", "ColoName")
RULESET_ID = "3b64149bfa6e4220bbbc2bd6db589552"
_FLAG_LETTERS = "FSRPAUEC"
# scenario: (weight, protocol, mitigation system, attack vector)
_SCENARIOS = {
    "syn_flood": (18, 6, "dosd", "SYN Flood"),
    "ack_flood": (8, 6, "dosd", "ACK Flood"),
    "udp_flood": (14, 17, "dosd", "UDP Flood"),
    "dns_flood": (6, 17, "dosd", "DNS Query Flood"),
    "icmp_flood": (4, 1, "dosd", "ICMP Flood"),
    "out_of_state": (10, 6, "flowtrackd", ""),
    "firewall": (8, 6, "magic-firewall", ""),
    "tcp": (20, 6, "dosd", ""),
    "udp": (6, 17, "dosd", ""),
    "icmp": (3, 1, "dosd", ""),
    "gre": (3, 47, "dosd", ""),
}
_PROTOCOL_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", 47: "gre"}
_ZEROED = {
    "tcp": ("TCPAcknowledgementNumber", "TCPChecksum", "TCPDataOffset", "TCPFlags", "TCPMSS", "TCPSACKPermitted",
            "TCPSequenceNumber", "TCPTimestampECR", "TCPTimestampValue", "TCPUrgentPointer", "TCPWindowScale", "TCPWindowSize"),
    "tcp_text": ("TCPFlagsString", "TCPOptions", "TCPSACKBlocks"),
    "udp": ("UDPChecksum", "UDPPayloadLength"),
    "icmp": ("ICMPChecksum", "ICMPCode", "ICMPType"),
    "gre": ("GREChecksum", "GREEtherType", "GREHeaderLength", "GREKey", "GRESequenceNumber", "GREVersion"),
    "v4": ("IPv4Checksum", "IPv4DSCP", "IPv4DontFragment", "IPv4ECN", "IPv4Identification"),
    "v6": ("IPv6DSCP", "IPv6ECN", "IPv6FlowLabel", "IPv6Identification"),
}


def build(seed: int, start_ns: int) -> tuple[Blueprint, None, dict]:
    pools = Pools(seed, "network_analytics_logs")
    rng = pools.rng
    sources, destinations = Slot("source", SOURCE_FIELDS), Slot("destination", DESTINATION_FIELDS)
    colos, packets = Slot("colo", COLO_FIELDS), Slot("packet", _packet_fields())
    by_family: dict[int, dict[str, list]] = {4: {}, 6: {}}
    for family, count in ((4, 1000), (6, 200)):
        entries = []
        for _ in range(count):
            metro = pools.metro()
            network = pools.hosting_network() if rng.random() < 0.4 else pools.eyeball_network(metro.country)
            address = pools.ipv4() if family == 4 else pools.ipv6()
            entries.append(sources.add({
                "IPSourceAddress": address, "IPSourceSubnet": _subnet(address), "SourceASN": network.asn,
                "SourceASNName": network.name, "SourceCountry": metro.country.upper(),
                "SourceGeoHash": geohash(metro.latitude, metro.longitude),
            }))
        by_family[family]["sources"] = entries
    customer = pools.small_network("us")
    office = rng.choice([m for m in METROS if m.country == "us"])
    for family in (4, 6):
        prefixes = [pools.ipv4().rsplit(".", 1)[0] if family == 4 else str(subnet(pools.ipv6(), v6_bits=48).network_address).rstrip(":") for _ in range(6)]
        by_family[family]["destinations"] = [
            destinations.add({
                "IPDestinationAddress": address, "IPDestinationSubnet": _subnet(address), "DestinationASN": customer.asn,
                "DestinationASNName": customer.name, "DestinationCountry": "US",
                "DestinationGeoHash": geohash(office.latitude, office.longitude),
            })
            for address in (f"{p}.{rng.randint(1, 254)}" if family == 4 else f"{p}::{rng.getrandbits(16):x}" for p in prefixes for _ in range(4))
        ]
    colo_entries = [
        colos.add({"ColoCity": c.city, "ColoCode": c.code, "ColoCountry": c.country, "ColoGeoHash": geohash(c.latitude, c.longitude),
                   "ColoName": c.site})
        for c in COLOS.values()
    ]
    attacks = {name: (pools.hex(32), pools.hex(32), pools.hex(32), pools.hex(32)) for name, spec in _SCENARIOS.items() if spec[3]}
    firewall_rules = [(pools.hex(32), text) for text in ("Block telnet", "Block RDP from the internet", "Drop SMB")]
    names = [f"{pools.word()}{rng.randint(1, 99999)}.{pools.fake.domain_word()}.com" for _ in range(50)]
    weights = [spec[0] for spec in _SCENARIOS.values()]
    for family in (4, 6):
        by_family[family]["packets"] = [
            packets.add(_packet(rng, family, rng.choices(list(_SCENARIOS), weights)[0], attacks, firewall_rules, names))
            for _ in range(600)
        ]
    blueprint = Blueprint(get_dataset("network_analytics_logs"), (sources, destinations, colos, packets), ("Datetime",))
    return blueprint, None, {"families": by_family, "colos": colo_entries}


def _packet_fields() -> tuple[str, ...]:
    taken = set(SOURCE_FIELDS) | set(DESTINATION_FIELDS) | set(COLO_FIELDS) | {"Datetime"}
    return tuple(f.name for f in get_dataset("network_analytics_logs").fields if f.name not in taken)


def _subnet(address: str) -> str:
    return str(subnet(address))


def _flags_text(flags: int) -> str:
    return "".join(letter for bit, letter in enumerate(_FLAG_LETTERS) if flags & (1 << bit))


def _packet(rng: random.Random, family: int, scenario: str, attacks: dict, firewall_rules: list, names: list) -> dict:
    _, protocol, system, vector = _SCENARIOS[scenario]
    if protocol == 1 and family == 6:
        protocol = 58
    # Start from "not this protocol": every protocol-specific field zero or empty.
    values: dict = dict.fromkeys((name for group in ("tcp", "udp", "icmp", "gre", "v4", "v6") for name in _ZEROED[group]), 0)
    values.update(dict.fromkeys(_ZEROED["tcp_text"], ""))
    attacked = bool(vector) or scenario in ("out_of_state", "firewall")
    verdict = "drop" if attacked else "pass"
    # Rules in log mode judge a packet but let it through.
    outcome = "pass" if attacked and rng.random() < 0.05 else verdict
    ttl = rng.choice((64, 128, 255)) - rng.randint(3, 25)
    header = 20 if family == 4 else 40
    source_port = destination_port = 0
    values.update({
        "AttackCampaignID": "", "AttackID": "", "AttackVector": vector, "DNSQueryName": "", "DNSQueryType": "",
        "Direction": "ingress" if attacked or rng.random() < 0.9 else "egress",
        "IPFragmentOffset": 0, "IPHeaderLength": header, "IPMoreFragments": 0, "IPProtocol": protocol,
        "IPProtocolName": _PROTOCOL_NAMES[protocol], "IPTTL": ttl, "IPTTLBuckets": ttl // 10 * 10,
        "IPv4Options": "", "IPv6ExtensionHeaders": "", "MitigationReason": "", "MitigationScope": "",
        "MitigationSystem": system, "Outcome": outcome, "PFPCustomTag": 0, "ProtocolState": "", "RuleID": "",
        "RuleName": "", "RulesetID": "", "RulesetOverrideID": "",
        "SampleInterval": rng.choice((100, 1000, 10000) if system == "dosd" else (1, 10, 100)), "Verdict": verdict,
    })
    if vector:
        attack_id, campaign, rule, override = attacks[scenario]
        values.update({"AttackID": attack_id, "AttackCampaignID": campaign, "RuleID": rule, "RuleName": vector,
                       "RulesetID": RULESET_ID, "RulesetOverrideID": override if rng.random() < 0.2 else "",
                       "MitigationScope": rng.choice(("local", "global"))})
    if protocol == 6:
        flags = {"syn_flood": 0x02, "ack_flood": 0x10, "out_of_state": rng.choice((0x10, 0x04, 0x11)),
                 "firewall": 0x02}.get(scenario, rng.choice((0x18, 0x10, 0x12, 0x02, 0x11)))
        syn = bool(flags & 0x02)
        options = "2,4,8,1,3" if syn else "1,1,8"
        source_port, destination_port = rng.randint(1024, 65535), rng.choice((443, 80, 22, 8443))
        if scenario == "firewall":
            destination_port = rng.choice((23, 3389, 445))
        payload = 0 if syn or scenario in ("syn_flood", "ack_flood") else rng.randint(0, 1400)
        values.update({
            "TCPAcknowledgementNumber": 0 if flags == 0x02 else rng.getrandbits(32), "TCPChecksum": rng.getrandbits(16),
            "TCPDataOffset": 10 if syn else 8, "TCPFlags": flags, "TCPFlagsString": _flags_text(flags),
            "TCPMSS": rng.choice((1460, 1440, 1380)) if syn else 0, "TCPOptions": options, "TCPSACKBlocks": "",
            "TCPSACKPermitted": 1 if syn else 0, "TCPSequenceNumber": rng.getrandbits(32),
            "TCPTimestampECR": 0 if flags == 0x02 else rng.getrandbits(32), "TCPTimestampValue": rng.getrandbits(32),
            "TCPUrgentPointer": 0, "TCPWindowScale": 7 if syn else 0, "TCPWindowSize": rng.choice((64240, 65535, 29200, 502)),
        })
        total = header + (40 if syn else 32) + payload
        if scenario == "out_of_state":
            values.update({"MitigationReason": rng.choice(("OUT_OF_SEQUENCE", "NOT_FOUND", "ALREADY_CLOSED")),
                           "ProtocolState": rng.choice(("NEW", "CLOSING", "CLOSED"))})
        elif scenario == "firewall":
            rule_id, name = rng.choice(firewall_rules)
            values.update({"MitigationReason": "BLOCKED", "RuleID": rule_id, "RuleName": name})
        elif scenario == "tcp" and rng.random() < 0.3:
            values["ProtocolState"] = "OPEN"
    elif protocol == 17:
        source_port = rng.randint(1024, 65535)
        destination_port = 53 if scenario == "dns_flood" or rng.random() < 0.3 else rng.choice((443, 123, 27015, 51820, rng.randint(1024, 65535)))
        payload = rng.randint(28, 90) if destination_port == 53 else rng.randint(20, 1400)
        if destination_port == 53:
            values.update({"DNSQueryName": rng.choice(names), "DNSQueryType": rng.choice(("A", "AAAA", "ANY", "TXT"))})
        values.update({"UDPChecksum": rng.getrandbits(16), "UDPPayloadLength": payload})
        total = header + 8 + payload
    elif protocol in (1, 58):
        echo = 8 if protocol == 1 else 128
        kind, code = (echo, 0) if rng.random() < 0.8 else ((3, 3) if protocol == 1 else (1, 4))
        values.update({"ICMPChecksum": rng.getrandbits(16), "ICMPCode": code, "ICMPType": kind})
        total = header + 8 + rng.randint(0, 56)
    else:
        key = rng.random() < 0.5
        values.update({"GREChecksum": 0, "GREEtherType": 0x0800 if family == 4 else 0x86DD, "GREHeaderLength": 8 if key else 4,
                       "GREKey": rng.getrandbits(32) if key else 0, "GRESequenceNumber": 0, "GREVersion": 0})
        total = header + (8 if key else 4) + rng.randint(40, 1400)
    if family == 4:
        values.update({"IPv4Checksum": rng.getrandbits(16), "IPv4DSCP": rng.choice((0, 0, 0, 46)), "IPv4DontFragment": int(protocol == 6),
                       "IPv4ECN": 0, "IPv4Identification": rng.getrandbits(16)})
    else:
        values.update({"IPv6DSCP": rng.choice((0, 0, 0, 46)), "IPv6ECN": 0, "IPv6FlowLabel": rng.getrandbits(20), "IPv6Identification": 0})
    values.update({"SourcePort": source_port, "DestinationPort": destination_port, "IPTotalLength": total,
                   "IPTotalLengthBuckets": total // 100 * 100})
    return values


class NetworkAnalyticsLogs:
    def __init__(self, blueprint: Blueprint, world: None, pools: dict, seed: int) -> None:
        self.blueprint = blueprint
        self.rng = random.Random(f"hecharness:records:network_analytics_logs:{seed}")
        self.families = pools["families"]
        self.colos = pools["colos"]

    def plans(self, chunks: Iterable[list[int]]) -> Iterator[Plan]:
        rng = self.rng
        draw = rng.random
        v4, v6 = self.families[4], self.families[6]
        for chunk in chunks:
            plans = []
            for t, colo in zip(chunk, rng.choices(self.colos, k=len(chunk))):
                family = v6 if draw() < 0.15 else v4
                sources, destinations, packets = family["sources"], family["destinations"], family["packets"]
                plans.append(((t,), sources[int(draw() * len(sources))], destinations[int(draw() * len(destinations))], colo,
                              packets[int(draw() * len(packets))]))
            yield from plans
