"""http_requests: one record per HTTP request through the Cloudflare edge.

Slots: the client (address, place, agent, TLS, bot facts), the request (host, path, body,
worker), and the outcome (security verdict, cache, origin, sizes, timings). Outcome pools are
kept per (persona, request kind), which is what keeps records consistent:

- a blocked or challenged request is ``dynamic``, never reaches the origin (OriginResponseStatus
  0, empty EdgeServerIP and OriginIP) and answers 403 (429 when rate limited);
- a cache ``hit`` (or ``stale``/``updating``) is served by the edge: origin status 0, cache bytes > 0;
- a miss, revalidation or dynamic request reaches the origin: the edge status follows the origin's,
  or is a 52x when the origin fails (origin status 0);
- SecurityActions, SecurityRuleIDs and SecuritySources always have the same length, and
  SecurityAction/SecurityRuleID name the terminating match when there is one;
- content type and size follow the request kind; EdgeEndTimestamp = EdgeStartTimestamp + the
  outcome's duration; RayID is unique within a stream;
- a Worker subrequest (WorkerSubrequest, ClientRequestSource edgeWorkerFetch) follows the visitor
  request whose Worker made it, names it in ParentRayID and shares its client; other records have
  ParentRayID ``00``;
- AI Security fields are zero and empty except on requests that carried a prompt, and the
  deprecated FirewallForAI* fields repeat them; WAFRequestSignature* name the managed WAF rules
  matched; ClientTLSKeyExchangeGroup follows the client's TLS stack (NONE without TLS).
"""

from __future__ import annotations

import email.utils
import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hecharness.generate.blueprint import Blueprint, Plan, Slot
from hecharness.generate.builders.world import ATTACKS, CONTENT_TYPES, HTTP_TRAFFIC, PERSONAS, STATIC_KINDS, Persona, World
from hecharness.generate.catalog import get_dataset
from hecharness.generate.pools import Pools

__all__ = ["HttpRequests", "RayIds", "build"]

CLIENT_FIELDS = (
    "BotDetectionIDs", "BotDetectionTags", "BotScore", "BotScoreSrc", "BotTags", "ClientASN", "ClientCity",
    "ClientCountry", "ClientDeviceType", "ClientIP", "ClientIPClass", "ClientLatitude", "ClientLongitude",
    "ClientMTLSAuthCertFingerprint", "ClientMTLSAuthStatus", "ClientRegionCode", "ClientRequestProtocol",
    "ClientRequestScheme", "ClientRequestUserAgent", "ClientSSLCipher", "ClientSSLProtocol", "ClientTCPRTTMs",
    "ClientTLSKeyExchangeGroup", "EdgeColoCode", "EdgeColoID", "JA3Hash", "JA4", "JA4Signals", "JSDetectionPassed", "VerifiedBotCategory",
)
REQUEST_FIELDS = (
    "AISecurityCustomTopicCategories", "AISecurityInjectionScore", "AISecurityPIICategories", "AISecurityTokenCount",
    "AISecurityUnsafeTopicCategories", "FirewallForAIInjectionScore", "FirewallForAIPIICategories",
    "FirewallForAITokenCount", "FirewallForAIUnsafeTopicCategories", "MatchedRules", "Subrequests",
    "ClientRequestBytes", "ClientRequestHost", "ClientRequestMethod", "ClientRequestPath", "ClientRequestReferer",
    "ClientRequestSource", "ClientRequestURI", "ClientXRequestedWith", "ContentScanObjResults", "ContentScanObjSizes",
    "ContentScanObjTypes", "Cookies", "EdgeRequestHost", "FraudAttack", "FraudDetectionIDs", "FraudDetectionTags",
    "FraudEmailRisk", "FraudUserID", "LeakedCredentialCheckResult", "RequestHeaders", "WebAssetsLabelsManaged",
    "WebAssetsOperationID", "WorkerCPUTime", "WorkerScriptName", "WorkerStatus", "WorkerSubrequest",
    "WorkerSubrequestCount", "WorkerWallTimeUs", "ZoneName",
)
OUTCOME_FIELDS = (
    "CacheCacheStatus", "CacheLockWaitedMs", "CacheReserveUsed", "CacheResponseBytes", "CacheResponseStatus", "CacheTieredFill",
    "EdgeCFConnectingO2O", "EdgePathingOp", "EdgePathingSrc", "EdgePathingStatus", "EdgeResponseBodyBytes",
    "EdgeResponseBytes", "EdgeResponseCompressionRatio", "EdgeResponseContentType", "EdgeResponseStatus",
    "EdgeTimeToFirstByteMs", "OriginDNSResponseTimeMs", "OriginRequestHeaderSendDurationMs", "OriginResponseBytes",
    "OriginResponseDurationMs", "OriginResponseHTTPExpires", "OriginResponseHTTPLastModified",
    "OriginResponseHeaderReceiveDurationMs", "OriginResponseStatus", "OriginResponseTime", "OriginSSLProtocol",
    "OriginTCPHandshakeDurationMs", "OriginTLSHandshakeDurationMs", "PayPerCrawlStatus", "ResponseHeaders",
    "SecurityAction", "SecurityActions", "SecurityRuleDescription", "SecurityRuleID", "SecurityRuleIDs",
    "SecuritySources", "SmartRouteColoID", "UpperTierColoID", "WAFAttackScore", "WAFFlags", "WAFMatchedVar",
    "WAFRCEAttackScore", "WAFRequestSignatureCategories", "WAFRequestSignatureRefs", "WAFSQLiAttackScore", "WAFXSSAttackScore",
)
DYNAMIC_FIELDS = ("RayID", "ParentRayID", "EdgeStartTimestamp", "EdgeEndTimestamp", "ClientSrcPort", "EdgeServerIP", "OriginIP")

