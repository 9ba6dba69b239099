"""Logpush `destination_conf` strings: parse them, hold them to Logpush's rules, print them back masked.

Two kinds of destination are understood:

- Splunk HEC, `splunk://HOST:PORT/services/collector/raw?channel=GUID&insecure-skip-verify=BOOL`
  `&sourcetype=ST&header_Authorization=Splunk%20TOKEN`, held to the rules of Cloudflare's Splunk page and
  FAQ: the raw endpoint only, port 443 or 8088, a GUID channel, a URL-encoded `Splunk ` token.
- Logpush's generic HTTP destination, `https://HOST[:PORT][/PATH]?...`.

In both, every `header_<Name>=<value>` query parameter becomes a request header. Other query parameters are
kept and sent on in the upload URL: HTTP destinations are documented to pass them through, and for Splunk it
lets `index=`, `host=` or `source=` reach HEC's raw endpoint (whether Cloudflare forwards them is unverified).
On Splunk destinations, near-misses of the known names (`chanel`, `source_type`) and HEC's `token=` are
refused rather than passed on, since passing them would hide the mistake until the first push.

Query values are decoded as a form (`%20` and `+` both mean a space), the way Go's `url.ParseQuery` reads
them; a raw space, a broken `%` escape or bytes that are not UTF-8 are refused instead.

`Destination.for_hec(...)` goes the other way: it points a Logpush destination at a HEC, given its URL (or
host and port) and token, the way Cloudflare's Splunk page writes it.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import SplitResult, quote, unquote_plus, urlsplit

from hecharness.errors import HecHarnessError
from hecharness.masking import mask_authorization, mask_token

__all__ = [
    "Scheme",
    "Destination",
    "DestinationError",
    "parse_destination",
    "SPLUNK_RAW_PATH",
    "SPLUNK_PORTS",
    "SPLUNK_PORT_RULE",
    "PROBE_BODY",
    "CLOUDFLARE_SOURCETYPE",
]

SPLUNK_RAW_PATH = "/services/collector/raw"
# The FAQ's rule. Cloudflare's Splunk page said the same until June 2025, when the sentence went with a
# reviewer's "I believe any port is allowed now" (cloudflare-docs PR #23114); `any_port=True` lifts it.
SPLUNK_PORTS = (443, 8088)
# Where the rule comes from, as messages cite it.
SPLUNK_PORT_RULE = (
    "Logpush expects the HEC port to be 443 or 8088 (says the Logpush FAQ, logs/faq/logpush.mdx @5a9f050; "
    "Cloudflare's Splunk page dropped the rule in June 2025)"
)
# What Logpush sends to validate a destination before it saves a job: it belongs to no job's data, so
# whoever counts what a destination received leaves it out.
PROBE_BODY = b'{"content":"tests"}'
# What the Cloudflare App for Splunk reads; Cloudflare's Splunk page puts it in every destination.
CLOUDFLARE_SOURCETYPE = "cloudflare:json"

# Destinations Logpush knows but hecharness does not push to: named so the error can say so.
_OTHER_LOGPUSH_SCHEMES = frozenset({"s3", "gs", "r2", "azure", "sumo", "datadog", "cos", "ibmcl"})
_SPLUNK_PARAMS = ("channel", "insecure-skip-verify", "sourcetype")
# Spellings close to a real parameter are almost always typos; passing them through would hide the mistake.
_LIKELY_MEANT = {name: name for name in _SPLUNK_PARAMS} | {"authorization": "header_Authorization"}

# Go's strconv.ParseBool, which Logpush (a Go service) most likely uses to read the flag.
_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an RFC 9110 token
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SECRET_WORDS = ("authorization", "token", "key", "secret", "password")
# Characters left readable in printed query values: none of them is special inside a query string.
_QUERY_SAFE = ":/,@*"


class Scheme(StrEnum):
    """The kinds of destination hecharness pushes to, spelled as a destination_conf starts."""

    SPLUNK = "splunk"  # Splunk HEC's raw endpoint, over HTTPS
    HTTPS = "https"  # Logpush's generic HTTP destination
    HTTP = "http"  # the same without TLS, which Logpush never allows: for a plain local fake only

    @property
    def web(self) -> Scheme:
        """The scheme an upload's URL uses: a Splunk destination is reached over HTTPS."""
        return Scheme.HTTP if self is Scheme.HTTP else Scheme.HTTPS

    @property
    def default_port(self) -> int | None:
        """The port a URL leaves implicit; a Splunk destination always spells its port out."""
        return {Scheme.HTTPS: 443, Scheme.HTTP: 80}.get(self)


