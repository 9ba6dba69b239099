"""A collector serving every TLS mode at once, and the real clients that talk to it."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest

from hecharness.hec import FakeHEC
from hecharness.tls import TLS_MODES

TOKEN = "tls-test-token"
EVENT_PATH = "/services/collector/event"
EVENT = b'{"event":"over tls"}'
SUCCESS = '{"text":"Success","code":0}'

# The clients must see the machine's own trust store, not one the environment points them at.
CLEAN_ENV = {
    key: value
    for key, value in os.environ.items()
    if key not in {"SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE"} and "proxy" not in key.lower()
}


@pytest.fixture(scope="session")
def every_mode() -> Iterator[FakeHEC]:
    with FakeHEC([TOKEN], tls=TLS_MODES, admin_port=None) as hec:
        yield hec


@dataclass(frozen=True)
class Outcome:
    ok: bool
    text: str  # the reply on success, the client's error otherwise


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def as_localhost(url: str) -> str:
    """The same listener, addressed by name as senders do, so certificate names are checked against a name."""
    return url.replace("127.0.0.1", "localhost")


def httpx_post(url: str, verify: ssl.SSLContext | bool, *, trust_env: bool = False, **request: object) -> Outcome:
    try:
        with httpx.Client(verify=verify, trust_env=trust_env, timeout=10) as client:
            response = client.post(url + EVENT_PATH, content=EVENT, headers={"Authorization": f"Splunk {TOKEN}"}, **request)
    except httpx.TransportError as error:
        return Outcome(False, f"{type(error).__name__}: {error}")
    return Outcome(True, response.text)


def ssl_post(port: int, context: ssl.SSLContext, server_hostname: str = "localhost") -> Outcome:
    """Python's ssl module on its own: handshake, then one HTTP/1.1 request written by hand."""
    request = (
        f"POST {EVENT_PATH} HTTP/1.1\r\nHost: {server_hostname}\r\nAuthorization: Splunk {TOKEN}\r\n"
        f"Content-Length: {len(EVENT)}\r\nConnection: close\r\n\r\n"
    ).encode() + EVENT
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
                tls.sendall(request)
                reply = b""
                while chunk := tls.recv(65536):
                    reply += chunk
    except (ssl.SSLError, OSError) as error:
        return Outcome(False, f"{type(error).__name__}: {error}")
    return Outcome(True, reply.decode("utf-8", "replace"))


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (.ci/run installs it)")
    return path


def curl(url: str, *options: str, host: str = "localhost") -> Outcome:
    """curl posting one event; `host` is pinned to 127.0.0.1 so the name in the URL needs no DNS."""
    port = port_of(url)
    command = [
        need("curl"), "--silent", "--show-error", "--noproxy", "*", "--max-time", "20",
        "--resolve", f"{host}:{port}:127.0.0.1",
        "-H", f"Authorization: Splunk {TOKEN}", "--data-binary", EVENT.decode(),
        *options, url + EVENT_PATH,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=CLEAN_ENV, timeout=30)
    if done.returncode != 0:
        return Outcome(False, done.stderr.strip().splitlines()[0])
    return Outcome(True, done.stdout)


def s_client(port: int, *options: str, host: str = "localhost") -> Outcome:
    command = [
        need("openssl"), "s_client", "-connect", f"127.0.0.1:{port}", "-servername", host,
        "-verify_hostname", host, "-verify_return_error", *options,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=CLEAN_ENV, timeout=30, stdin=subprocess.DEVNULL)
    return Outcome(done.returncode == 0, done.stdout + done.stderr)