# (body bytes low, high, compression ratio low, high); ratio 0 means sent uncompressed.
_BODIES = {
    "js": (4_000, 600_000, 3.0, 5.0), "css": (2_000, 150_000, 4.0, 7.0), "png": (2_000, 800_000, 0, 0),
    "jpg": (5_000, 900_000, 0, 0), "webp": (2_000, 400_000, 0, 0), "svg": (500, 40_000, 2.0, 4.0),
    "woff2": (10_000, 120_000, 0, 0), "ico": (1_000, 15_000, 0, 0), "page": (5_000, 200_000, 3.0, 8.0),
    "robots": (100, 900, 0, 0), "xml": (2_000, 500_000, 5.0, 10.0), "api": (50, 80_000, 2.0, 6.0),
    "write": (40, 4_000, 2.0, 4.0), "subrequest": (50, 40_000, 2.0, 6.0), "health": (15, 200, 0, 0),
}
_CACHE = {
    "static": {"hit": 72, "miss": 12, "expired": 5, "revalidated": 4, "stale": 1, "updating": 2, "bypass": 2, "dynamic": 2},
    "page": {"dynamic": 60, "hit": 20, "miss": 12, "expired": 3, "bypass": 5},
    "api": {"dynamic": 92, "bypass": 5, "miss": 3},
    "write": {"dynamic": 100},
}
_FROM_CACHE = {"hit", "stale", "updating"}
_ORIGIN_STATUS = {
    "static": {200: 97, 404: 3},
    "page": {200: 86, 301: 4, 302: 3, 304: 2, 404: 4, 500: 1},
    "api": {200: 88, 204: 2, 400: 2, 401: 3, 403: 1, 404: 2, 429: 0.5, 500: 1, 502: 0.25, 503: 0.25},
    "write": {200: 40, 201: 35, 204: 8, 400: 6, 401: 4, 409: 2, 422: 3, 500: 2},
    "health": {200: 98, 503: 2},
    "attack": {404: 70, 403: 10, 200: 15, 400: 5},
}
_EDGE_ERRORS = {520: 40, 522: 25, 524: 20, 521: 10, 525: 5}
# How each terminating source shows up in EdgePathing{Op,Src,Status}.
_PATHING = {
    "firewallManaged": ("ban", "user", "filter_based_firewall"), "firewallCustom": ("ban", "user", "filter_based_firewall"),
    "botManagement": ("ban", "user", "filter_based_firewall"), "botFight": ("ban", "user", "filter_based_firewall"),
    "ip": ("ban", "user", "ip"), "country": ("ban", "user", "ctry"), "asn": ("ban", "user", "Asnum"),
    "rateLimit": ("ban", "macro", "rate_limit"),
    "l7ddos": ("ban", "macro", "l7ddos"),
}
_PASSED = ("wl", "macro", "nr")
PRECURSOR_ACTIONS = ("precursorInterstitialPageIssued", "precursorInterstitialPageSolved", "precursorInterstitialPageBypassed")
# TLS stacks that offer X25519MLKEM768 first by default, and ones that still prefer NIST P-256.
_POST_QUANTUM = frozenset({"chrome", "firefox", "safari", "go", "google", "apple", "openai"})
_NIST_CURVES = frozenset({"java", "okhttp", "python"})
_ODD_STACKS = frozenset({"nmap", "masscan"})  # scanners whose handshakes Cloudflare cannot classify
_PII = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "PERSON")
_UNSAFE = ("S1", "S2", "S6", "S9", "S10", "S12")  # Llama Guard hazard categories
_TOPICS = ("billing", "competitors", "legal-advice", "medical", "account-recovery")
# Attack signature categories by attack kind (the docs name the fields, not the category names).
_SIGNATURES = {"sqli": "SQL Injection", "xss": "Cross-Site Scripting", "log4j": "Log4Shell", "rce": "Remote Code Execution",
               "traversal": "Directory Traversal", "wordpress": "WordPress", "secrets": "Information Disclosure",
               "probe": "Vulnerability Scanning"}