class DestinationError(HecHarnessError, ValueError):
    """A destination_conf that Logpush would refuse; `part` names the piece at fault.

    `option` names the keyword that would allow it anyway (`any_port`), if one does. `reason` is the
    message without the remedy, so a command line can name its own flag instead of the keyword.
    """

    def __init__(self, part: str, message: str, option: str | None = None) -> None:
        # Values are quoted with repr(), but a one-line message is a promise callers rely on in logs.
        self.reason = " ".join(message.splitlines())
        self.message = self.reason + (f"; pass {option}=True to allow it" if option else "")
        super().__init__(self.message)
        self.part = part
        self.option = option


@dataclass(frozen=True, repr=False)
class Destination:
    """Where a Logpush job sends its batches, and how.

    `str()` and `repr()` print the canonical destination_conf with secrets masked; use
    `canonical(show_token=True)` for the real thing.
    """

    scheme: Scheme
    host: str
    port: int
    path: str
    channel: str | None = None
    sourcetype: str | None = None
    insecure_skip_verify: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_hec(
        cls,
        address: str,
        port: int | None = None,
        *,
        token: str,
        channel: str | None = None,
        sourcetype: str | None = CLOUDFLARE_SOURCETYPE,
        insecure_skip_verify: bool = False,
    ) -> Destination:
        """The destination that points Logpush at a HEC's raw endpoint, as Cloudflare's Splunk page writes it.

        `address` is the HEC's URL (`https://HOST:PORT`, with or without the raw endpoint's path) or, given
        `port`, its host. An `http://` URL makes Logpush's generic HTTP form instead, which only a plain
        local fake takes. Any port is accepted, since a fake listens wherever it is put. `token` may carry
        its `Splunk ` word or not; `channel` defaults to a fresh GUID, as Logpush requires one.

            Destination.for_hec("https://127.0.0.1:8088", token="0aa7e2a5-...").canonical(show_token=True)
        """
        scheme, authority = _hec_authority(address, port)
        credential = token.removeprefix("Splunk ")
        if not credential.strip():
            raise DestinationError("header_Authorization", "token is empty; give the HEC token the destination sends")
        params = [("channel", str(uuid.uuid4()) if channel is None else channel)]
        if insecure_skip_verify:
            params.append(("insecure-skip-verify", "true"))
        if sourcetype is not None:
            params.append(("sourcetype", sourcetype))
        params.append(("header_Authorization", f"Splunk {credential}"))
        conf = f"{scheme}://{authority}{SPLUNK_RAW_PATH}?{_encode_query(params, reveal=True)}"
        # Parsed rather than assembled, so what the builder makes is held to the same rules as what a user writes.
        return parse_destination(conf, any_port=True, allow_http=scheme is Scheme.HTTP)

    @property
    def url(self) -> str:
        """The HTTPS URL batches are POSTed to, with channel and sourcetype in its query string."""
        query = _encode_query(self._url_params(), reveal=True)
        path = self.path or "/"
        return f"{self.scheme.web}://{self._authority(splunk_style=False)}{path}" + (f"?{query}" if query else "")

    @property
    def token(self) -> str | None:
        """The credential from the Authorization header without its scheme word, e.g. the bare HEC token."""
        value = self.headers.get("Authorization")
        if value is None:
            return None
        scheme, space, credential = value.partition(" ")
        return credential if space else scheme

    def canonical(self, show_token: bool = False) -> str:
        """The destination_conf in one normal spelling; secrets are masked unless `show_token`."""
        params: list[tuple[str, str]] = []
        if self.scheme is Scheme.SPLUNK:
            params.append(("channel", self.channel or ""))
            params.append(("insecure-skip-verify", "true" if self.insecure_skip_verify else "false"))
            if self.sourcetype is not None:
                params.append(("sourcetype", self.sourcetype))
        params.extend(self.params.items())
        # Authorization last, as Cloudflare's examples write it.
        headers = sorted(self.headers.items(), key=lambda item: item[0] == "Authorization")
        params.extend((f"header_{name}", value) for name, value in headers)
        query = _encode_query(params, reveal=show_token)
        authority = self._authority(splunk_style=self.scheme is Scheme.SPLUNK)
        return f"{self.scheme}://{authority}{self.path}" + (f"?{query}" if query else "")

    def __str__(self) -> str:
        return self.canonical()

    def __repr__(self) -> str:
        return f"Destination({self.canonical()!r})"

    def _url_params(self) -> list[tuple[str, str]]:
        # insecure-skip-verify configures Logpush's own TLS client, so it stays out of the upload URL.
        params = []
        if self.channel is not None:
            params.append(("channel", self.channel))
        if self.sourcetype is not None:
            params.append(("sourcetype", self.sourcetype))
        return params + list(self.params.items())

    def _authority(self, *, splunk_style: bool) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        # Splunk confs always spell the port out; an HTTPS URL leaves the default one implicit.
        if splunk_style or self.port != 443:
            return f"{host}:{self.port}"
        return host


