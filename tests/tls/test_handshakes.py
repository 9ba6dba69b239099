"""TLS as splunkd negotiates it: versions and ciphers per `tls_profile`, and no ALPN.

Each handshake runs on a real socket against the fake, with a client pinned to one TLS version; a
successful one then carries a HEC request, so the test shows what a sender gets, not only a handshake.
"""

from __future__ import annotations

import functools
import socket
import ssl
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from hecharness.hec import FakeHEC
from hecharness.hec.settings import HECSettings, SettingsError
from hecharness.tls import TLS_PROFILES, CertificateAuthority
from tests.tls.conftest import SUCCESS, TOKEN, as_localhost, curl

REQUEST = (
    b"POST /services/collector/raw HTTP/1.1\r\nHost: localhost\r\nAuthorization: Splunk " + TOKEN.encode() + b"\r\n"
    b"Content-Length: 4\r\n\r\ntls!"
)
REFUSED = None

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # naming TLS 1.1 warns: that is the point here
    TLS_1_1 = ssl.TLSVersion.TLSv1_1
TLS_1_2, TLS_1_3 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3

# What a client pinned to each version gets from each profile.
EXPECTED = {
    "splunk-10.4": {TLS_1_1: REFUSED, TLS_1_2: "TLSv1.2", TLS_1_3: "TLSv1.3"},
    "splunk-10.2": {TLS_1_1: REFUSED, TLS_1_2: "TLSv1.2", TLS_1_3: REFUSED},
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeHEC]:
    with FakeHEC([TOKEN], tls=["valid", "splunk-default"], admin_port=None) as hec:
        yield hec


@pytest.fixture
def hec(server: FakeHEC) -> FakeHEC:
    server.reset()
    return server


def client_context(hec: FakeHEC, version: ssl.TLSVersion, ciphers: str | None = None) -> ssl.SSLContext:
    context = hec.ssl_context()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = context.maximum_version = version
    if version == TLS_1_1:
        # OpenSSL 3 refuses TLS 1.1 at security level 1 and above; lower it so only the server can say no.
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    if ciphers is not None:
        context.set_ciphers(ciphers)
    return context


@dataclass(frozen=True)
class Handshake:
    version: str | None  # None: refused
    cipher: str | None
    answer: bytes = b""  # the HEC's answer to one request sent over it
    error: str = ""  # the client's error, when refused


def handshake(url: str, context: ssl.SSLContext) -> Handshake:
    """One connection: the handshake, then one HEC request over it."""
    host, port = url.removeprefix("https://").rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=10) as raw, context.wrap_socket(
            raw, server_hostname="localhost"
        ) as tls:
            tls.sendall(REQUEST)
            answer = b""
            while not answer.endswith(b"}"):
                chunk = tls.recv(4096)
                if not chunk:
                    break
                answer += chunk
            return Handshake(tls.version(), tls.cipher()[0], answer)
    except (ssl.SSLError, ConnectionError) as error:
        return Handshake(None, None, error=str(error))


@functools.cache
def local_openssl_speaks_tls_1_1() -> bool:
    """Whether this machine's OpenSSL can complete a TLS 1.1 handshake at all, checked in memory."""
    authority = CertificateAuthority()
    server = authority.server_context("valid")
    client = ssl.create_default_context(cadata=authority.ca_pem.decode())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for context in (server, client):
            context.minimum_version = context.maximum_version = TLS_1_1
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
    server_in, server_out, client_in, client_out = (ssl.MemoryBIO() for _ in range(4))
    server_side = server.wrap_bio(server_in, server_out, server_side=True)
    client_side = client.wrap_bio(client_in, client_out, server_hostname="localhost")
    for _ in range(10):
        for side in (client_side, server_side):
            try:
                side.do_handshake()
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError:
                return False
        server_in.write(client_out.read())
        client_in.write(server_out.read())
        if client_side.version() is not None and server_side.version() is not None:
            return client_side.version() == server_side.version() == "TLSv1.1"
    return False


VERSIONS = {"tls1.1": TLS_1_1, "tls1.2": TLS_1_2, "tls1.3": TLS_1_3}


@pytest.fixture(params=[(profile, name) for profile in EXPECTED for name in VERSIONS], ids="-".join)
def pinned(request, hec: FakeHEC) -> tuple[ssl.TLSVersion, str | None]:
    """The fake under one profile, and the TLS version a client pins with what it should negotiate."""
    profile, name = request.param
    version = VERSIONS[name]
    if version == TLS_1_1 and not local_openssl_speaks_tls_1_1():
        pytest.skip("this machine's OpenSSL cannot do TLS 1.1 even at @SECLEVEL=0, so no client here can try it")
    hec.configure(tls_profile=profile)
    return version, EXPECTED[profile][version]


def test_each_profile_answers_each_tls_version_as_splunkd(hec, pinned):
    version, expected = pinned
    result = handshake(hec.url, client_context(hec, version))
    assert result.version == expected
    if expected is None:  # refused as OpenSSL refuses, with the alert that says why
        assert "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version" in result.error
    else:
        assert result.answer.startswith(b"HTTP/1.1 200 OK") and result.answer.endswith(SUCCESS.encode())