_MATCHED_VAR = {"sqli": "http.request.uri.query", "xss": "http.request.uri.query", "traversal": "http.request.uri.query",
                "log4j": "http.request.uri.query", "rce": "http.request.body.raw"}


@dataclass(frozen=True)
class RequestOutcome:
    origin: bool  # whether the origin was contacted
    duration_ns: int


def category(kind: str) -> str:
    if kind in STATIC_KINDS:
        return "static"
    if kind in ("page", "robots", "xml"):
        return "page"
    if kind in ("api", "subrequest"):
        return "api"
    if kind in ("write", "health"):
        return kind
    return "attack"


def build(seed: int, start_ns: int, sizes: tuple[int, int] = (2000, 100)) -> tuple[Blueprint, World, dict]:
    """The http_requests blueprint for a seed: client, request and outcome pools."""
    pools = Pools(seed, "http_requests")
    world = World(pools, clients=sizes[0])
    day = start_ns // 1_000_000_000
    clients, requests, outcomes = Slot("client", CLIENT_FIELDS), Slot("request", REQUEST_FIELDS), Slot("outcome", OUTCOME_FIELDS)
    for client in world.clients:
        clients.add(_client_values(client), client)
    products = _rules_products(pools)
    request_pools: dict[str, list] = {}
    for persona in PERSONAS:
        # Pools stay small enough for their pre-rendered fragments to sit in CPU cache; the
        # combinations of client x request x outcome still run into the hundreds of millions.
        count = {Persona.HUMAN: 1000, Persona.BOT: 200, Persona.SCRIPT: 300, Persona.SCANNER: 400}[persona]
        request_pools[persona] = [requests.add(*_request_values(world, world.request(persona), products)) for _ in range(count)]
    outcome_pools: dict[tuple[str, str], list] = {}
    for persona, entries in request_pools.items():
        for kind in sorted({entry.meta.kind for entry in entries}):
            size = sizes[1] if persona == Persona.HUMAN else sizes[1] // 2
            outcome_pools[(persona, kind)] = [outcomes.add(*_outcome(world, persona, kind, day)) for _ in range(size)]
    blueprint = Blueprint(get_dataset("http_requests"), (clients, requests, outcomes), DYNAMIC_FIELDS)
    return blueprint, world, {"requests": request_pools, "outcomes": outcome_pools}


