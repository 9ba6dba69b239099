"""Plausible values for a field known only by its name, type and allowed values.

`maker(field)` looks at the field once and returns a function of a `Context`; the builder calls it
while filling its pools, never per record. A context is one *thing that happened*: a place, a
person on a device, a site, an application. Fields drawn from the same context agree (SrcIP with
SrcIPCountryCode, Email with UserID and DeviceName), which is as much correlation as a name can
promise. The rules read like a field list does: the end of a name says what it holds (``...IP``,
``...CountryCode``, ``...Port``, ``...Ms``, ``...IDs``), its type says how it is written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from hecharness.generate.catalog import Field
from hecharness.generate.pools import COLOS, Metro, Network, Pools

__all__ = ["Context", "Maker", "maker"]

Maker = Callable[["Context"], Any]

_CONTINENTS = {
    "us": "NA", "ca": "NA", "mx": "NA", "br": "SA", "ar": "SA", "cl": "SA", "co": "SA", "gb": "EU", "ie": "EU",
    "fr": "EU", "de": "EU", "nl": "EU", "es": "EU", "it": "EU", "pl": "EU", "se": "EU", "ru": "EU", "ua": "EU",
    "tr": "AS", "in": "AS", "sg": "AS", "jp": "AS", "kr": "AS", "cn": "AS", "hk": "AS", "tw": "AS", "au": "OC",
    "id": "AS", "ph": "AS", "vn": "AS", "th": "AS", "za": "AF", "ng": "AF", "eg": "AF", "ae": "AS", "sa": "AS",
}
_CATEGORIES = {
    7: "Business", 12: "Education", 28: "Entertainment", 122: "News & Media", 129: "Photography", 163: "Weather",
    155: "Technology", 68: "Security threats", 80: "Malware", 83: "Phishing", 133: "Shopping", 149: "Social Networks",
    32: "Finance", 89: "Government & Politics", 141: "Search Engines", 177: "Content Servers",
}
_APPLICATIONS = {1: "Cloudflare Dashboard", 51: "Google Workspace", 537: "Microsoft 365", 606: "Slack", 702: "Zoom",
                 1013: "GitHub", 1102: "Salesforce", 1245: "Dropbox", 1399: "Atlassian"}
_METHODS = {"GET": 70, "POST": 20, "PUT": 4, "DELETE": 2, "HEAD": 2, "OPTIONS": 2}
_HTTP_STATUSES = {200: 80, 204: 3, 301: 3, 302: 4, 304: 3, 403: 3, 404: 3, 500: 0.5, 502: 0.3, 503: 0.2}
_DNS_RCODES = {0: 90, 3: 7, 2: 2, 5: 1}
_QUERY_TYPES = {1: ("A", 50), 28: ("AAAA", 25), 5: ("CNAME", 6), 15: ("MX", 4), 16: ("TXT", 6), 65: ("HTTPS", 9)}
_TLS_VERSIONS = ("TLSv1.3", "TLSv1.3", "TLSv1.3", "TLSv1.2")
_CIPHERS = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-AES128-GCM-SHA256")
_PROTOCOLS = ("HTTP/2", "HTTP/1.1", "HTTP/3")
_ACTIONS = ("allow", "allow", "allow", "block", "isolate", "override")
_LEVELS = ("log", "log", "info", "warn", "error", "debug")
_HEADERS = ("X-Forwarded-For", "X-Request-Id", "Cache-Control", "Cookie", "Authorization", "X-Custom-Header")
_SEVERITIES = ("Low", "Medium", "High", "Critical")
_WORDS_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(name: str) -> list[str]:
    """A field name's words: ``SrcIPCountryCode`` is Src, IP, Country, Code."""
    return _WORDS_RE.findall(name)


class Context:
    """What one pool entry is about; each part is made the first time a field asks for it."""

    def __init__(self, pools: Pools, sites: tuple[str, ...]) -> None:
        self.pools = pools
        self.rng = pools.rng
        self._sites = sites

    @functools.cached_property
    def metro(self) -> Metro:
        return self.pools.metro()

    @functools.cached_property
    def network(self) -> Network:
        return self.pools.eyeball_network(self.metro.country)

    @functools.cached_property
    def ip(self) -> str:
        return self.pools.client_ip(0.15)

    @functools.cached_property
    def person(self) -> tuple[str, str]:
        first, last = self.pools.fake.first_name(), self.pools.fake.last_name()
        return first, last

    @functools.cached_property
    def email(self) -> str:
        first, last = self.person
        return f"{first}.{last}@{self.site}".lower()

    @functools.cached_property
    def user_id(self) -> str:
        return self.pools.uuid()

    @functools.cached_property
    def device(self) -> tuple[str, str]:
        model = self.rng.choice(("Laptop MB", "Desktop WS", "Phone PX", "Tablet TB"))
        return self.pools.uuid(), f"{model}{self.rng.randint(100, 999)}"

    @functools.cached_property
    def site(self) -> str:
        return self.rng.choice(self._sites)

    @functools.cached_property
    def host(self) -> str:
        label = self.rng.choice(("www", "api", "app", "cdn", "mail", "login", "static", ""))
        return f"{label}.{self.site}" if label else self.site

    @functools.cached_property
    def path(self) -> str:
        parts = [self.pools.word() for _ in range(self.rng.randint(1, 3))]
        return "/" + "/".join(parts)

    @functools.cached_property
    def category(self) -> tuple[int, str]:
        return self.rng.choice(list(_CATEGORIES.items()))

    @functools.cached_property
    def application(self) -> tuple[int, str]:
        return self.rng.choice(list(_APPLICATIONS.items()))


