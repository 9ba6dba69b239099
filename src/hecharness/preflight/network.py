"""Name resolution and TCP connection, each bounded by the check's timeout and explained when it fails."""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from typing import Any

from hecharness.preflight.failures import CONNECTION_REFUSED, DNS, TIMEOUT, StepFailed

__all__ = ["Address", "resolve", "connect", "open_connection", "PORT_HINT"]

PORT_HINT = "HEC listens on port 8088 unless configured otherwise; the Logpush FAQ names 443 and 8088 as the ports Logpush sends to."

_DNS_FIX = (
    "Check the host name's spelling. It must resolve in public DNS: Logpush connects from Cloudflare's "
    "network, where names that only your internal DNS or /etc/hosts knows do not exist."
)


@dataclass(frozen=True, slots=True)
class Address:
    """One address a host name resolved to, ready for `socket.connect`."""

    family: int
    sockaddr: tuple[Any, ...]

    @property
    def ip(self) -> str:
        return str(self.sockaddr[0])

    def __str__(self) -> str:
        return f"[{self.ip}]" if self.family == socket.AF_INET6 else self.ip


def resolve(host: str, port: int, timeout: float) -> list[Address]:
    """The host's addresses, or `StepFailed` (class dns) when it has none or DNS does not answer in time."""
    literal = _ip(host)
    if literal is not None:
        family = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
        sockaddr: tuple[Any, ...] = (str(literal), port, 0, 0) if family == socket.AF_INET6 else (str(literal), port)
        return [Address(family, sockaddr)]
    if _is_reserved_invalid(host):
        # RFC 6761 asks resolver libraries to answer these at once without asking DNS; glibc does not.
        raise StepFailed(DNS, f"{host} is under .invalid, a top-level domain reserved never to resolve (RFC 6761)", _DNS_FIX)
    try:
        infos = _getaddrinfo_within(host, port, timeout)
    except OSError as error:
        raise StepFailed(DNS, f"{host} does not resolve: {error.strerror or error}", _DNS_FIX) from None
    addresses: list[Address] = []
    for family, _type, _proto, _name, sockaddr in infos:
        address = Address(family, tuple(sockaddr))
        if address not in addresses:
            addresses.append(address)
    return addresses


def connect(addresses: list[Address], host: str, port: int, timeout: float) -> tuple[socket.socket, Address, list[str]]:
    """A connected socket to the first address that accepts, which address it was, and notes on those that did not."""
    notes: list[str] = []
    first_error: tuple[Address, OSError] | None = None
    for address in addresses:
        try:
            return open_connection(address, timeout), address, notes
        except OSError as error:
            notes.append(f"{address}:{port}: {_reason(error, timeout)}")
            first_error = first_error or (address, error)
    assert first_error is not None, "resolve() returns at least one address"
    address, error = first_error
    where = f"{host}:{port}" if str(address) == host else f"{host}:{port} ({address})"
    if isinstance(error, TimeoutError):
        raise StepFailed(
            TIMEOUT,
            f"connecting to {where} got no answer within {timeout:g} s",
            "A firewall or security group is dropping the traffic, or the host is down: allow inbound TCP to "
            f"port {port} from the sender (for Logpush, Cloudflare's IP ranges). {PORT_HINT}",
            notes,
        )
    if isinstance(error, ConnectionRefusedError):
        cause = f"{where} refused the connection: nothing listens on port {port}"
    else:
        cause = f"cannot connect to {where}: {error.strerror or error}"
    raise StepFailed(
        CONNECTION_REFUSED,
        cause,
        "Check that HEC is on (HTTP Event Collector > Global Settings: All Tokens enabled) and that the "
        f"destination names its port; a firewall that rejects the port looks the same. {PORT_HINT}",
        notes,
    )


def open_connection(address: Address, timeout: float) -> socket.socket:
    sock = socket.socket(address.family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address.sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


def _getaddrinfo_within(host: str, port: int, timeout: float) -> list[Any]:
    # getaddrinfo cannot be interrupted, so it runs in a daemon thread that is abandoned on timeout.
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=lookup, name=f"preflight-resolve-{host}", daemon=True).start()
    if not done.wait(timeout):
        raise StepFailed(
            DNS,
            f"DNS gave no answer for {host} within {timeout:g} s",
            "Check that this machine's resolver works (try another name); if only this name is slow, "
            "its authoritative servers are not answering.",
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["infos"]


def _reason(error: OSError, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    return error.strerror or str(error)


def _is_reserved_invalid(host: str) -> bool:
    return host.lower().rstrip(".").rpartition(".")[2] == "invalid"


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