def _client_values(c) -> dict:
    return {
        "BotDetectionIDs": c.bot_detection_ids, "BotDetectionTags": c.bot_detection_tags, "BotScore": c.bot_score,
        "BotScoreSrc": c.bot_source, "BotTags": c.bot_tags, "ClientASN": c.network.asn, "ClientCity": c.metro.city,
        "ClientCountry": c.metro.country, "ClientDeviceType": c.agent.device, "ClientIP": c.ip, "ClientIPClass": c.ip_class,
        "ClientLatitude": f"{c.metro.latitude:.5f}", "ClientLongitude": f"{c.metro.longitude:.5f}",
        "ClientMTLSAuthCertFingerprint": c.mtls_fingerprint, "ClientMTLSAuthStatus": c.mtls_status,
        "ClientRegionCode": c.metro.region, "ClientRequestProtocol": c.http_protocol, "ClientRequestScheme": c.scheme,
        "ClientRequestUserAgent": c.agent.user_agent, "ClientSSLCipher": c.tls_cipher, "ClientSSLProtocol": c.tls_protocol,
        "ClientTCPRTTMs": c.rtt_ms, "EdgeColoCode": c.colo.code, "EdgeColoID": c.colo.id, "JA3Hash": c.ja3, "JA4": c.ja4,
        "JA4Signals": c.ja4_signals, "JSDetectionPassed": c.js_detection, "VerifiedBotCategory": c.agent.bot_category,
        "ClientTLSKeyExchangeGroup": key_exchange_group(c.agent.family, c.tls_protocol),
    }


def key_exchange_group(family: str, tls_protocol: str) -> str:
    """The group a TLS stack agrees on: post-quantum where browsers and Go offer it by default (2026)."""
    if tls_protocol == "none":
        return "NONE"
    if tls_protocol == "TLSv1.3" and family in _POST_QUANTUM:
        return "X25519MLKEM768"
    if family in _NIST_CURVES:
        return "P-256"
    return "UNK" if family in _ODD_STACKS else "X25519"


def _rules_products(pools: Pools) -> dict[str, dict]:
    """A zone's Cloudflare Rules rulesets (one per product), for MatchedRules."""
    rng = pools.rng
    return {
        product: {"product": product, "rulesetId": pools.hex(32), "rulesetVersion": rng.randint(1, 60),
                  "rules": [pools.hex(32) for _ in range(3)]}
        for product in ("transform", "redirects", "snippets", "origin")
    }


def _matched_rules(rng: random.Random, products: dict[str, dict], kind: str, host: str) -> list[dict]:
    matched = []
    for product, chance in (("transform", 0.3), ("redirects", 0.05 if kind == "page" else 0), ("snippets", 0.1 if kind == "page" else 0),
                            ("origin", 0.5 if host.startswith("api.") else 0)):
        if rng.random() < chance:
            ruleset = products[product]
            rule = {"id": rng.choice(ruleset["rules"])}
            if product == "snippets":  # metadata is optional: snippets name what they ran
                rule["metadata"] = {"snippet_name": "edge_headers"}
            matched.append({"product": product, "rulesetId": ruleset["rulesetId"], "rulesetVersion": ruleset["rulesetVersion"],
                            "rules": [rule]})
    return matched


def _ai_security(rng: random.Random, kind: str) -> dict:
    """AI Security verdicts: zero and empty unless the request carried a prompt (some API writes)."""
    tokens = injection = 0
    pii: list[str] = []
    unsafe: list[str] = []
    topics: dict[str, int] = {}
    if kind == "write" and rng.random() < 0.15:
        tokens = int(rng.lognormvariate(5, 1)) + 1
        injection = rng.randint(1, 20) if rng.random() < 0.05 else rng.randint(60, 99)
        pii = rng.sample(_PII, rng.randint(1, 2)) if rng.random() < 0.1 else []
        unsafe = [rng.choice(_UNSAFE)] if rng.random() < 0.03 else []
        topics = {topic: rng.randint(1, 99) for topic in rng.sample(_TOPICS, rng.randint(0, 2))}
    # FirewallForAI* are the deprecated names of the same verdicts, which Cloudflare still fills.
    return {
        "AISecurityCustomTopicCategories": topics, "AISecurityInjectionScore": injection, "AISecurityPIICategories": pii,
        "AISecurityTokenCount": tokens, "AISecurityUnsafeTopicCategories": unsafe, "FirewallForAIInjectionScore": injection,
        "FirewallForAIPIICategories": pii, "FirewallForAITokenCount": tokens, "FirewallForAIUnsafeTopicCategories": unsafe,
    }