def maker(field: Field) -> Maker:
    """How the pools make values of `field`; decided once, from its name, type and values."""
    kind = field.type
    if kind is None:
        return _constant(None)
    if field.values:
        return _enumeration(field)  # documented values only: never an empty one the list does not name
    make = _BY_TYPE[kind](field.name, words(field.name))
    lowered = field.description.lower()
    if kind != "bool" and any(hint in lowered for hint in ("if any", "if exists", "if applicable", "if matched")):
        # Documented as present only sometimes: empty in a third of entries, as a real log is.
        empty = _EMPTY[kind]
        return lambda ctx: empty() if ctx.rng.random() < 0.35 else make(ctx)
    return make


def _constant(value: Any) -> Maker:
    return lambda ctx: value


def _enumeration(field: Field) -> Maker:
    values = field.values
    # Earlier values are more common, as documented enumerations usually start with the usual case.
    weights = [1 / (1 + number) for number in range(len(values))]
    if field.type and field.type.startswith("array"):
        return lambda ctx: sorted(set(ctx.rng.choices(values, weights, k=ctx.rng.randint(0, 2))), key=values.index)
    return lambda ctx: ctx.rng.choices(values, weights)[0]


def _weighted(table: dict) -> Maker:
    values, weights = list(table), list(table.values())
    return lambda ctx: ctx.rng.choices(values, weights)[0]


