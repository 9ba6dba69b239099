"""firewall_events: one record per security rule match, from the same world as http_requests.

Every event is a match, so the traffic mix leans to scanners and scripts. Consistency rules:

- Action and Source use firewall_events' lowercase spellings of the matching security action and
  product; RuleID, Description, Ref and Metadata belong to that rule;
- a blocking or challenging action answers 403 (429 for rate limits) and never reaches the origin
  (OriginResponseStatus 0); log, bypass and solved challenges pass on to the origin, whose status
  the edge returns;
- the ContentScanObj* arrays have equal lengths; RayID is unique within a stream and
  OriginatorRayID is ``00`` except on solved challenges, where it names an earlier request;
- a zone job's events are all of one zone; an account job's (scope ``account``) come from every
  zone of the account, most from the busiest, and ZoneName and ClientRequestHost say which.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator

from hecharness.generate.blueprint import Blueprint, Plan, Slot
from hecharness.generate.builders.http_requests import _ORIGIN_STATUS, RayIds, _pick, _security, category, signatures
from hecharness.generate.builders.world import PERSONAS, Persona, World
from hecharness.generate.catalog import get_dataset
from hecharness.generate.pools import Pools

__all__ = ["FirewallEvents", "build"]

CLIENT_FIELDS = (
    "ClientASN", "ClientASNDescription", "ClientCountry", "ClientIP", "ClientIPClass", "ClientRequestProtocol",
    "ClientRequestScheme", "ClientRequestUserAgent", "EdgeColoCode",
)
REQUEST_FIELDS = (
    "ClientRefererHost", "ClientRefererPath", "ClientRefererQuery", "ClientRefererScheme", "ClientRequestHost",
    "ClientRequestMethod", "ClientRequestPath", "ClientRequestQuery", "ContentScanObjResults", "ContentScanObjSizes",
    "ContentScanObjTypes", "FraudUserID", "LeakedCredentialCheckResult", "ZoneName",
)
VERDICT_FIELDS = (
    "AISecurityCustomTopicCategories", "AISecurityInjectionScore", "AISecurityPIICategories", "AISecurityTokenCount", "AISecurityUnsafeTopicCategories",
    "Action", "Description", "EdgeResponseStatus", "FirewallForAIInjectionScore", "FirewallForAIPIICategories",
    "FirewallForAITokenCount", "FirewallForAIUnsafeTopicCategories", "Kind", "MatchIndex", "Metadata",
    "OriginResponseStatus", "Ref", "RuleID", "Source", "WAFRequestSignatureCategories", "WAFRequestSignatureRefs",
)
DYNAMIC_FIELDS = ("RayID", "Datetime", "OriginatorRayID")

FIREWALL_TRAFFIC = {Persona.HUMAN: 0.35, Persona.BOT: 0.05, Persona.SCRIPT: 0.25, Persona.SCANNER: 0.35}
_ACTIONS = {"skip": "bypass"}
# Source spells products in lowercase; its documented list has no precursor, whose matches show as unknown.
_SOURCES = {"precursor": "unknown"}
_TERMINATING = {"block", "managedChallenge", "challenge", "jschallenge"}
_SOLVED = {"managedChallengeNonInteractiveSolved"}


def build(seed: int, start_ns: int, scope: str = "zone") -> tuple[Blueprint, World, dict]:
    pools = Pools(seed, "firewall_events")
    world = World(pools, clients=1500)
    if scope == "zone":
        # The account's other zones keep their place in the world (and its random draws), unvisited.
        world.site_weights = [1.0] + [0.0] * (len(world.sites) - 1)
    clients, requests, verdicts = Slot("client", CLIENT_FIELDS), Slot("request", REQUEST_FIELDS), Slot("verdict", VERDICT_FIELDS)
    for client in world.clients:
        clients.add(_client_values(client), client)
    request_pools = {
        persona: [requests.add(_request_values(r), r.kind) for r in (world.request(persona) for _ in range(300))]
        for persona in PERSONAS
    }
    rulesets = {source: pools.hex(32) for source in ("firewallManaged", "firewallCustom", "rateLimit")}
    verdict_pools = {}
    for persona, entries in request_pools.items():
        for kind in sorted({entry.meta for entry in entries}):
            verdict_pools[(persona, kind)] = [verdicts.add(*_verdict(world, persona, kind, rulesets)) for _ in range(60)]
    blueprint = Blueprint(get_dataset("firewall_events"), (clients, requests, verdicts), DYNAMIC_FIELDS)
    return blueprint, world, {"requests": request_pools, "verdicts": verdict_pools}


def _client_values(c) -> dict:
    return {
        "ClientASN": c.network.asn, "ClientASNDescription": c.network.name, "ClientCountry": c.metro.country,
        "ClientIP": c.ip, "ClientIPClass": c.ip_class, "ClientRequestProtocol": c.http_protocol,
        "ClientRequestScheme": c.scheme, "ClientRequestUserAgent": c.agent.user_agent, "EdgeColoCode": c.colo.code,
    }


def _request_values(r) -> dict:
    scheme, host, path, query = r.referer_parts
    return {
        "ClientRefererHost": host, "ClientRefererPath": path, "ClientRefererQuery": query, "ClientRefererScheme": scheme,
        "ClientRequestHost": r.host, "ClientRequestMethod": r.method, "ClientRequestPath": r.path,
        "ClientRequestQuery": f"?{r.query}" if r.query else "", "ContentScanObjResults": r.content_results,
        "ContentScanObjSizes": r.content_sizes, "ContentScanObjTypes": r.content_types, "FraudUserID": r.fraud_user,
        "LeakedCredentialCheckResult": r.leaked_credentials, "ZoneName": r.zone,
    }


def _verdict(world: World, persona: Persona, kind: str, rulesets: dict[str, str]) -> tuple[dict, bool]:
    rng = world.pools.rng
    for _ in range(1000):
        matches, terminating, _ = _security(world, persona, kind)
        if matches:
            break
    else:
        # Verified bots rarely match anything; when they do it is the allow-list skip.
        matches, terminating = [("skip", world.custom_rules[0])], None
    index = rng.randrange(len(matches))
    action, rule = matches[index]
    stops = action in _TERMINATING
    origin = 0 if stops else _pick(rng, _ORIGIN_STATUS.get(category(kind), _ORIGIN_STATUS["page"]))
    edge = (429 if rule.source == "rateLimit" else 403) if stops else origin
    metadata = {"ruleset_id": rulesets[rule.source], "version": str(rng.randint(1, 40))} if rule.source in rulesets else {}
    values = {
        "AISecurityInjectionScore": 0, "AISecurityPIICategories": [], "AISecurityTokenCount": 0,
        "AISecurityUnsafeTopicCategories": [], "Action": _ACTIONS.get(action, action).lower(), "Description": rule.description,
        "EdgeResponseStatus": edge, "FirewallForAIInjectionScore": 0, "FirewallForAIPIICategories": [],
        "FirewallForAITokenCount": 0, "FirewallForAIUnsafeTopicCategories": [], "Kind": "firewall",
        # The last match of a request has index 0, earlier ones count up from there.
        "MatchIndex": len(matches) - 1 - index, "Metadata": metadata, "OriginResponseStatus": origin,
        "Ref": rule.ref, "RuleID": rule.id, "Source": _SOURCES.get(rule.source, rule.source.lower()),
        "AISecurityCustomTopicCategories": {}, **signatures([(action, rule)]),
    }
    return values, action in _SOLVED


class FirewallEvents:
    def __init__(self, blueprint: Blueprint, world: World, pools: dict, seed: int) -> None:
        self.blueprint = blueprint
        self.rng = random.Random(f"hecharness:records:firewall_events:{seed}")
        clients, requests, verdicts = blueprint.slots
        self.clients = clients.entries
        self.client_weights = list(itertools.accumulate(world.client_weights(FIREWALL_TRAFFIC)))
        self.client_requests = [pools["requests"][c.meta.persona] for c in self.clients]
        self.request_verdicts = [None] * len(requests.entries)
        for persona, entries in pools["requests"].items():
            for entry in entries:
                self.request_verdicts[entry.index] = pools["verdicts"][(persona, entry.meta)]
        self.solved = [v.meta for v in verdicts.entries]
        self.ray_ids = RayIds(self.rng)

    def plans(self, chunks: Iterable[list[int]]) -> Iterator[Plan]:
        rng, ray_ids = self.rng, self.ray_ids
        draw = rng.random
        previous = "00"
        for chunk in chunks:
            plans = []
            for t, client in zip(chunk, rng.choices(self.clients, cum_weights=self.client_weights, k=len(chunk))):
                requests = self.client_requests[client.index]
                request = requests[int(draw() * len(requests))]
                verdicts = self.request_verdicts[request.index]
                verdict = verdicts[int(draw() * len(verdicts))]
                ray, _ = ray_ids.next(t)
                plans.append(((ray, t, previous if self.solved[verdict.index] else "00"), client, request, verdict))
                previous = ray
            yield from plans