def parse_destination(conf: str, *, any_port: bool = False, allow_http: bool = False) -> Destination:
    """Parse a Logpush destination_conf, or raise `DestinationError` naming the first bad part.

    `any_port=True` lifts the FAQ's rule that Splunk destinations use port 443 or 8088.
    `allow_http=True` accepts `http://` (an HTTP destination without TLS), which Logpush never
    does, for pushing to a plain local fake.
    """
    if not isinstance(conf, str):
        raise DestinationError("url", f"destination_conf must be a string, got {type(conf).__name__}")
    _check_characters(conf)
    scheme = _scheme_of(conf, allow_http)
    try:
        parts = urlsplit(conf)
    except ValueError as exc:
        part = "host" if "IPv6" in str(exc) else "url"
        raise DestinationError(part, f"destination_conf {_shorten(conf)!r} is not a valid URL: {exc}") from None
    if "#" in conf:
        raise DestinationError(
            "url", f"destination_conf has a '#' fragment ({_shorten(parts.fragment)!r}); "
            "URL-encode a '#' inside a value as %23",
        )
    # Checked in reading order, so the first complaint is about the leftmost mistake.
    host = _host_of(parts.netloc, parts.hostname)
    port = _port_of(parts, scheme, any_port)
    if scheme is Scheme.SPLUNK:
        _check_splunk_path(parts.path)
    else:
        _check_path_characters(parts.path)
    params, headers = _split_query(parts.query)

    if scheme is not Scheme.SPLUNK:
        if "Authorization" in headers:
            _check_authorization_shape(headers["Authorization"])
        return Destination(scheme=scheme, host=host, port=port, path=parts.path, headers=headers, params=params)

    _reject_unknown_splunk_params(params)
    channel = _channel_of(params.pop("channel", None))
    insecure = _boolean_of(params.pop("insecure-skip-verify", None))
    sourcetype = _sourcetype_of(params.pop("sourcetype", None))
    _check_splunk_authorization(headers.get("Authorization"))
    return Destination(
        scheme=scheme,
        host=host,
        port=port,
        path=parts.path,
        channel=channel,
        sourcetype=sourcetype,
        insecure_skip_verify=insecure,
        headers=headers,
        params=params,
    )


