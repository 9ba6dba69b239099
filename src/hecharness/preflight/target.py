"""What to check: a Logpush destination_conf, or a HEC URL and token turned into the destination it implies.

Both forms end as a `Destination` parsed by `hecharness.destination`, so both are held to the
same rules as a Logpush job. The URL form is the FAQ's curl test: `https://HOST[:PORT]/services/collector/raw`
plus `--token`, `--channel` and `--sourcetype`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote_plus, urlsplit

from hecharness.destination import (
    CLOUDFLARE_SOURCETYPE,
    SPLUNK_PORT_RULE,
    SPLUNK_PORTS,
    Destination,
    DestinationError,
    Scheme,
    parse_destination,
)
from hecharness.preflight.failures import DESTINATION, StepFailed

__all__ = ["Target", "read_target", "is_destination_conf", "DEFAULT_SOURCETYPE"]

DEFAULT_SOURCETYPE = CLOUDFLARE_SOURCETYPE

_FIXES = {
    "scheme": "Write it as splunk://HOST:PORT/services/collector/raw?channel=...: Logpush only sends to HEC's raw endpoint over HTTPS.",
    "host": "Give the HEC's host name (or IP address) as senders reach it.",
    "port": "Write the port HEC listens on after the host, e.g. HOST:8088 (HEC's default) or HOST:443.",
    # One fix for every wrong path (missing, the event endpoint, another one): the cause says which it is.
    "path": "End the URL with HEC's raw endpoint, /services/collector/raw: it is the only endpoint Logpush sends to.",
    "channel": "Add channel=<GUID>, e.g. from python -c 'import uuid; print(uuid.uuid4())'.",
    "insecure-skip-verify": "Write insecure-skip-verify=false (true only as a last resort).",
    "sourcetype": "Give a sourcetype; cloudflare:json is the one the Cloudflare App for Splunk reads.",
    "header_Authorization": (
        "Write header_Authorization=Splunk%20<token>: the word Splunk, %20 for the space, then the token, "
        "URL-encoded (a space as %20, '+' as %2B). HEC tokens contain no spaces."
    ),
}
_GENERAL_FIX = "Correct the part the message names; the destination must read splunk://HOST:PORT/services/collector/raw?channel=<GUID>&insecure-skip-verify=false&sourcetype=cloudflare:json&header_Authorization=Splunk%20<token>."


@dataclass(frozen=True)
class Target:
    """The destination to check and how to send to it."""

    destination: Destination  # as a Logpush job would hold it
    channel_sent: bool  # False only for the URL form without --channel, which posts without one as curl would
    insecure: bool  # certificate problems are reported but do not stop the check
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        return self.destination.host

    @property
    def port(self) -> int:
        return self.destination.port

    @property
    def token(self) -> str | None:
        return self.destination.token

    @property
    def request_url(self) -> str:
        """The URL the sample record is POSTed to."""
        sent = self.destination if self.channel_sent else replace(self.destination, channel=None)
        return sent.url

    @property
    def base_url(self) -> str:
        authority = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{authority}:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.destination.headers)


def is_destination_conf(value: str | Destination) -> bool:
    return isinstance(value, Destination) or value[:9].lower() == "splunk://"


def read_target(
    value: str | Destination,
    *,
    token: str | None = None,
    channel: str | None = None,
    sourcetype: str | None = None,
    insecure: bool = False,
    any_port: bool = False,
) -> Target:
    """Parse and lint; `StepFailed` (class destination) names the first part Logpush would refuse.

    A Splunk port other than 443 or 8088 is a warning, not a failure, unless `any_port` silences it:
    only the FAQ states that rule, and whether Logpush still holds to it is unverified.
    """
    if isinstance(value, Destination):
        destination, channel_sent, notes = value, True, ["a destination parsed before, by Logpush's rules"]
    elif is_destination_conf(value):
        destination, channel_sent, notes = _lint(value), True, ["meets Logpush's rules for Splunk"]
    else:
        conf, channel_sent = _equivalent_conf(value, token=token, channel=channel, sourcetype=sourcetype, insecure=insecure)
        destination = _lint(conf)
        notes = ["the equivalent destination_conf meets Logpush's rules for Splunk"]
    warnings = _advice(destination, channel_sent=channel_sent, insecure=insecure, any_port=any_port)
    return Target(
        destination=destination,
        channel_sent=channel_sent,
        insecure=insecure or destination.insecure_skip_verify,
        notes=tuple(notes),
        warnings=tuple(warnings),
    )


def _lint(conf: str) -> Destination:
    try:
        return parse_destination(conf, any_port=True)
    except DestinationError as error:
        # The fix names the remedy for both callers (flag and keyword), so the cause leaves it out.
        raise StepFailed(DESTINATION, error.reason, _FIXES.get(error.part, _GENERAL_FIX)) from None


def _equivalent_conf(
    url: str, *, token: str | None, channel: str | None, sourcetype: str | None, insecure: bool
) -> tuple[str, bool]:
    """The splunk:// destination_conf a HEC URL and token amount to, and whether a channel is to be sent."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() != "https":
        # Not an HTTPS URL: let the destination rules say what is wrong with it, in their own words.
        return url, True
    end = min((rest.find(mark) for mark in "/?#" if mark in rest), default=len(rest))
    netloc, after = rest[:end], rest[end:]
    try:
        explicit_port = urlsplit(url).port is not None
    except ValueError:
        explicit_port = True  # a malformed port: leave it for the port rule to name
    if not explicit_port:
        netloc += ":443"
    given = _query_keys(after)
    extra: list[tuple[str, str]] = []
    channel_sent = channel is not None or "channel" in given
    if channel is not None:
        extra.append(("channel", channel))
    elif "channel" not in given:
        # Logpush requires a channel, so the destination gets a fresh one; the POST goes without, as curl's would.
        extra.append(("channel", str(uuid.uuid4())))
    if insecure and "insecure-skip-verify" not in given:
        extra.append(("insecure-skip-verify", "true"))
    if sourcetype is not None or "sourcetype" not in given:
        extra.append(("sourcetype", sourcetype if sourcetype is not None else DEFAULT_SOURCETYPE))
    if token is not None:
        credential = token[len("Splunk "):] if token.startswith("Splunk ") else token
        extra.append(("header_Authorization", f"Splunk {credential}"))
    base, hash_mark, fragment = after.partition("#")
    joiner = "" if base.endswith(("?", "&")) else ("&" if "?" in base else "?")
    query = "&".join(f"{key}={quote(value, safe=':')}" for key, value in extra)
    return f"splunk://{netloc}{base}{joiner}{query}{hash_mark}{fragment}", channel_sent