def _string(name: str, parts: list[str]) -> Maker:
    last = parts[-1] if parts else name
    if "Internal" in parts and last == "IP":
        return lambda ctx: f"10.{ctx.rng.randint(0, 255)}.{ctx.rng.randint(0, 255)}.{ctx.rng.randint(1, 254)}"
    if last in ("IP", "Addr", "Address") or name.endswith("IPAddress"):
        if parts[0] in ("Src", "Source", "Client", "Actor") or name in ("IPAddress", "SrcAddr"):
            return lambda ctx: ctx.ip
        return lambda ctx: ctx.pools.client_ip(0.1)
    if name == "EDNSSubnet":
        return lambda ctx: ctx.ip.rsplit(".", 1)[0] + ".0" if "." in ctx.ip else ctx.ip.rsplit(":", 4)[0] + "::"
    if last == "Code" and "Continent" in parts:
        return lambda ctx: _CONTINENTS.get(ctx.metro.country, "EU")
    if (last == "Code" and "Country" in parts) or last == "Country":
        return lambda ctx: ctx.metro.country.upper()
    if "Colo" in parts and last in ("Code", "Name"):
        return lambda ctx: ctx.metro.colo
    if last == "City":
        return lambda ctx: COLOS[ctx.metro.colo].city if "Colo" in parts else ctx.metro.city
    if last == "Email":
        return lambda ctx: ctx.email
    if name in ("UserID", "UserUID", "ActorID", "OwnerID"):
        return lambda ctx: ctx.user_id
    if "Device" in parts and last == "Name":
        return lambda ctx: ctx.device[1]
    if "Device" in parts and last == "ID":
        return lambda ctx: ctx.device[0]
    if last in ("Host", "Domain", "SNI", "FQDN", "Referer", "Referrer") or name in ("QueryName", "URLHost"):
        if last in ("Referer", "Referrer"):
            return lambda ctx: f"https://{ctx.host}/"
        return lambda ctx: ctx.host
    if last == "Reversed":
        return lambda ctx: ".".join(reversed(ctx.host.split(".")))
    if last in ("URL", "URI", "Link") or name.endswith("URI"):
        return lambda ctx: f"https://{ctx.host}{ctx.path}"
    if last == "Path":
        return lambda ctx: ctx.path
    if last == "Agent":
        return lambda ctx: ctx.pools.browser().user_agent
    if last == "Method":
        return _weighted(_METHODS)
    if last == "Version":
        if "TLS" in parts:
            return lambda ctx: ctx.rng.choice(_TLS_VERSIONS)
        if "HTTP" in parts:
            return lambda ctx: ctx.rng.choice(_PROTOCOLS)
        return lambda ctx: f"{ctx.rng.randint(1, 4)}.{ctx.rng.randint(0, 12)}.{ctx.rng.randint(0, 30)}"
    if last == "Cipher":
        return lambda ctx: ctx.rng.choice(_CIPHERS)
    if last == "Protocol":
        return lambda ctx: ctx.rng.choice(("https", "http", "dns", "ssh", "quic", "tls"))
    if last == "Action" or name == "ResolverDecision":
        return lambda ctx: ctx.rng.choice(_ACTIONS)
    if last == "Hash":
        return lambda ctx: ctx.pools.hex(64)
    if last == "Result":
        return lambda ctx: "success" if ctx.rng.random() < 0.9 else "failure"
    if last == "Severity":
        return lambda ctx: ctx.rng.choice(_SEVERITIES)
    if last in ("ID", "UUID", "AUD") or name.endswith("Tag"):
        if name == "RayID":
            return lambda ctx: ctx.pools.hex(16)
        if name in ("AccountID", "ZoneID") or "Account" in parts:
            return lambda ctx: ctx.pools.hex(32)
        return lambda ctx: ctx.pools.uuid()
    if last == "Name" and "Category" in parts:
        return lambda ctx: ctx.category[1]
    if last == "Name" and "Application" in parts:
        return lambda ctx: ctx.application[1]
    if last == "Name" and ("File" in parts or "Asset" in parts):
        return lambda ctx: ctx.pools.fake.file_name()
    if last == "Name" and "Type" in parts and "Query" in parts:
        return lambda ctx: ctx.rng.choice([name for name, _ in _QUERY_TYPES.values()])
    if last == "Headers":
        return lambda ctx: f"Host: {ctx.host}, Accept: */*, User-Agent: {ctx.pools.script().user_agent}"
    if name.endswith("ASNDescription"):
        return lambda ctx: ctx.network.name
    if last in ("Body", "Message", "Description", "Prompt", "Response", "Justification"):
        return lambda ctx: ctx.pools.fake.sentence(nb_words=6)
    if last in ("Name", "Namespace", "Entrypoint", "Location"):
        return lambda ctx: ctx.pools.slug(2)
    if last in ("Password", "Username"):
        return lambda ctx: ctx.pools.fake.user_name() if last == "Username" else ctx.pools.fake.password(length=12)
    if last in ("JSON",):
        return lambda ctx: f'[{{"name":"{ctx.host}","type":"A","class":"IN","ttl":300,"rdata":"{ctx.pools.client_ip(0)}"}}]'
    return _word


def _int(name: str, parts: list[str]) -> Maker:
    last = parts[-1] if parts else name
    if last == "Port":
        if parts[0] in ("Src", "Source", "Client", "Egress"):
            return lambda ctx: ctx.rng.randint(1024, 65535)
        return lambda ctx: ctx.rng.choice((443, 443, 443, 80, 53, 8443, 22, 3389))
    if last in ("Ms", "Duration", "Time") or name.endswith("Ms"):
        return lambda ctx: int(ctx.rng.lognormvariate(2.5, 1.0))
    if last in ("Bytes", "Size", "Length", "Received", "Sent") and "Subnet" not in parts:
        return lambda ctx: int(ctx.rng.lognormvariate(8, 1.5))
    if name.endswith("SubnetLength"):
        return lambda ctx: ctx.rng.choice((0, 24, 56))
    if name.endswith("ASN"):
        return lambda ctx: ctx.network.asn
    if last == "Code" and ("HTTP" in parts or "Status" in parts):
        return _weighted(_HTTP_STATUSES)
    if last in ("RCode", "Code"):
        return _weighted(_DNS_RCODES)
    if last == "Type" and "Query" in parts:
        table = {number: weight for number, (_, weight) in _QUERY_TYPES.items()}
        return _weighted(table)
    if last == "TTL":
        return lambda ctx: ctx.rng.choice((0, 60, 300, 3600, 86400))
    if last == "Score":
        return lambda ctx: ctx.rng.randint(1, 99)
    if last == "ID" and "Category" in parts:
        return lambda ctx: ctx.category[0]
    if last == "ID" and "Application" in parts:
        return lambda ctx: ctx.application[0]
    if last == "ID" and "Colo" in parts:
        return lambda ctx: COLOS[ctx.metro.colo].id
    if last in ("ID", "Revision"):
        return lambda ctx: ctx.rng.randint(1, 5000)
    return lambda ctx: int(ctx.rng.expovariate(1 / 40))


def _float(name: str, parts: list[str]) -> Maker:
    return lambda ctx: round(ctx.rng.random() * 100, 3)