@dataclass(frozen=True)
class RequestMeta:
    kind: str
    subrequest: bool
    origin_ip: str


def _request_values(world: World, r, products: dict[str, dict]) -> tuple[dict, RequestMeta]:
    rng = world.pools.rng
    site = next(s for s in world.sites if s.zone == r.zone)
    worker = site.worker if site.worker and r.host == site.hosts["api"] else ""
    if r.kind == "subrequest":
        worker = site.worker or f"{world.pools.word()}-proxy"
    cpu = rng.randint(300, 9000) if worker else 0
    values = {
        "ClientRequestBytes": r.request_bytes, "ClientRequestHost": r.host, "ClientRequestMethod": r.method,
        "ClientRequestPath": r.path, "ClientRequestReferer": r.referer, "ClientRequestSource": r.source,
        "ClientRequestURI": r.uri, "ClientXRequestedWith": r.requested_with, "ContentScanObjResults": r.content_results,
        "ContentScanObjSizes": r.content_sizes, "ContentScanObjTypes": r.content_types, "Cookies": r.cookies,
        "EdgeRequestHost": r.host, "FraudAttack": r.fraud_attack, "FraudDetectionIDs": r.fraud_ids,
        "FraudDetectionTags": r.fraud_tags, "FraudEmailRisk": r.fraud_email_risk, "FraudUserID": r.fraud_user,
        "LeakedCredentialCheckResult": r.leaked_credentials, "RequestHeaders": r.headers,
        "WebAssetsLabelsManaged": r.asset_labels, "WebAssetsOperationID": r.asset_operation,
        "WorkerCPUTime": cpu, "WorkerScriptName": worker,
        "WorkerStatus": (rng.choices(("ok", "exception"), (99, 1))[0] if worker else "unknown"),
        "WorkerSubrequest": r.kind == "subrequest", "WorkerSubrequestCount": rng.randint(0, 3) if worker else 0,
        "WorkerWallTimeUs": cpu + rng.randint(1_000, 80_000) if worker else 0, "ZoneName": r.zone,
        "MatchedRules": _matched_rules(rng, products, r.kind, r.host), "Subrequests": [], **_ai_security(rng, r.kind),
    }
    return values, RequestMeta(r.kind, r.kind == "subrequest", rng.choice(site.origins))


def _security(world: World, persona: Persona, kind: str) -> tuple[list, object, str | None]:
    """Matched rules as (action, rule) pairs, the terminating rule, and its action."""
    rng = world.pools.rng
    roll = rng.random() * 100
    attack = kind if kind in ATTACKS else None
    if persona == Persona.HUMAN:
        if roll < 1.2:
            rule = rng.choice(world.custom_rules[1:2])
            return [("managedChallenge", rule)], rule, "managedChallenge"
        if roll < 2.0:
            rule = rng.choice(world.custom_rules[1:2])
            return [("managedChallengeNonInteractiveSolved", rule)], None, None
        if roll < 2.5:
            rule = rng.choice((world.country_rule, world.ip_rule))
            return [("block", rule)], rule, "block"
        if roll < 2.8:
            # The docs do not say that Precursor's interstitial page ends a request: it passes, as a log does.
            return [(rng.choice(PRECURSOR_ACTIONS), world.precursor_rule)], None, None
        if kind == "write" and roll < 3.5:
            return [("block", world.rate_rules[0])], world.rate_rules[0], "block"
        if kind == "write" and roll < 6:
            return [("log", world.custom_rules[4])], None, None
        return [], None, None
    if persona == Persona.BOT:
        return ([("skip", world.custom_rules[0])], None, None) if roll < 10 else ([], None, None)
    if persona == Persona.SCRIPT:
        if roll < 3:
            # A flood, mitigated by HTTP DDoS protection: the attack traffic filter_attack_traffic leaves out.
            return [("block", world.ddos_rule)], world.ddos_rule, "block"
        if roll < 15:
            return [("managedChallenge", world.bot_rule)], world.bot_rule, "managedChallenge"
        if roll < 27:
            rule = rng.choice((world.bot_rule, world.bot_fight_rule))
            return [("block", rule)], rule, "block"
        if roll < 32:
            return [("block", world.rate_rules[1])], world.rate_rules[1], "block"
        if roll < 35:
            return [("log", world.custom_rules[4])], None, None
        return [], None, None
    if roll < 70 and attack:
        rule = rng.choice(world.managed_rules[attack])
        matches = [("log", rng.choice(world.managed_rules["probe"]))] if rng.random() < 0.2 else []
        return [*matches, ("block", rule)], rule, "block"
    if roll < 80:
        return [("block", world.custom_rules[3])], world.custom_rules[3], "block"
    if roll < 85:
        rule = rng.choice((world.ip_rule, world.asn_rule))
        return [("block", rule)], rule, "block"
    if roll < 90:
        return [("managedChallenge", world.custom_rules[3])], world.custom_rules[3], "managedChallenge"
    return [], None, None