def _query_keys(after: str) -> set[str]:
    query = after.partition("#")[0].partition("?")[2]
    return {unquote_plus(pair.partition("=")[0]) for pair in query.split("&") if pair}


def _advice(destination: Destination, *, channel_sent: bool, insecure: bool, any_port: bool) -> list[str]:
    advice: list[str] = []
    if destination.scheme is Scheme.SPLUNK and destination.port not in SPLUNK_PORTS and not any_port:
        advice.append(
            f"port {destination.port}: {SPLUNK_PORT_RULE}; whether it still holds is unverified, so if creating "
            "the job fails, use 443 or 8088 (--any-port, any_port=True in Python, silences this)"
        )
    if not channel_sent:
        advice.append(
            "no channel given: the check posts without one, as the FAQ's curl would; a Logpush destination "
            "needs one, so the destination_conf shown carries a fresh GUID"
        )
    if destination.sourcetype is None:
        advice.append(f"no sourcetype: HEC uses the token's default; the Cloudflare App for Splunk reads {DEFAULT_SOURCETYPE}")
    elif destination.sourcetype != DEFAULT_SOURCETYPE:
        advice.append(f"sourcetype {destination.sourcetype!r}: the Cloudflare App for Splunk reads {DEFAULT_SOURCETYPE}")
    if destination.insecure_skip_verify or insecure:
        advice.append(
            "certificate checks are off (insecure-skip-verify=true or --insecure): the chain of trust, the expiry "
            "dates and the host name are no longer verified, so anyone on the path could pose as the HEC; "
            "Cloudflare recommends false. Certificate problems are reported below but do not fail the check"
        )
    return advice
