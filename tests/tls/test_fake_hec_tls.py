"""FakeHEC in TLS modes: one port per mode, the CA it hands out, and mutual TLS."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from hecharness.hec import FakeHEC
from hecharness.tls import CertificateAuthority
from tests.tls.conftest import SUCCESS, TOKEN, curl, httpx_post


def test_one_port_per_mode_in_the_order_given(every_mode):
    urls = every_mode.urls
    assert list(urls) == ["valid", "self-signed", "splunk-default", "mismatched-name", "expired", "plain"]
    assert len({url.rsplit(":", 1)[1] for url in urls.values()}) == 6
    assert all(url.startswith("https://") for mode, url in urls.items() if mode != "plain")
    assert urls["plain"].startswith("http://")
    assert every_mode.url == urls["valid"]


def test_every_mode_feeds_the_same_journal(every_mode):
    every_mode.reset()
    for mode in every_mode.urls:
        with every_mode.client(mode=mode, verify=False) as client:
            response = client.post("/services/collector/raw", content=mode.encode())
            assert response.text == SUCCESS
    assert [event.raw for event in every_mode.journal.events] == list(every_mode.urls)


def test_client_trusts_the_ca_by_itself(every_mode):
    with every_mode.client() as client:
        assert client.get("/services/collector/health").status_code == 200
    with every_mode.client(mode="expired") as client, pytest.raises(httpx.ConnectError, match="certificate has expired"):
        client.get("/services/collector/health")


def test_ca_path_and_ssl_context(every_mode):
    assert every_mode.ca_path is not None and every_mode.ca_path.read_bytes() == every_mode.authority.ca_bundle_pem
    context = every_mode.ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert httpx_post(every_mode.url, context).text == SUCCESS


def test_unknown_mode_for_client_names_it(every_mode):
    with pytest.raises(ValueError, match="TLS mode 'expird' is not served here; served: valid, self-signed"):
        every_mode.client(mode="expird")


def test_plain_by_default_has_no_ca():
    hec = FakeHEC(admin_port=None)
    assert hec.tls_modes == ("plain",) and hec.ca_path is None and hec.certificates is None
    with pytest.raises(RuntimeError, match="plain HTTP only"):
        hec.ssl_context()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tls": "valid,bogus"}, "unknown TLS mode 'bogus'"),
        ({"tls": ["expired", "expired"]}, "TLS mode 'expired' is given twice"),
        ({"tls": "plain", "client_cert_required": True}, "client certificates need a TLS mode"),
        ({"tls": "valid", "tls_names": ["bad name"]}, "not a host name or IP address: 'bad name'"),
    ],
)
def test_bad_tls_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FakeHEC(**kwargs)


def test_port_applies_to_the_first_mode():
    with FakeHEC(tls="plain", admin_port=None) as probe:
        free_port = probe.listeners[0].port
    # A port just released is free again; the other modes take ports of their own.
    with FakeHEC(tls=["self-signed", "valid"], port=free_port, admin_port=None) as hec:
        assert hec.urls["self-signed"].endswith(f":{free_port}")
        assert not hec.urls["valid"].endswith(f":{free_port}")


def test_extra_names_reach_the_certificate():
    with FakeHEC([TOKEN], tls="valid", tls_names=["hec.example"], admin_port=None) as hec:
        url = hec.url.replace("127.0.0.1", "hec.example")
        assert curl(url, "--cacert", str(hec.ca_path), host="hec.example").text == SUCCESS


def test_certs_dir_is_reused_across_servers(tmp_path):
    with FakeHEC(tls="valid", certs_dir=tmp_path, admin_port=None) as first:
        first_bundle = first.ca_path.read_bytes()
    assert first.ca_path == tmp_path / "ca-bundle.pem"
    with FakeHEC([TOKEN], tls="splunk-default", certs_dir=tmp_path, admin_port=None) as second:
        assert second.ca_path.read_bytes() == first_bundle
        assert second.authority.ca_bundle_pem == CertificateAuthority.load(tmp_path).ca_bundle_pem
        with second.client() as client, pytest.raises(httpx.ConnectError, match="IP address mismatch"):
            client.get("/services/collector/health")


def test_certs_dir_missing_a_name_is_refused(tmp_path):
    FakeHEC(tls="valid", certs_dir=tmp_path)
    with pytest.raises(ValueError, match="does not cover 'hec.example'"):
        FakeHEC(tls="valid", certs_dir=tmp_path, tls_names=["hec.example"])


# -- mutual TLS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mutual() -> Iterator[FakeHEC]:
    with FakeHEC([TOKEN], tls=["valid", "splunk-default", "plain"], client_cert_required=True, admin_port=None) as hec:
        yield hec


def test_mutual_tls_accepts_the_client_certificate(mutual):
    mutual.reset()
    with mutual.client() as client:
        assert client.post("/services/collector/raw", content=b"with cert").text == SUCCESS
    files = mutual.certificates
    outcome = curl(mutual.url.replace("127.0.0.1", "localhost"), "--cacert", str(mutual.ca_path), "--cert", str(files.client_cert), "--key", str(files.client_key))
    assert outcome.text == SUCCESS
    assert [event.text for event in mutual.journal.events] == ["with cert", "over tls"]


@pytest.mark.parametrize(
    ("version", "error", "curl_error"),
    [
        # TLS 1.3 completes the client's side of the handshake before the server sees no certificate.
        (
            ssl.TLSVersion.TLSv1_3,
            "ReadError: [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required",
            ("curl: (56)", "tlsv13 alert certificate required"),
        ),
        (
            ssl.TLSVersion.TLSv1_2,
            "ConnectError: [SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure",
            ("curl: (35)", "sslv3 alert handshake failure"),
        ),
    ],
)
def test_mutual_tls_without_a_certificate_is_refused_with_an_alert_before_any_request(mutual, version, error, curl_error):
    """The server says why, as an OpenSSL server does: certificate_required (TLS 1.3) or handshake_failure (1.2)."""
    mutual.reset()
    context = ssl.create_default_context(cafile=str(mutual.ca_path))
    context.maximum_version = version
    outcome = httpx_post(mutual.url, context)
    assert not outcome.ok
    assert outcome.text.startswith(error), outcome.text
    tls_max = "1.3" if version == ssl.TLSVersion.TLSv1_3 else "1.2"
    outcome = curl(mutual.url.replace("127.0.0.1", "localhost"), "--cacert", str(mutual.ca_path), "--tls-max", tls_max)
    code, reason = curl_error
    assert outcome.text.startswith(code) and reason in outcome.text, outcome.text
    assert mutual.journal.counters.requests == 0


def test_mutual_tls_leaves_the_plain_port_alone(mutual):
    assert httpx_post(mutual.urls["plain"], True).text == SUCCESS


def test_mutual_tls_context_carries_the_client_certificate(mutual):
    assert httpx_post(mutual.url, mutual.ssl_context()).text == SUCCESS