def _scores(world: World, persona: Persona, kind: str) -> tuple[int, int, int, int]:
    rng = world.pools.rng
    clean = lambda: rng.randint(70, 99)  # noqa: E731
    sqli, xss, rce = clean(), clean(), clean()
    axis = ATTACKS.get(kind) if persona == Persona.SCANNER else None
    if axis == "sqli":
        sqli = rng.randint(1, 15)
    elif axis == "xss":
        xss = rng.randint(1, 15)
    elif axis == "rce":
        rce = rng.randint(1, 15)
    overall = min(sqli, xss, rce) if axis else rng.randint(30, 99) if persona == Persona.SCANNER else rng.randint(60, 99)
    return overall, sqli, xss, rce


def _outcome(world: World, persona: Persona, kind: str, day_seconds: int) -> tuple[dict, RequestOutcome]:
    rng = world.pools.rng
    group = category(kind)
    matches, terminating, action = _security(world, persona, kind)
    overall, sqli, xss, rce = _scores(world, persona, kind)
    blocked = terminating is not None
    headers_out = rng.randint(250, 1200)
    expires = last_modified = ""
    tiered = reserve = False
    upper_tier = smart_route = 0
    dns = tcp = tls = send = receive = origin_ms = 0
    origin_tls = "none"
    if blocked:
        cache, origin_status = "dynamic", 0
        edge_status = 429 if terminating.source == "rateLimit" else 403
        content_type, body, ratio = "text/html", rng.randint(4_000, 7_500), round(rng.uniform(2.5, 3.5), 2)
        cache_bytes, ttfb = 0, rng.randint(1, 6)
        pathing = _PATHING.get(terminating.source, _PASSED)
    else:
        cache = _pick(rng, _CACHE.get(group, {"dynamic": 100}))
        content_type = CONTENT_TYPES.get(kind, "text/html")
        low, high, ratio_low, ratio_high = _BODIES.get(kind, (300, 3_000, 2.0, 3.0))
        body = int(min(high, low + rng.lognormvariate(0, 1.2) * (high - low) / 12))
        ratio = round(rng.uniform(ratio_low, ratio_high), 2) if ratio_low and body > 1_000 else 0.0
        pathing = _PASSED
        if cache in _FROM_CACHE:
            origin_status, edge_status = 0, 200
            ttfb = max(1, int(rng.lognormvariate(2.0, 0.7)))
            reserve = rng.random() < 0.03
        else:
            origin_status = _pick(rng, _ORIGIN_STATUS.get(group, _ORIGIN_STATUS["page"]))
            edge_status = 200 if cache == "revalidated" else origin_status
            if cache == "revalidated":
                origin_status = 304
            dns = 0 if rng.random() < 0.8 else rng.randint(1, 40)
            tcp = 0 if rng.random() < 0.7 else rng.randint(5, 80)
            origin_tls = rng.choices(("TLSv1.3", "TLSv1.2", "none"), (60, 30, 10))[0]
            tls = 0 if tcp == 0 or origin_tls == "none" else rng.randint(10, 120)
            send = 0 if rng.random() < 0.95 else rng.randint(1, 3)
            receive = max(1, int(rng.lognormvariate(4.0, 0.9)))
            if rng.random() < 0.01:
                # The origin failed: Cloudflare answers with its own 52x page.
                edge_status, origin_status = _pick(rng, _EDGE_ERRORS), 0
                content_type, body, ratio = "text/html", rng.randint(5_000, 7_000), 0.0
                if edge_status == 522:
                    tcp, tls, receive = 15_000 + rng.randint(0, 4_000), 0, 0
                elif edge_status == 524:
                    receive = 100_000 + rng.randint(0, 500)
            origin_ms = dns + tcp + tls + send + receive
            ttfb = origin_ms + rng.randint(1, 12)
            if group == "static" and origin_status == 200:
                last_modified = _http_date(day_seconds - rng.randint(86_400, 400 * 86_400))
                expires = _http_date(day_seconds + rng.randint(3_600, 30 * 86_400)) if rng.random() < 0.5 else ""
            if cache in ("miss", "expired") and rng.random() < 0.4:
                tiered, upper_tier = True, rng.choice(world.upper_tiers)
            if rng.random() < 0.1:
                smart_route = rng.choice(world.upper_tiers)
        if edge_status in (204, 304):
            body, ratio = 0, 0.0
        elif edge_status in (301, 302):
            content_type, body, ratio = "text/html", rng.randint(150, 250), 0.0
        cache_bytes = body + headers_out
    sent = int(body / ratio) if ratio else body
    transfer_ms = sent / rng.uniform(1_000, 20_000)  # 1 to 20 MB/s
    duration_ns = int((ttfb + transfer_ms) * 1_000_000) + rng.randint(0, 999_999)
    values = {
        "CacheCacheStatus": cache, "CacheReserveUsed": reserve, "CacheResponseBytes": cache_bytes,
        "CacheResponseStatus": 0 if blocked else edge_status, "CacheTieredFill": tiered,
        "EdgeCFConnectingO2O": rng.random() < 0.005, "EdgePathingOp": pathing[0], "EdgePathingSrc": pathing[1],
        "EdgePathingStatus": pathing[2], "EdgeResponseBodyBytes": sent, "EdgeResponseBytes": sent + headers_out,
        "EdgeResponseCompressionRatio": ratio, "EdgeResponseContentType": content_type, "EdgeResponseStatus": edge_status,
        "EdgeTimeToFirstByteMs": ttfb, "OriginDNSResponseTimeMs": dns, "OriginRequestHeaderSendDurationMs": send,
        "OriginResponseBytes": 0, "OriginResponseDurationMs": origin_ms, "OriginResponseHTTPExpires": expires,
        "OriginResponseHTTPLastModified": last_modified, "OriginResponseHeaderReceiveDurationMs": receive,
        "OriginResponseStatus": origin_status, "OriginResponseTime": origin_ms * 1_000_000, "OriginSSLProtocol": origin_tls,
        "OriginTCPHandshakeDurationMs": tcp, "OriginTLSHandshakeDurationMs": tls, "PayPerCrawlStatus": "",
        "ResponseHeaders": {"cache-control": "public, max-age=86400"} if group == "static" and rng.random() < 0.2 else {},
        "SecurityAction": action or "unknown", "SecurityActions": [a for a, _ in matches],
        "SecurityRuleDescription": terminating.description if blocked else "", "SecurityRuleID": terminating.id if blocked else "",
        "SecurityRuleIDs": [rule.id for _, rule in matches], "SecuritySources": [rule.source for _, rule in matches],
        "SmartRouteColoID": smart_route, "UpperTierColoID": upper_tier, "WAFAttackScore": overall, "WAFFlags": "0",
        "WAFMatchedVar": _MATCHED_VAR.get(terminating.attack, "") if blocked and terminating.attack else "",
        "WAFRCEAttackScore": rce, "WAFSQLiAttackScore": sqli, "WAFXSSAttackScore": xss,
    }
    values.update(signatures(matches))
    values["CacheLockWaitedMs"] = rng.randint(1, 250) if cache in ("miss", "expired", "updating") and rng.random() < 0.15 else 0
    contacted = not blocked and cache not in _FROM_CACHE
    return values, RequestOutcome(contacted, duration_ns)


