"""Host names and dates judged as Go judges them, on certificates made here."""

from __future__ import annotations

import datetime

import pytest
import trustme
from cryptography import x509

from hecharness.preflight.certificate import check_dates, check_hostname
from hecharness.tls import CertificateAuthority


def leaf(*names: str) -> x509.Certificate:
    pem = trustme.CA().issue_cert(*names).cert_chain_pems[0].bytes()
    return x509.load_pem_x509_certificate(pem)


@pytest.fixture(scope="module")
def splunk_default() -> x509.Certificate:
    chain = CertificateAuthority().server_certificate("splunk-default").chain_pem
    return x509.load_pem_x509_certificate(chain)


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("hec.example.com", True),
        ("HEC.Example.COM", True),
        ("hec.example.com.", True),
        ("a.hec.example.com", False),  # a wildcard covers one label only
        ("example.com", False),
        ("other.example.org", False),
    ],
)
def test_wildcard_matches_one_whole_label(host: str, ok: bool) -> None:
    assert check_hostname(leaf("*.example.com"), host).ok is ok


def test_ip_address_matches_ip_names_only() -> None:
    certificate = leaf("127.0.0.1", "localhost")

    assert check_hostname(certificate, "127.0.0.1").ok
    mismatch = check_hostname(certificate, "127.0.0.2")
    assert not mismatch.ok
    assert mismatch.message == "the certificate is valid for localhost, 127.0.0.1, not 127.0.0.2"


def test_common_name_alone_never_matches_even_when_equal(splunk_default: x509.Certificate) -> None:
    verdict = check_hostname(splunk_default, "SplunkServerDefaultCert")

    assert not verdict.ok
    assert "only in the Common Name" in verdict.message and "Go 1.15" in verdict.message


def test_common_name_only_certificate_names_what_it_is_valid_for(splunk_default: x509.Certificate) -> None:
    verdict = check_hostname(splunk_default, "splunk.example.com")

    assert verdict.message == (
        "the certificate is valid for SplunkServerDefaultCert (its Common Name only: it has no "
        "Subject Alternative Names), not splunk.example.com"
    )


def test_dates_before_during_and_after_validity() -> None:
    certificate = leaf("hec.example.com")
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc

    assert check_dates(certificate, start + (end - start) / 2).ok
    early = check_dates(certificate, start - datetime.timedelta(days=2))
    assert not early.ok and early.message.startswith("is not valid until ")
    late = check_dates(certificate, end + datetime.timedelta(days=2))
    assert not late.ok and late.message.startswith("expired on ")