CURL_PINS = {
    TLS_1_1: ["--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT:@SECLEVEL=0"],
    TLS_1_2: ["--tlsv1.2", "--tls-max", "1.2"],
    TLS_1_3: ["--tlsv1.3", "--tls-max", "1.3"],
}


def test_curl_pinned_to_each_version_gets_what_splunkd_would_give_it(hec, pinned):
    version, expected = pinned
    outcome = curl(as_localhost(hec.url), "--cacert", str(hec.ca_path), *CURL_PINS[version])
    if expected is None:
        assert outcome.text.startswith("curl: (35)") and "tlsv1 alert protocol version" in outcome.text, outcome.text
    else:
        assert outcome.text == SUCCESS


def test_tls_1_1_is_refused_by_the_profile_not_by_the_client():
    """The control for the TLS 1.1 rows: the same client gets through once the server allows TLS 1.1."""
    if not local_openssl_speaks_tls_1_1():
        pytest.skip("this machine's OpenSSL cannot do TLS 1.1 at all")
    with FakeHEC([TOKEN], tls="valid", admin_port=None) as hec:
        context = hec.listeners[0].ssl_context
        assert context is not None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = TLS_1_1
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        assert handshake(hec.url, client_context(hec, TLS_1_1)).version == "TLSv1.1"
        hec.configure(tls_profile="splunk-10.2")  # a profile again, on the same context
        assert handshake(hec.url, client_context(hec, TLS_1_1)).version is REFUSED


def test_the_newest_profile_is_the_default():
    assert HECSettings().tls_profile == "splunk-10.4"
    with pytest.raises(SettingsError, match="tls_profile must be one of splunk-10.4, splunk-10.2; got 'splunk-9'"):
        HECSettings(tls_profile="splunk-9")


def test_splunk_10_4_offers_ecdhe_only_on_tls_1_2(hec):
    result = handshake(hec.url, client_context(hec, TLS_1_2))
    assert result.version == "TLSv1.2" and result.cipher is not None and result.cipher.startswith("ECDHE-")
    names = {cipher["name"] for cipher in hec.listeners[0].ssl_context.get_ciphers() if cipher["protocol"] == "TLSv1.2"}
    assert names == set(TLS_PROFILES["splunk-10.4"].ciphers.split(":"))


@pytest.mark.parametrize(("profile", "accepted"), [("splunk-10.2", True), ("splunk-10.4", False)])
def test_rsa_key_exchange_is_gone_from_10_4(hec, profile, accepted):
    # Splunk's default certificate is RSA, the only kind a non-ECDHE RSA suite can use.
    hec.configure(tls_profile=profile)
    context = client_context(hec, TLS_1_2, ciphers="AES128-GCM-SHA256")
    context.check_hostname = False  # that certificate has no names; the cipher is the question here
    result = handshake(hec.urls["splunk-default"], context)
    assert (result.cipher == "AES128-GCM-SHA256") is accepted
    assert accepted or "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure" in result.error


def test_a_suite_in_neither_list_is_refused_by_both(hec):
    for profile in EXPECTED:
        hec.configure(tls_profile=profile)
        result = handshake(hec.url, client_context(hec, TLS_1_2, ciphers="ECDHE-ECDSA-AES128-SHA"))
        assert result.version is REFUSED and "SSLV3_ALERT_HANDSHAKE_FAILURE" in result.error


def test_no_alpn_is_selected_and_http_1_1_is_spoken(hec):
    """splunkd offers no ALPN; a client asking for h2 (as Go's does) falls back to HTTP/1.1."""
    context = hec.ssl_context()
    context.set_alpn_protocols(["h2", "http/1.1"])
    host, port = hec.url.removeprefix("https://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as raw, context.wrap_socket(
        raw, server_hostname="localhost"
    ) as tls:
        assert tls.selected_alpn_protocol() is None
        tls.sendall(REQUEST)
        answer = tls.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert [event.raw for event in hec.journal.events] == ["tls!"]


def test_curl_asking_for_http2_falls_back_to_http_1_1(hec):
    outcome = curl(as_localhost(hec.url), "--cacert", str(hec.ca_path), "--http2", "--write-out", "\n%{http_version}")
    assert outcome.ok, outcome.text
    assert outcome.text == SUCCESS + "\n1.1"


def test_the_admin_api_switches_the_profile_for_new_handshakes():
    # PATCH /settings runs on the server's own loop, the one that starts handshakes: no deadlock, no race.
    with FakeHEC([TOKEN], tls="valid") as hec:
        assert handshake(hec.url, client_context(hec, TLS_1_3)).version == "TLSv1.3"
        answer = httpx.patch(f"{hec.admin_url}/settings", json={"tls_profile": "splunk-10.2"}, timeout=10)
        assert answer.json()["tls_profile"] == "splunk-10.2"
        assert handshake(hec.url, client_context(hec, TLS_1_3)).version is REFUSED
        assert handshake(hec.url, client_context(hec, TLS_1_2)).version == "TLSv1.2"