def signatures(matches: list) -> dict[str, list[str]]:
    """WAFRequestSignature{Categories,Refs}: the attack signatures among a request's matched rules."""
    attacks = [rule for _, rule in matches if rule.attack]
    return {
        "WAFRequestSignatureCategories": list(dict.fromkeys(_SIGNATURES[rule.attack] for rule in attacks)),
        "WAFRequestSignatureRefs": [rule.id[:8] for rule in attacks],
    }


def _pick(rng, table: dict):
    return rng.choices(list(table), weights=list(table.values()))[0]


def _http_date(seconds: int) -> str:
    return email.utils.formatdate(seconds, usegmt=True)


class HttpRequests:
    """Plans for an http_requests stream: one client, request and outcome per record."""

    def __init__(self, blueprint: Blueprint, world: World, pools: dict, seed: int) -> None:
        self.blueprint = blueprint
        self.rng = random.Random(f"hecharness:records:http_requests:{seed}")
        clients, requests, outcomes = blueprint.slots
        self.clients = clients.entries
        self.client_weights = list(itertools.accumulate(world.client_weights(HTTP_TRAFFIC)))
        by_persona = pools["requests"]
        self.client_info = [(by_persona[c.meta.persona], c.meta.edge_ips) for c in self.clients]
        self.request_info = [None] * len(requests.entries)
        for persona, entries in by_persona.items():
            for entry in entries:
                self.request_info[entry.index] = (pools["outcomes"][(persona, entry.meta.kind)], entry.meta.subrequest, entry.meta.origin_ip,
                                                  bool(entry.values["WorkerScriptName"]))
        self.outcome_info = [(o.meta.origin, o.meta.duration_ns) for o in outcomes.entries]
        self.ray_ids = RayIds(self.rng)

    def plans(self, chunks: Iterable[list[int]]) -> Iterator[Plan]:
        rng = self.rng
        draw = rng.random
        clients, weights = self.clients, self.client_weights
        client_info, request_info, outcome_info = self.client_info, self.request_info, self.outcome_info
        count, offset, multiplier, mask = 0, self.ray_ids.offset, RayIds.MULTIPLIER, RayIds.MASK
        # A Worker subrequest belongs to the latest visitor request that ran a Worker (or, before
        # one has come, the latest visitor request): it names that RayID and comes from its client.
        parent, parent_client, parent_ips, parent_worker = "00", None, (), False
        for chunk in chunks:
            plans = []
            append = plans.append
            for t, client in zip(chunk, rng.choices(clients, cum_weights=weights, k=len(chunk))):
                requests, edge_ips = client_info[client.index]
                request = requests[int(draw() * len(requests))]
                outcomes, subrequest, origin_ip, worker = request_info[request.index]
                outcome = outcomes[int(draw() * len(outcomes))]
                contacted, duration = outcome_info[outcome.index]
                # RayIds.next, inlined: this loop runs once per record.
                count += 1
                low = (count * multiplier + offset) & mask
                low ^= low >> 19
                ray = "%016x" % ((((t >> 30) & 0xFFFFFF) << 40) | low)
                if subrequest and parent_client is not None:
                    client, edge_ips, parent_ray = parent_client, parent_ips, parent
                else:
                    parent_ray = "00"
                    if worker or parent_client is None or not parent_worker:
                        parent, parent_client, parent_ips, parent_worker = ray, client, edge_ips, worker
                if contacted:
                    append(((ray, parent_ray, t, t + duration, 1024 + low % 64512, edge_ips[low & 3], origin_ip), client, request, outcome))
                else:
                    append(((ray, parent_ray, t, t + duration, 1024 + low % 64512, "", ""), client, request, outcome))
            yield from plans


class RayIds:
    """Ray IDs: 16 hex digits, unique within a stream, time-ordered in their top digits.

    The top 24 bits follow the event time (about one step per second), the low 40 bits are a
    bijective scramble of a counter, so no two records of a stream share an ID.
    """

    MULTIPLIER = 0x9E3779B97F
    MASK = (1 << 40) - 1

    def __init__(self, rng: random.Random) -> None:
        self.offset = rng.getrandbits(40)
        self.count = 0

    def next(self, event_ns: int) -> tuple[str, int]:
        self.count += 1
        low = (self.count * self.MULTIPLIER + self.offset) & self.MASK
        low ^= low >> 19
        return "%016x" % ((((event_ns >> 30) & 0xFFFFFF) << 40) | low), low