def _hec_authority(address: str, port: int | None) -> tuple[Scheme, str]:
    """The destination's scheme and HOST:PORT for a HEC given by URL, or by host and port."""
    if not isinstance(address, str) or not address:
        raise DestinationError("url", f"HEC address {address!r} is not a URL or a host name")
    if port is not None:
        if "://" in address:
            raise DestinationError("port", f"give a HEC URL ({_shorten(address)!r}) or a host and port, not both")
        host = f"[{address}]" if ":" in address else address
        return Scheme.SPLUNK, f"{host}:{port}"
    scheme, separator, _ = address.partition("://")
    if not separator:
        raise DestinationError(
            "url", f"HEC address {_shorten(address)!r} has no scheme: write https://HOST:PORT, or pass port="
        )
    if scheme.lower() not in (Scheme.HTTPS, Scheme.HTTP):
        raise DestinationError(
            "scheme", f"HEC URL {_shorten(address)!r} must start with https:// (or http:// for a plain local fake)"
        )
    try:
        parts = urlsplit(address)
        explicit_port = parts.port
    except ValueError as exc:
        raise DestinationError("url", f"HEC URL {_shorten(address)!r} is not a valid URL: {exc}") from None
    if parts.path.rstrip("/") not in ("", SPLUNK_RAW_PATH) or parts.query or parts.fragment:
        raise DestinationError(
            "path", f"HEC URL {_shorten(address)!r} names more than the server; give https://HOST:PORT"
        )
    web = Scheme(scheme.lower())
    authority = parts.netloc if explicit_port is not None else f"{parts.netloc}:{web.default_port}"
    # Logpush's HEC destination is the Splunk form; only a plain fake is reached by the generic HTTP one.
    return (Scheme.SPLUNK if web is Scheme.HTTPS else Scheme.HTTP), authority


def _check_characters(conf: str) -> None:
    if not conf:
        raise DestinationError("url", "destination_conf is empty; start with splunk://HOST:8088/services/collector/raw")
    for position, char in enumerate(conf):
        if ord(char) < 0x20 or ord(char) == 0x7F:
            raise DestinationError(
                "url", f"destination_conf has control character {char!r} at position {position}; URL-encode it"
            )
    if conf != conf.strip():
        raise DestinationError("url", f"destination_conf {_shorten(conf)!r} has leading or trailing whitespace")


def _scheme_of(conf: str, allow_http: bool = False) -> Scheme:
    match = _SCHEME.match(conf)
    if match is None:
        raise DestinationError(
            "scheme",
            f"destination_conf {_shorten(conf)!r} has no scheme: start it with splunk:// (Splunk HEC) "
            "or https:// (HTTP endpoint)",
        )
    scheme = match[1]
    lowered = scheme.lower()
    if lowered in (Scheme.SPLUNK, Scheme.HTTPS):
        return Scheme(lowered)
    if lowered == Scheme.HTTP and allow_http:
        return Scheme.HTTP
    if lowered == Scheme.HTTP:
        raise DestinationError(
            "scheme", "scheme 'http' is not allowed: Logpush only delivers over HTTPS; use https:// or splunk://"
        )
    if lowered in _OTHER_LOGPUSH_SCHEMES:
        raise DestinationError(
            "scheme", f"scheme {scheme!r} is a Logpush storage destination hecharness does not push to; "
            "use splunk:// or https://",
        )
    raise DestinationError("scheme", f"unknown scheme {_shorten(scheme)!r}; use splunk:// or https://")


def _host_of(netloc: str, hostname: str | None) -> str:
    if "@" in netloc:
        raise DestinationError(
            "host", "destination_conf carries credentials before the host ('user@'); "
            "send them as header_Authorization instead",
        )
    if not hostname:
        raise DestinationError("host", f"destination_conf has no host in {netloc!r}; write scheme://HOST:PORT/...")
    if netloc.startswith("["):
        try:
            address = ipaddress.IPv6Address(hostname)
        except ValueError:
            raise DestinationError("host", f"host [{_shorten(hostname)}] is not a valid IPv6 address") from None
        if address.scope_id is not None:
            # A zone names an interface on one machine; Logpush pushes from Cloudflare's network.
            raise DestinationError(
                "host", f"host [{_shorten(hostname)}] has an IPv6 zone, which no remote sender can use"
            )
        return str(address)
    if not hostname.isascii():
        raise DestinationError("host", f"host {hostname!r} is not ASCII; write it in its xn-- (punycode) form")
    labels = hostname.removesuffix(".").split(".")
    if len(hostname) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise DestinationError(
            "host", f"host {_shorten(hostname)!r} is not a valid host name (letters, digits, '-' and '.' only)"
        )
    return hostname


