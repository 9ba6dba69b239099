"""The TLS step: read the certificate whatever it is, then ask OpenSSL whether its chain verifies.

Two handshakes, because one cannot do both: a verifying handshake that fails hands back no
certificate, and Python 3.11 cannot give the chain a server sent to verify it afterwards. The first
handshake verifies nothing and keeps the leaf; the second, on a fresh connection, verifies the chain
against the trusted CAs with the host name check off, since names are judged separately (as Go
judges them, see `certificate`).
"""

from __future__ import annotations

import datetime
import socket
import ssl
from dataclasses import replace

from cryptography import x509
from cryptography.x509.oid import NameOID

from hecharness.errors import InvalidArgument
from hecharness.preflight.certificate import SPLUNK_DEFAULT_CA, CertificateFacts, Check, name_text, read_facts
from hecharness.preflight.failures import TIMEOUT, TLS_HANDSHAKE, StepFailed
from hecharness.preflight.network import Address, connect

__all__ = ["inspect_tls", "trust_context", "client_certificate_required"]

# OpenSSL's reasons when the bytes that came back are not TLS at all (most often plain HTTP).
_NOT_TLS = frozenset({"WRONG_VERSION_NUMBER", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG", "UNKNOWN_PROTOCOL", "RECORD_LAYER_FAILURE"})

# OpenSSL's X509_V_ERR_* numbers the chain verdict reads.
_NOT_YET_VALID, _EXPIRED = 9, 10
_SELF_SIGNED_LEAF, _SELF_SIGNED_IN_CHAIN = 18, 19
_ISSUER_UNKNOWN = frozenset({2, 20, 21})


def trust_context(cafile: str | None, *, check_hostname: bool = True) -> ssl.SSLContext:
    """A verifying client context: the CAs in `cafile` only (as curl --cacert), else the system's."""
    try:
        context = ssl.create_default_context(cafile=cafile)
    except ssl.SSLError as error:
        raise InvalidArgument(f"{cafile} holds no usable CA certificate ({error.reason or error})") from None
    except OSError as error:
        raise InvalidArgument(f"cannot read CA file {cafile}: {error.strerror or error}") from None
    context.check_hostname = check_hostname
    return context


def inspect_tls(
    sock: socket.socket,
    address: Address,
    host: str,
    port: int,
    *,
    trust: ssl.SSLContext,
    trust_name: str,
    timeout: float,
) -> CertificateFacts:
    """Handshake on `sock` (which this takes over) and verify on a second connection to `address`.

    `trust` is a verifying context with its host name check off (`trust_context(..., check_hostname=False)`).
    """
    seeing = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    seeing.check_hostname = False
    seeing.verify_mode = ssl.CERT_NONE
    asked = _CertificateRequestWatch(seeing)
    where = f"{host}:{port}"
    with _handshake(sock, host, seeing, timeout, where, asked) as tls:
        der = tls.getpeercert(binary_form=True)
        version = tls.version()
        cipher = tls.cipher()
    assert der is not None, "every cipher suite OpenSSL offers by default authenticates the server"
    chain = _verify_chain(der, address, host, port, trust, trust_name, timeout, where)
    facts = read_facts(der, host=host, chain=chain, tls_version=version, cipher=cipher[0] if cipher else None)
    return replace(facts, client_cert_requested=asked.seen)


class _CertificateRequestWatch:
    """Notes whether the server asked for a client certificate during a handshake on `context`.

    In TLS 1.3 a server that requires one and gets none hangs up only after the client's handshake
    is done, so the client sees a closed connection on its first request; the CertificateRequest
    message is the one sign of why. Python has no public hook for handshake messages: the private
    `_msg_callback` (there since 3.8) is used where it exists, and nothing is noted where it does not.
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        self.seen = False
        if hasattr(context, "_msg_callback"):
            context._msg_callback = self._message  # type: ignore[attr-defined]

    def _message(self, connection: object, direction: str, version: object, content_type: object, message_type: object, data: object) -> None:
        if direction == "read" and message_type == ssl._TLSMessageType.CERTIFICATE_REQUEST:  # type: ignore[attr-defined]
            self.seen = True


def _verify_chain(
    der: bytes, address: Address, host: str, port: int, trust: ssl.SSLContext, trust_name: str, timeout: float, where: str
) -> Check:
    sock, _address, _notes = connect([address], host, port, timeout)
    try:
        with _handshake(sock, host, trust, timeout, where):
            return Check(True, f"verifies against {trust_name}")
    except ssl.SSLCertVerificationError as error:
        return _chain_verdict(error, x509.load_der_x509_certificate(der), trust_name)


def _handshake(
    sock: socket.socket, host: str, context: ssl.SSLContext, timeout: float, where: str,
    asked: _CertificateRequestWatch | None = None,
) -> ssl.SSLSocket:
    sock.settimeout(timeout)
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError:
        sock.close()
        raise
    except TimeoutError:
        sock.close()
        raise StepFailed(
            TIMEOUT,
            f"the TLS handshake with {where} got no answer within {timeout:g} s",
            "Something takes TCP connections on this port but does not speak TLS on them, or is too busy to: "
            "check that the port serves HEC over HTTPS and that the HEC is not overloaded.",
        ) from None
    except ssl.SSLError as error:
        sock.close()
        if asked is not None and asked.seen:
            raise client_certificate_required(f"ended the handshake ({error.reason or error})", where) from None
        raise _handshake_refused(error, where) from None
    except OSError as error:
        sock.close()
        detail = f"{type(error).__name__}: {error.strerror or error}"
        if asked is not None and asked.seen:
            raise client_certificate_required(f"ended the handshake ({detail})", where) from None
        raise _closed_in_handshake(detail, where) from None


def client_certificate_required(what_happened: str, where: str) -> StepFailed:
    """The failure of a server that asked for a client certificate, got none, and hung up."""
    return StepFailed(
        TLS_HANDSHAKE,
        f"{where} asked for a client certificate in the TLS handshake (mutual TLS) and, when none came, {what_happened}",
        "Logpush sends no client certificate, so a HEC that requires one refuses every push: turn off "
        "requireClientCert under [http] in inputs.conf (or on the proxy in front of HEC) for the port Logpush uses.",
    )


def _handshake_refused(error: ssl.SSLError, where: str) -> StepFailed:
    reason = error.reason or ""
    if reason in _NOT_TLS:
        return StepFailed(
            TLS_HANDSHAKE,
            f"{where} answered the TLS handshake with something that is not TLS, most likely plain HTTP ({reason})",
            "Turn SSL on for HEC (HTTP Event Collector > Global Settings: Enable SSL; enableSSL = 1 under [http] "
            "in inputs.conf), or point the destination at the port that serves HTTPS: Logpush only sends over HTTPS.",
        )
    if isinstance(error, ssl.SSLEOFError) or "EOF" in reason:
        return _closed_in_handshake(str(error), where)
    return StepFailed(
        TLS_HANDSHAKE,
        f"{where} refused the TLS handshake ({reason or error})",
        "Check the HEC's TLS settings (sslVersions and cipherSuite under [http] in inputs.conf): it must accept "
        "TLS 1.2 or later with common cipher suites, and must not require client certificates, which Logpush "
        "does not send.",
    )


def _closed_in_handshake(detail: str, where: str) -> StepFailed:
    return StepFailed(
        TLS_HANDSHAKE,
        f"{where} closed the connection during the TLS handshake ({detail})",
        "Check that this port serves HEC over TLS and nothing else (not a load balancer without a backend, "
        "not a server that requires client certificates, which Logpush does not send).",
    )


def _chain_verdict(error: ssl.SSLCertVerificationError, leaf: x509.Certificate, trust_name: str) -> Check:
    code = error.verify_code
    issuer = name_text(leaf.issuer)
    if code in (_NOT_YET_VALID, _EXPIRED):
        # OpenSSL checks dates only once the chain is trusted. If the leaf is in date, a CA above it is not.
        if _in_date(leaf):
            state = "has expired" if code == _EXPIRED else "is not valid yet"
            return Check(
                False,
                f"a CA certificate in the chain {state} while the server's own is in date: the server must send "
                "a current intermediate, and the root must be current among the trusted CAs",
            )
        return Check(True, f"leads to a CA among {trust_name} (only the dates fail)")
    if code == _SELF_SIGNED_LEAF:
        return Check(False, f"the certificate is self-signed (its own issuer) and is not among {trust_name}")
    if code == _SELF_SIGNED_IN_CHAIN:
        names = [attribute.value for attribute in leaf.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)]
        splunk = f", {SPLUNK_DEFAULT_CA}: the CA every Splunk install ships with" if SPLUNK_DEFAULT_CA in names else ""
        return Check(False, f"the chain the server sends ends in a self-signed CA that is not among {trust_name}{splunk}")
    if code in _ISSUER_UNKNOWN:
        return Check(False, f"its issuer ({issuer}) is not among {trust_name}")
    return Check(False, f"{error.verify_message} (OpenSSL verify error {code})")



def _in_date(certificate: x509.Certificate) -> bool:
    now = datetime.datetime.now(datetime.timezone.utc)
    return certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc
