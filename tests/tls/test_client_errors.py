"""Every TLS mode against real clients: what each one accepts and the exact error it prints.

The table is the one in docs/tls.md. OpenSSL (Python, httpx, curl, s_client) checks the chain before
the name, so a client that does not trust the CA always reports the chain, and name or expiry
problems appear only once the CA is trusted.
"""

from __future__ import annotations

import ssl

import pytest

from hecharness.hec import FakeHEC
from hecharness.tls import TLS_MODES
from tests.tls.conftest import SUCCESS, Outcome, as_localhost, curl, httpx_post, port_of, s_client, ssl_post

VERIFY_FAILED = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
UNKNOWN_ISSUER = "unable to get local issuer certificate"
S_CLIENT_OK = "Verify return code: 0 (ok)"
WRONG_VERSION = "wrong version number"


def works(text: str = SUCCESS) -> Outcome:
    return Outcome(True, text)


def fails(text: str) -> Outcome:
    return Outcome(False, text)


def chain_error(reason: str) -> dict[str, Outcome]:
    """A CA the client does not hold: the same reason from every OpenSSL-based client."""
    return {
        "httpx system trust": fails(VERIFY_FAILED + reason),
        "python ssl system trust": fails(VERIFY_FAILED + reason),
        "curl": fails(f"curl: (60) SSL certificate problem: {reason}"),
    }


EXPECTED: dict[str, dict[str, Outcome]] = {
    "valid": {
        "httpx CA trusted": works(),
        **chain_error(UNKNOWN_ISSUER),
        "httpx verify off": works(),
        "python ssl CA trusted": works(),
        "curl --cacert": works(),
        "curl -k": works(),
        "s_client": fails("verify error:num=20:unable to get local issuer certificate"),
        "s_client -CAfile": works(S_CLIENT_OK),
    },
    "self-signed": {
        "httpx CA trusted": works(),
        **chain_error("self-signed certificate"),
        "httpx verify off": works(),
        "python ssl CA trusted": works(),
        "curl --cacert": works(),
        "curl -k": works(),
        "s_client": fails("verify error:num=18:self-signed certificate"),
        "s_client -CAfile": works(S_CLIENT_OK),
    },
    "splunk-default": {
        "httpx CA trusted": fails(VERIFY_FAILED + "Hostname mismatch, certificate is not valid for 'localhost'."),
        **chain_error("self-signed certificate in certificate chain"),
        "httpx verify off": works(),
        "python ssl CA trusted": fails(VERIFY_FAILED + "Hostname mismatch, certificate is not valid for 'localhost'."),
        "curl --cacert": fails("curl: (60) SSL: certificate subject name 'SplunkServerDefaultCert' does not match target host name 'localhost'"),
        "curl -k": works(),
        "s_client": fails("verify error:num=19:self-signed certificate in certificate chain"),
        "s_client -CAfile": fails("verify error:num=62:hostname mismatch"),
    },
    "mismatched-name": {
        "httpx CA trusted": fails(VERIFY_FAILED + "Hostname mismatch, certificate is not valid for 'localhost'."),
        **chain_error(UNKNOWN_ISSUER),
        "httpx verify off": works(),
        "python ssl CA trusted": fails(VERIFY_FAILED + "Hostname mismatch, certificate is not valid for 'localhost'."),
        "curl --cacert": fails("curl: (60) SSL: no alternative certificate subject name matches target host name 'localhost'"),
        "curl -k": works(),
        "s_client": fails("verify error:num=20:unable to get local issuer certificate"),
        "s_client -CAfile": fails("verify error:num=62:hostname mismatch"),
    },
    "expired": {
        "httpx CA trusted": fails(VERIFY_FAILED + "certificate has expired"),
        **chain_error(UNKNOWN_ISSUER),
        "httpx verify off": works(),
        "python ssl CA trusted": fails(VERIFY_FAILED + "certificate has expired"),
        "curl --cacert": fails("curl: (60) SSL certificate problem: certificate has expired"),
        "curl -k": works(),
        "s_client": fails("verify error:num=20:unable to get local issuer certificate"),
        "s_client -CAfile": fails("verify error:num=10:certificate has expired"),
    },
    # Plain HTTP: the http:// URL works whatever the TLS settings; only clients that insist on a
    # handshake fail, on the server's HTTP reply to their ClientHello.
    "plain": {
        "httpx CA trusted": works(),
        "httpx system trust": works(),
        "httpx verify off": works(),
        "python ssl system trust": fails(f"[SSL: WRONG_VERSION_NUMBER] {WRONG_VERSION}"),
        "python ssl CA trusted": fails(f"[SSL: WRONG_VERSION_NUMBER] {WRONG_VERSION}"),
        "curl": works(),
        "curl --cacert": works(),
        "curl -k": works(),
        "s_client": fails(WRONG_VERSION),
        "s_client -CAfile": fails(WRONG_VERSION),
    },
}