def _port_of(parts: SplitResult, scheme: Scheme, any_port: bool) -> int:
    try:
        port = parts.port
    except ValueError:
        # Whatever follows the host's first ':' (or an IPv6 literal's ']:') is what was meant as the port.
        after_host = parts.netloc.rpartition("]")[2] if parts.netloc.startswith("[") else parts.netloc
        raw = after_host.partition(":")[2]
        raise DestinationError("port", f"port {_shorten(raw)!r} is not a number between 1 and 65535") from None
    if port is None:
        if scheme.default_port is not None:
            return scheme.default_port
        raise DestinationError(
            "port", "destination_conf has no port: write the HEC port after the host, e.g. HOST:8088 or HOST:443"
        )
    if port == 0:
        raise DestinationError("port", "port 0 is not a usable port; use 443 or 8088")
    if scheme is Scheme.SPLUNK and not any_port and port not in SPLUNK_PORTS:
        raise DestinationError("port", f"port {port} is not allowed: {SPLUNK_PORT_RULE}", option="any_port")
    return port


def _check_path_characters(path: str) -> None:
    if " " in path:
        raise DestinationError("path", f"path {_shorten(path)!r} has a raw space; URL-encode it as %20")


def _check_splunk_path(path: str) -> None:
    _check_path_characters(path)
    if path == SPLUNK_RAW_PATH:
        return
    trimmed = path.rstrip("/")
    if not trimmed:
        hint = f"path is missing: append {SPLUNK_RAW_PATH} after the port"
    elif trimmed in ("/services/collector", "/services/collector/event", "/services/collector/event/1.0"):
        hint = (
            f"path {path!r} is HEC's JSON event endpoint; Logpush only sends to the raw endpoint, "
            f"use {SPLUNK_RAW_PATH}"
        )
    elif trimmed.startswith(SPLUNK_RAW_PATH):
        hint = f"path {path!r} is not exactly the raw endpoint Logpush expects; use {SPLUNK_RAW_PATH}"
    else:
        hint = f"path {_shorten(path)!r} is not the HEC raw endpoint; use {SPLUNK_RAW_PATH}"
    raise DestinationError("path", hint)


def _split_query(query: str) -> tuple[dict[str, str], dict[str, str]]:
    """Query parameters in their written order, split into plain parameters and `header_*` headers."""
    params: dict[str, str] = {}
    headers: dict[str, str] = {}
    header_keys: dict[str, str] = {}
    for segment in query.split("&"):
        if not segment:
            continue  # 'a=1&&b=2' and a trailing '&' are harmless
        raw_key, has_value, raw_value = segment.partition("=")
        key = _decode(raw_key, part=_part_name(raw_key) or "query", what="parameter name")
        if not key:
            raise DestinationError("query", f"query parameter {_shorten(segment)!r} has no name")
        if not has_value:
            raise DestinationError(key, f"query parameter {key!r} has no value; write {key}=VALUE")
        part = _part_name(key)
        value = _decode(raw_value, part=part, what="value", secret=_is_secret(key))
        if key.lower().startswith("header_"):
            name = _header_name(part)
            if name.lower() in header_keys:
                raise DestinationError(part, f"header {name!r} is given twice ({header_keys[name.lower()]} and {key})")
            header_keys[name.lower()] = key
            headers[name] = _header_value(part, name, value)
        elif key in params:
            raise DestinationError(key, f"query parameter {key!r} is given twice; keep one")
        else:
            params[key] = value
    return params, headers


def _decode(raw: str, *, part: str, what: str, secret: bool = False) -> str:
    shown = _mask_value(part, unquote_plus(raw)) if secret else _shorten(raw)
    if " " in raw:
        if part.lower() == "header_authorization":
            fix = "write the space as %20 (header_Authorization=Splunk%20<token>)"
        else:
            fix = "write spaces as %20"
        raise DestinationError(part, f"{part} {what} {shown!r} is not URL-encoded; {fix}")
    if _BAD_ESCAPE.search(raw):
        raise DestinationError(
            part, f"{part} {what} {shown!r} has a '%' that is not a %XX escape; write a literal '%' as %25"
        )
    try:
        return unquote_plus(raw, errors="strict")
    except UnicodeDecodeError:
        raise DestinationError(part, f"{part} {what} {shown!r} does not decode to UTF-8 text") from None


