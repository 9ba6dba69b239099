"""A server named on the command line (`record --upstream`, `replay --to`, `preflight --search`): its URL, and
how its certificate is checked.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import click
import httpx

__all__ = ["http_url", "verification"]


def http_url(text: str, param_hint: str) -> str:
    """`text` if it is an http:// or https:// URL with a host and, if given, a port from 1 to 65535.

    Checked once, up front, so a bad one is a one-line usage error rather than a traceback from deep in
    the HTTP client at the first request.
    """
    if not text.startswith(("http://", "https://")):
        raise click.BadParameter(f"{text!r} is not an http:// or https:// URL", param_hint=param_hint)
    try:
        url = httpx.URL(text)
        port = url.port
    except (httpx.InvalidURL, ValueError) as error:
        raise click.BadParameter(f"{text!r} is not a URL: {error}", param_hint=param_hint) from None
    if not url.host:
        raise click.BadParameter(f"{text!r} names no host", param_hint=param_hint)
    if port is not None and not 0 < port < 65536:
        raise click.BadParameter(f"{text!r}: port {port} is not between 1 and 65535", param_hint=param_hint)
    return text


def verification(cacert: Path | None, insecure: bool, param_hint: str = "--cacert") -> ssl.SSLContext | bool:
    """How a server's certificate is checked: against `cacert`, the system's CAs, or not at all."""
    if insecure:
        return False
    if cacert is None:
        return True
    try:
        return ssl.create_default_context(cafile=cacert)
    except ssl.SSLError as error:
        raise click.BadParameter(f"{cacert}: no certificate in it could be read ({error.reason})", param_hint=param_hint) from None
