"""spectrum_events (IBM: range_events): connection lifecycle events of Spectrum TCP/UDP proxies.

Slots: the client, the application (protocols, origin, proxy protocol, TLS mode) and the event,
whose pool is kept per application. Consistency rules:

- ``connect`` has Status 0, no bytes yet and DisconnectTimestamp zero (the Unix epoch);
- ``disconnect`` has a closing status (200 or a 44x/49x error), bytes both ways and
  ConnectTimestamp < DisconnectTimestamp = Timestamp;
- errors (``clientFiltered`` 403, ``tlsError`` 400/443/540, ``resolveOrigin`` 53x,
  ``originError`` 52x) close before both legs were up: ConnectTimestamp 0;
- UDP applications have no TLS and no TCP round-trip times; a client blocked by the IP firewall
  shows a BLOCK_* match with IpFirewall on;
- records have no ID: the natural key is Timestamp, unique within a stream.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hecharness.generate.blueprint import Blueprint, Plan, Slot
from hecharness.generate.catalog import get_dataset
from hecharness.generate.pools import Pools

__all__ = ["SpectrumEvents", "build"]

CLIENT_FIELDS = ("ClientAsn", "ClientCountry", "ClientIP", "ColoCode")
APPLICATION_FIELDS = ("Application", "ClientProto", "ClientTlsClientHelloServerName", "IpFirewall", "OriginIP",
                      "OriginPort", "OriginProto", "OriginTlsMode", "ProxyProtocol")
EVENT_FIELDS = ("ClientBytes", "ClientMatchedIpFirewall", "ClientTcpRtt", "ClientTlsCipher", "ClientTlsProtocol",
                "ClientTlsStatus", "Event", "OriginBytes", "OriginTcpRtt", "OriginTlsCipher", "OriginTlsFingerprint",
                "OriginTlsProtocol", "OriginTlsStatus", "Status")
DYNAMIC_FIELDS = ("Timestamp", "ConnectTimestamp", "DisconnectTimestamp", "ClientPort")

# name, client protocol, origin port, client-side TLS, origin TLS mode, proxy protocol
_APPLICATIONS = [
    ("ssh", "tcp", 22, False, "off", "off"),
    ("rdp", "tcp", 3389, False, "off", "off"),
    ("game", "udp", 27015, False, "off", "simple"),
    ("mqtt", "tcp", 8883, True, "strict", "v2"),
    ("tls-app", "tcp", 8443, True, "full", "v1"),
    ("mysql", "tcp", 3306, False, "off", "off"),
]
_CLOSINGS = {200: 85, 499: 5, 444: 3, 445: 1, 446: 1, 447: 1, 448: 1, 490: 1, 495: 0.5, 496: 0.5, 497: 0.5, 498: 0.5}
_ERRORS = {"clientFiltered": {403: 1}, "tlsError": {400: 3, 443: 6, 540: 1},
           "resolveOrigin": {530: 1, 531: 3, 533: 1}, "originError": {520: 2, 521: 3, 522: 4, 523: 1, 524: 1, 532: 1}}
_TLS_STATUS = {400: "INVALID_SNI", 443: "HANDSHAKE_FAILED", 540: "INVALID_CONFIG"}
_CIPHERS = ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256")


@dataclass(frozen=True)
class EventMeta:
    event: str
    duration_ns: int


def build(seed: int, start_ns: int) -> tuple[Blueprint, None, dict]:
    pools = Pools(seed, "spectrum_events")
    rng = pools.rng
    clients, applications, events = Slot("client", CLIENT_FIELDS), Slot("application", APPLICATION_FIELDS), Slot("event", EVENT_FIELDS)
    for _ in range(1200):
        metro = pools.metro()
        network = pools.eyeball_network(metro.country)
        clients.add({"ClientAsn": network.asn, "ClientCountry": metro.country, "ClientIP": pools.client_ip(0.2), "ColoCode": metro.colo})
    zone = f"{pools.fake.domain_word()}.{rng.choice(('com', 'net', 'io'))}"
    event_pools = []
    for name, proto, port, client_tls, origin_mode, proxy in _APPLICATIONS:
        firewall = rng.random() < 0.5
        app = {
            "Application": pools.hex(32), "ClientProto": proto, "ClientTlsClientHelloServerName": f"{name}.{zone}" if client_tls else "",
            "IpFirewall": firewall, "OriginIP": pools.ipv4(), "OriginPort": port, "OriginProto": proto,
            "OriginTlsMode": origin_mode, "ProxyProtocol": proxy,
        }
        fingerprint = pools.hex(64)
        applications.add(app)
        event_pools.append([events.add(*_event(pools, app, client_tls, fingerprint)) for _ in range(150)])
    return Blueprint(get_dataset("spectrum_events"), (clients, applications, events), DYNAMIC_FIELDS), None, {"events": event_pools}


def _event(pools: Pools, app: dict, client_tls: bool, fingerprint: str) -> tuple[dict, EventMeta]:
    rng = pools.rng
    event = rng.choices(("connect", "disconnect", "clientFiltered", "tlsError", "resolveOrigin", "originError"),
                        (44, 44, 4 if app["IpFirewall"] else 0, 3 if client_tls else 0, 1, 4))[0]
    status = 0 if event == "connect" else _pick(rng, _CLOSINGS if event == "disconnect" else _ERRORS[event])
    udp = app["ClientProto"] == "udp"
    up = event in ("connect", "disconnect")
    client_ok = client_tls and event != "clientFiltered"
    origin_tls = app["OriginTlsMode"] in ("full", "strict") and up
    matched = "UNKNOWN"
    if app["IpFirewall"]:
        matched = rng.choice(("BLOCK_IP", "BLOCK_COUNTRY", "BLOCK_ASN")) if event == "clientFiltered" else rng.choices(
            ("ALLOW", "WHITELIST_IP", "WHITELIST_COUNTRY", "WHITELIST_ASN", "UNKNOWN"), (40, 5, 3, 2, 50))[0]
    values = {
        "ClientBytes": rng.randint(200, 5_000_000) if event == "disconnect" else rng.randint(0, 600) if not up else 0,
        "ClientMatchedIpFirewall": matched,
        "ClientTcpRtt": 0 if udp else rng.randint(2, 180) * 1_000_000,
        "ClientTlsCipher": rng.choice(_CIPHERS) if client_ok and event != "tlsError" else "UNK",
        "ClientTlsProtocol": ("TLSv1.3" if rng.random() < 0.8 else "TLSv1.2") if client_ok and event != "tlsError" else "unknown" if client_ok else "none",
        "ClientTlsStatus": _TLS_STATUS.get(status, "OK") if client_ok else "UNKNOWN",
        "Event": event,
        "OriginBytes": rng.randint(500, 50_000_000) if event == "disconnect" else 0,
        "OriginTcpRtt": 0 if udp or not up else rng.randint(1, 120) * 1_000_000,
        "OriginTlsCipher": rng.choice(_CIPHERS) if origin_tls else "UNK",
        "OriginTlsFingerprint": fingerprint if origin_tls else "",
        "OriginTlsProtocol": "TLSv1.3" if origin_tls else "none",
        "OriginTlsStatus": "OK" if origin_tls else "UNKNOWN",
        "Status": status,
    }
    duration = int(rng.lognormvariate(2.5, 1.5) * 1e9) + 1 if event == "disconnect" else 0
    return values, EventMeta(event, duration)


def _pick(rng: random.Random, table: dict):
    return rng.choices(list(table), weights=list(table.values()))[0]


class SpectrumEvents:
    def __init__(self, blueprint: Blueprint, world: None, pools: dict, seed: int) -> None:
        self.blueprint = blueprint
        self.rng = random.Random(f"hecharness:records:spectrum_events:{seed}")
        clients, applications, events = blueprint.slots
        self.clients, self.applications = clients.entries, applications.entries
        self.events = pools["events"]
        self.info = [(e.meta.event, e.meta.duration_ns) for e in events.entries]
        # A few applications carry most connections.
        self.application_weights = list(itertools.accumulate([40, 25, 15, 10, 6, 4]))

    def plans(self, chunks: Iterable[list[int]]) -> Iterator[Plan]:
        rng = self.rng
        draw = rng.random
        for chunk in chunks:
            n = len(chunk)
            plans = []
            for t, client, app in zip(chunk, rng.choices(self.clients, k=n), rng.choices(self.applications, cum_weights=self.application_weights, k=n)):
                pool = self.events[app.index]
                event = pool[int(draw() * len(pool))]
                kind, duration = self.info[event.index]
                port = 1024 + int(draw() * 64511)
                if kind == "connect":
                    plans.append(((t, t, 0, port), client, app, event))
                elif kind == "disconnect":
                    plans.append(((t, t - duration, t, port), client, app, event))
                else:
                    plans.append(((t, 0, t, port), client, app, event))
            yield from plans