def _part_name(key: str) -> str:
    # Header names are case-insensitive; Authorization goes by its usual spelling everywhere else.
    return "header_Authorization" if key.lower() == "header_authorization" else key


def _header_name(key: str) -> str:
    name = key[len("header_"):]
    if not _HEADER_NAME.fullmatch(name):
        raise DestinationError(
            key, f"{_shorten(key)!r} does not name a valid HTTP header; write header_<Name>=<value>"
        )
    return name


def _header_value(key: str, name: str, value: str) -> str:
    if any(not (0x20 <= ord(char) < 0x7F) for char in value):
        shown = _mask_value(key, value) if _is_secret(name) else _shorten(value)
        raise DestinationError(
            key, f"{key} value {shown!r} must be printable ASCII once decoded (no line breaks or control characters)"
        )
    return value


def _reject_unknown_splunk_params(params: Mapping[str, str]) -> None:
    for key in params:
        if key in _SPLUNK_PARAMS:
            continue
        if key.lower() == "token":
            raise DestinationError(
                key, "query parameter 'token' would use HEC query-string auth, which Logpush does not use; "
                "send the token as header_Authorization=Splunk%20<token>",
            )
        guess = difflib.get_close_matches(key.lower(), _LIKELY_MEANT, n=1, cutoff=0.8)
        if guess:
            meant = _LIKELY_MEANT[guess[0]]
            raise DestinationError(key, f"unknown query parameter {_shorten(key)!r}; did you mean {meant!r}?")


def _channel_of(value: str | None) -> str:
    if value is None:
        raise DestinationError(
            "channel", "channel is missing: add channel=<GUID>, e.g. from python -c 'import uuid; print(uuid.uuid4())'"
        )
    if not _GUID.fullmatch(value):
        raise DestinationError(
            "channel", f"channel {_shorten(value)!r} is not a GUID; use the 8-4-4-4-12 hex form, "
            "e.g. from python -c 'import uuid; print(uuid.uuid4())'",
        )
    return value


def _boolean_of(value: str | None) -> bool:
    # Absent means the recommended setting: verify the certificate.
    if value is None:
        return False
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise DestinationError(
        "insecure-skip-verify", f"insecure-skip-verify {_shorten(value)!r} is not a boolean; use true or false"
    )


def _sourcetype_of(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise DestinationError(
            "sourcetype", "sourcetype is empty; give one (cloudflare:json suits the Cloudflare App) or leave it out"
        )
    return value


def _check_splunk_authorization(value: str | None) -> None:
    if value is None:
        raise DestinationError(
            "header_Authorization", "header_Authorization is missing: add header_Authorization=Splunk%20<token>"
        )
    scheme, space, token = value.partition(" ")
    if scheme != "Splunk" or not space:
        raise DestinationError(
            "header_Authorization", f"header_Authorization {mask_authorization(value)!r} must start with 'Splunk ': "
            "write header_Authorization=Splunk%20<token>",
        )
    if not token:
        raise DestinationError(
            "header_Authorization", "header_Authorization has no token after 'Splunk ': write Splunk%20<token>"
        )
    if " " in token:
        raise DestinationError(
            "header_Authorization", f"header_Authorization {mask_authorization(value)!r} has a space inside the "
            "token; a literal '+' in a token must be encoded as %2B",
        )


def _check_authorization_shape(value: str) -> None:
    if not value.strip():
        raise DestinationError("header_Authorization", "header_Authorization is empty; give a credential or drop it")


def _encode_query(params: list[tuple[str, str]], *, reveal: bool) -> str:
    pairs = []
    for key, value in params:
        if not reveal and _is_secret(key):
            value = _mask_value(key, value)
        pairs.append(f"{quote(key, safe='')}={quote(value, safe=_QUERY_SAFE)}")
    return "&".join(pairs)


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _mask_value(name: str, value: str) -> str:
    if name.lower().removeprefix("header_") == "authorization":
        return mask_authorization(value)
    return mask_token(value)


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