def run_client(client: str, hec: FakeHEC, mode: str) -> Outcome:
    url = as_localhost(hec.urls[mode])
    port = port_of(url)
    bundle = str(hec.ca_path)
    if client == "httpx CA trusted":
        return httpx_post(url, ssl.create_default_context(cafile=bundle))
    if client == "httpx system trust":
        return httpx_post(url, True)  # without trust_env: certifi's bundle, httpx's default
    if client == "httpx verify off":
        return httpx_post(url, False)
    if client == "python ssl system trust":
        return ssl_post(port, ssl.create_default_context())
    if client == "python ssl CA trusted":
        return ssl_post(port, ssl.create_default_context(cafile=bundle))
    if client == "curl":
        return curl(url)
    if client == "curl --cacert":
        return curl(url, "--cacert", bundle)
    if client == "curl -k":
        return curl(url, "-k")
    if client == "s_client":
        return s_client(port)
    if client == "s_client -CAfile":
        return s_client(port, "-CAfile", bundle)
    raise AssertionError(f"no such client in the table: {client}")


CASES = [(mode, client) for mode in TLS_MODES for client in EXPECTED[mode]]


def test_the_table_covers_every_mode_and_client():
    clients = {client for row in EXPECTED.values() for client in row}
    assert set(EXPECTED) == set(TLS_MODES)
    assert all(set(row) == clients for row in EXPECTED.values())


@pytest.mark.parametrize(("mode", "client"), CASES, ids=[f"{m}: {c}" for m, c in CASES])
def test_client_outcome(every_mode: FakeHEC, mode: str, client: str):
    expected = EXPECTED[mode][client]
    outcome = run_client(client, every_mode, mode)
    assert outcome.ok == expected.ok, outcome.text
    assert expected.text in outcome.text


# -- the same certificates from other angles ------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "curl_error"),
    [
        ("splunk-default", "curl: (60) SSL: certificate subject name 'SplunkServerDefaultCert' does not match target host name '127.0.0.1'"),
        ("mismatched-name", "curl: (60) SSL: no alternative certificate subject name matches target host name '127.0.0.1'"),
    ],
)
def test_an_ip_address_url_gets_the_ip_variant_of_the_name_error(every_mode, mode, curl_error):
    url = every_mode.urls[mode]
    outcome = httpx_post(url, every_mode.ssl_context())
    assert not outcome.ok
    assert VERIFY_FAILED + "IP address mismatch, certificate is not valid for '127.0.0.1'." in outcome.text
    assert curl(url, "--cacert", str(every_mode.ca_path), host="127.0.0.1") == fails(curl_error)


def test_splunk_default_dialled_by_its_common_name_passes_only_with_common_name_fallback(every_mode):
    """Like Docker's splunk-caname: the sender asks for `SplunkServerDefaultCert`, which is only a CN.

    CPython and httpx still fall back to the CN when there is no SAN; urllib3 2 (requests) turns
    that off, and so does Go >= 1.15.
    """
    url = every_mode.urls["splunk-default"]
    name = {"sni_hostname": "SplunkServerDefaultCert"}
    context = every_mode.ssl_context()
    assert context.hostname_checks_common_name
    assert httpx_post(url, context, extensions=name) == works(SUCCESS)
    no_fallback = every_mode.ssl_context()
    no_fallback.hostname_checks_common_name = False
    outcome = httpx_post(url, no_fallback, extensions=name)
    assert not outcome.ok
    assert VERIFY_FAILED + "Hostname mismatch, certificate is not valid for 'SplunkServerDefaultCert'." in outcome.text
    assert curl(url.replace("127.0.0.1", "SplunkServerDefaultCert"), "--cacert", str(every_mode.ca_path), host="SplunkServerDefaultCert").ok


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("valid", None),
        ("self-signed", None),
        ("splunk-default", "Hostname mismatch, certificate is not valid for 'localhost'."),
        ("mismatched-name", "Hostname mismatch, certificate is not valid for 'localhost'."),
        ("expired", "certificate has expired"),
    ],
)
def test_strict_verification_reports_the_same_errors(every_mode, mode, error):
    """Python 3.13 verifies with VERIFY_X509_STRICT by default; the certificates must not trip it first."""
    context = every_mode.ssl_context()
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    outcome = httpx_post(as_localhost(every_mode.urls[mode]), context)
    if error is None:
        assert outcome == works(SUCCESS)
    else:
        assert not outcome.ok and VERIFY_FAILED + error in outcome.text


def test_https_to_the_plain_port(every_mode):
    url = every_mode.urls["plain"].replace("http://", "https://")
    outcome = httpx_post(url, False)
    assert not outcome.ok and "[SSL: WRONG_VERSION_NUMBER] wrong version number" in outcome.text
    outcome = curl(as_localhost(url))
    assert not outcome.ok and outcome.text.startswith("curl: (35)") and "wrong version number" in outcome.text


def test_http_to_a_tls_port(every_mode):
    """The server drops the connection; whether the client sees a close or a reset is a race."""
    url = every_mode.urls["valid"].replace("https://", "http://")
    outcome = httpx_post(url, False)
    assert not outcome.ok
    assert outcome.text == "RemoteProtocolError: Server disconnected without sending a response." or (
        outcome.text.startswith("ReadError:") and outcome.text.endswith("Connection reset by peer")
    )
    outcome = curl(as_localhost(url))
    assert outcome.text in ("curl: (52) Empty reply from server", "curl: (56) Recv failure: Connection reset by peer")


def test_ssl_cert_file_makes_python_and_httpx_trust_the_bundle(every_mode, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(every_mode.ca_path))
    url = as_localhost(every_mode.urls["valid"])
    assert httpx_post(url, True, trust_env=True) == works(SUCCESS)
    assert ssl_post(port_of(url), ssl.create_default_context()).ok
