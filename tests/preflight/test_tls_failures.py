"""Certificates a sender refuses, each with the check Go would name first and what to do about it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hecharness.hec import FakeHEC
from tests.preflight.conftest import RAW_PATH, raw_url, run
from tests.preflight.test_network_failures import assert_failed_at

LAST_RESORT = "insecure-skip-verify=true"


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("valid", "its issuer (O=hecharness, OU=hecharness test CA "),
        ("self-signed", "the certificate is self-signed"),
    ],
)
def test_chain_that_leads_to_no_trusted_ca(hec: FakeHEC, mode: str, reason: str) -> None:
    result = run(raw_url(hec, mode))  # the system's CAs, which do not include the test CA

    assert_failed_at(result, "tls", "untrusted-certificate")
    assert result.exit_code == 7
    assert result.cause is not None and result.cause.startswith("the certificate chain does not verify: ")
    assert reason in result.cause
    fix = result.fix or ""
    assert "--cacert" in fix
    assert LAST_RESORT in fix and "turns off every certificate check" in fix
    assert result.certificate is not None and not result.certificate.chain.ok
    assert result.certificate.hostname.ok and result.certificate.dates.ok


def test_name_mismatch_in_the_faqs_words(hec: FakeHEC) -> None:
    result = run(raw_url(hec, "mismatched-name"), cafile=hec.ca_path)

    assert_failed_at(result, "tls", "hostname-mismatch")
    assert result.exit_code == 8
    assert result.cause == "the certificate is valid for SplunkServerDefaultCert, not 127.0.0.1"
    assert "IP:127.0.0.1" in (result.fix or "")
    assert LAST_RESORT in (result.fix or "")


def test_name_mismatch_by_host_name(hec: FakeHEC) -> None:
    result = run(raw_url(hec, "mismatched-name", host="localhost"), cafile=hec.ca_path)

    assert_failed_at(result, "tls", "hostname-mismatch")
    assert result.cause == "the certificate is valid for SplunkServerDefaultCert, not localhost"
    assert "DNS:localhost" in (result.fix or "")


def test_splunk_default_certificate_is_a_name_problem_first_as_logpush_sees_it(hec: FakeHEC) -> None:
    result = run(raw_url(hec, "splunk-default"))

    assert_failed_at(result, "tls", "hostname-mismatch")
    cause = result.cause or ""
    assert cause.startswith("the certificate is valid for SplunkServerDefaultCert (its Common Name only")
    assert "not 127.0.0.1" in cause
    # The other failed check is named too, since curl and Python would report it first.
    assert "also, the chain does not verify" in cause and "SplunkCommonCA" in cause
    facts = result.certificate
    assert facts is not None and facts.names == () and not facts.has_san_extension
    assert facts.subject == "CN=SplunkServerDefaultCert, O=SplunkUser"
    assert "CN=SplunkCommonCA" in facts.issuer


def test_splunk_default_certificate_with_its_ca_trusted_still_fails_on_the_name(hec: FakeHEC) -> None:
    result = run(raw_url(hec, "splunk-default"), cafile=hec.ca_path)

    assert_failed_at(result, "tls", "hostname-mismatch")
    assert "also" not in (result.cause or "")
    assert result.certificate is not None and result.certificate.chain.ok


def test_expired_certificate(hec: FakeHEC) -> None:
    result = run(raw_url(hec, "expired"), cafile=hec.ca_path)

    assert_failed_at(result, "tls", "expired-certificate")
    assert result.exit_code == 9
    assert (result.cause or "").startswith("the certificate expired on 2020-01-01 00:00:00 UTC")
    assert "Renew" in (result.fix or "")
    assert result.certificate is not None and result.certificate.chain.ok  # the chain is fine, the dates are not


def test_expired_and_untrusted_names_expiry_first_and_the_chain_too(hec: FakeHEC) -> None:
    result = run(raw_url(hec, "expired"))

    assert_failed_at(result, "tls", "expired-certificate")
    assert "also, the chain does not verify" in (result.cause or "")


def test_plain_http_port_dialled_with_https(hec: FakeHEC) -> None:
    result = run(raw_url(hec, "plain"))

    assert_failed_at(result, "tls", "tls-handshake")
    assert result.exit_code == 10
    assert "not TLS, most likely plain HTTP" in (result.cause or "")
    assert "enableSSL" in (result.fix or "") and "only sends over HTTPS" in (result.fix or "")


def test_server_that_refuses_the_handshake(alerting_port: int) -> None:
    result = run(f"https://127.0.0.1:{alerting_port}{RAW_PATH}")

    assert_failed_at(result, "tls", "tls-handshake")
    assert "refused the TLS handshake (SSLV3_ALERT_HANDSHAKE_FAILURE)" in (result.cause or "")
    assert "TLS 1.2 or later" in (result.fix or "") and "client certificates" in (result.fix or "")


def test_server_that_drops_the_handshake(hec: FakeHEC) -> None:
    hec.faults.add("tls-abort")

    result = run(raw_url(hec), cafile=hec.ca_path)

    assert_failed_at(result, "tls", "tls-handshake")
    assert "closed the connection during the TLS handshake" in (result.cause or "")
    assert "EOF" in (result.cause or "")


def test_server_that_resets_the_connection_in_the_handshake(hang_up_port: int) -> None:
    result = run(f"https://127.0.0.1:{hang_up_port}{RAW_PATH}")

    assert_failed_at(result, "tls", "tls-handshake")
    assert "closed the connection during the TLS handshake (ConnectionResetError" in (result.cause or "")


def test_other_chain_errors_carry_openssls_words(client_only_certificate: tuple[int, Path]) -> None:
    port, ca_path = client_only_certificate

    result = run(f"https://127.0.0.1:{port}{RAW_PATH}", cafile=ca_path)

    assert_failed_at(result, "tls", "untrusted-certificate")
    assert "unsuitable certificate purpose (OpenSSL verify error 26)" in (result.cause or "")


def test_expired_intermediate_fails_the_chain_not_the_dates(expired_intermediate: tuple[int, Path]) -> None:
    port, ca_path = expired_intermediate

    result = run(f"https://127.0.0.1:{port}{RAW_PATH}", cafile=ca_path)

    assert_failed_at(result, "tls", "untrusted-certificate")
    assert "a CA certificate in the chain has expired while the server's own is in date" in (result.cause or "")
    assert result.certificate is not None and result.certificate.dates.ok


def test_backend_with_another_certificate_behind_the_same_name(inconsistent_backends: tuple[int, Path]) -> None:
    port, ca_path = inconsistent_backends

    result = run(f"https://127.0.0.1:{port}{RAW_PATH}", cafile=ca_path)

    assert_failed_at(result, "health", "untrusted-certificate")
    assert "do not all present the same certificate" in (result.cause or "")
    assert "every backend" in (result.fix or "")


def test_client_certificate_required_is_named_not_taken_for_another_server(tmp_path: Path) -> None:
    # TLS 1.3: the client's handshake completes, and the server hangs up at the first request.
    with FakeHEC(["t"], tls="valid", client_cert_required=True, admin_port=None, certs_dir=tmp_path) as hec:
        result = run(raw_url(hec), cafile=hec.ca_path, token="t")

    assert_failed_at(result, "health", "tls-handshake")
    assert result.exit_code == 10
    assert "asked for a client certificate" in (result.cause or "")
    assert "requireClientCert" in (result.fix or "")


def test_client_certificate_required_in_a_tls_1_2_handshake(tmp_path: Path) -> None:
    # TLS 1.2: the server ends the handshake itself once the client sends no certificate.
    import socket
    import ssl
    import threading

    import trustme

    ca = trustme.CA()
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.maximum_version = ssl.TLSVersion.TLSv1_2
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca.configure_trust(server_context)
    server_context.verify_mode = ssl.CERT_REQUIRED
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve() -> None:
        for _ in range(2):  # the check opens at most two connections before it gives up
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                try:
                    server_context.wrap_socket(connection, server_side=True).close()
                except (ssl.SSLError, OSError):
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    try:
        result = run(f"https://127.0.0.1:{listener.getsockname()[1]}{RAW_PATH}", cafile=cafile)
    finally:
        listener.close()
        thread.join(10)

    assert_failed_at(result, "tls", "tls-handshake")
    assert "asked for a client certificate" in (result.cause or "")