def _bool(name: str, parts: list[str]) -> Maker:
    # Flags that say something went differently (Is..., Quarantined, Cached...) are the exception.
    share = 0.85 if parts and parts[0] in ("Allowed", "Action") else 0.15
    return lambda ctx: ctx.rng.random() < share


def _timestamp(name: str, parts: list[str]) -> Maker:
    raise AssertionError(f"{name}: timestamps are made per record, not in pools")


def _strings(name: str, parts: list[str]) -> Maker:
    """An array of strings: the singular field's values, zero to three of them."""
    last = parts[-1] if parts else name
    if name.endswith("IPs"):
        one = _string(name[:-1], words(name[:-1]))
    elif "Application" in parts:
        return lambda ctx: [ctx.application[1]] if ctx.rng.random() < 0.6 else []
    elif last in ("Names",) and "Category" in parts:
        return lambda ctx: sorted({ctx.category[1], *(ctx.rng.choice(list(_CATEGORIES.values())) for _ in range(ctx.rng.randint(0, 2)))})
    elif last == "Codes":
        one = _string(name[:-1], [*parts[:-1], "Code"])
    elif last in ("Headers",):
        return lambda ctx: ctx.rng.sample(_HEADERS, ctx.rng.randint(0, 2))
    elif last == "Reversed":
        return lambda ctx: [".".join(reversed(f"alias.{ctx.host}".split(".")))] if ctx.rng.random() < 0.3 else []
    elif last in ("CNAMEs", "Es"):
        return lambda ctx: [f"alias.{ctx.host}"] if ctx.rng.random() < 0.3 else []
    elif last == "Names" and "File" in parts:
        one = _file_name
    else:
        one = _word
    return lambda ctx: [one(ctx) for _ in range(ctx.rng.randint(0, 3))]


def _file_name(ctx: Context) -> str:
    return ctx.pools.fake.file_name()


def _word(ctx: Context) -> str:
    return ctx.pools.word()


def _ints(name: str, parts: list[str]) -> Maker:
    last = parts[-1] if parts else name
    if "Category" in parts:
        return lambda ctx: sorted({ctx.category[0], *(ctx.rng.choice(list(_CATEGORIES)) for _ in range(ctx.rng.randint(0, 2)))})
    if "Application" in parts:
        return lambda ctx: [ctx.application[0]] if ctx.rng.random() < 0.6 else []
    if last == "TTLs":
        return lambda ctx: [ctx.rng.choice((60, 300, 3600)) for _ in range(ctx.rng.randint(0, 3))]
    return lambda ctx: [ctx.rng.randint(1, 30) for _ in range(ctx.rng.randint(0, 2))]


def _object(name: str, parts: list[str]) -> Maker:
    if name == "Event":
        return lambda ctx: {"request": {"url": f"https://{ctx.host}{ctx.path}", "method": "GET"}, "response": {"status": 200}}
    if name == "ScriptVersion":
        return lambda ctx: {"id": ctx.pools.uuid(), "tag": "", "message": ""}
    if name in ("OldValue", "NewValue", "ResourceValue"):
        return lambda ctx: {"value": ctx.rng.choice(("on", "off")), "setting": ctx.pools.word()}
    if name in ("ActorTokenDetails",):
        return lambda ctx: {"id": ctx.pools.hex(32), "name": ctx.pools.slug(2)}
    return lambda ctx: {ctx.pools.word(): ctx.pools.word() for _ in range(ctx.rng.randint(1, 3))}


def _objects(name: str, parts: list[str]) -> Maker:
    if name in ("RData", "ResourceRecords"):
        return lambda ctx: [{"type": "1", "data": ctx.pools.hex(24)} for _ in range(ctx.rng.randint(0, 2))]
    if name == "Logs":
        return lambda ctx: [{"level": ctx.rng.choice(_LEVELS), "message": [ctx.pools.fake.sentence(nb_words=4)]}
                            for _ in range(ctx.rng.randint(0, 2))]
    if name == "Exceptions":
        return lambda ctx: [{"name": "Error", "message": ctx.pools.fake.sentence(nb_words=4)}] if ctx.rng.random() < 0.05 else []
    return lambda ctx: [{"name": ctx.pools.word(), "value": ctx.pools.word()} for _ in range(ctx.rng.randint(0, 2))]


_BY_TYPE: dict[str, Callable[[str, list[str]], Maker]] = {
    "string": _string,
    "int": _int,
    "float": _float,
    "bool": _bool,
    "int or string": _timestamp,
    "object": _object,
    "array[string]": _strings,
    "array[int]": _ints,
    "array[object]": _objects,
}
_EMPTY: dict[str, Callable[[], Any]] = {
    "string": str, "int": int, "float": float, "int or string": int, "object": dict,
    "array[string]": list, "array[int]": list, "array[object]": list,
}
