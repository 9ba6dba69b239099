"""What a HEC's certificate says, and the three checks a sender runs on it: dates, host name, chain.

The checks are judged in the order Go's crypto/x509 runs them (dates, then the name, then the
chain), because Logpush is a Go program: its error is the one a user will see in the dashboard.
OpenSSL-based clients (curl, Python) report the chain first, so every failed check is kept, not
only the first.

Host names are matched as Go matches them: against the Subject Alternative Names only. Go stopped
reading the Common Name in 1.15, which is why Splunk's SAN-less default certificate fails even
for a client that trusts SplunkCommonCA.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from hecharness.preflight.failures import EXPIRED_CERTIFICATE, HOSTNAME_MISMATCH, UNTRUSTED_CERTIFICATE, Diagnosis

__all__ = ["Check", "CertificateFacts", "read_facts", "name_text", "check_hostname", "check_dates", "diagnose", "LAST_RESORT"]

SPLUNK_DEFAULT_CA = "SplunkCommonCA"
_SHORT_NAMES = {NameOID.EMAIL_ADDRESS: "emailAddress"}

LAST_RESORT = (
    "Only if you cannot change the certificate (Splunk Cloud does not let you) set insecure-skip-verify=true: "
    "it turns off every certificate check, not just this one, so anyone on the path could pose as your HEC "
    "and receive the logs and the token."
)


@dataclass(frozen=True, slots=True)
class Check:
    """One verdict on the certificate and the sentence that explains it."""

    ok: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "message": self.message}


@dataclass(frozen=True)
class CertificateFacts:
    """The leaf certificate a server presented, and how it fared against each check."""

    subject: str
    issuer: str
    common_name: str | None
    names: tuple[str, ...]  # Subject Alternative Names as "DNS:host" and "IP:address"
    has_san_extension: bool
    not_before: datetime.datetime
    not_after: datetime.datetime
    self_signed: bool
    tls_version: str | None
    cipher: str | None
    dates: Check
    hostname: Check
    chain: Check
    client_cert_requested: bool = False  # the server's handshake asked for one (Logpush never sends one)

    @property
    def verified(self) -> bool:
        return self.dates.ok and self.hostname.ok and self.chain.ok

    @property
    def failed_checks(self) -> list[Check]:
        """Failed checks in the order Go reports them."""
        return [check for check in (self.dates, self.hostname, self.chain) if not check.ok]

    @property
    def issued_by_splunk_default_ca(self) -> bool:
        return f"CN={SPLUNK_DEFAULT_CA}" in self.issuer.split(", ")

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "common_name": self.common_name,
            "names": list(self.names),
            "has_san_extension": self.has_san_extension,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "self_signed": self.self_signed,
            "tls_version": self.tls_version,
            "cipher": self.cipher,
            "verified": self.verified,
            "checks": {"dates": self.dates.to_dict(), "hostname": self.hostname.to_dict(), "chain": self.chain.to_dict()},
        }


def read_facts(
    der: bytes,
    *,
    host: str,
    chain: Check,
    tls_version: str | None = None,
    cipher: str | None = None,
    now: datetime.datetime | None = None,
) -> CertificateFacts:
    """Facts about a DER certificate as dialled at `host`; `chain` is the TLS library's verdict."""
    certificate = x509.load_der_x509_certificate(der)
    dns, ips, has_san = _alternative_names(certificate)
    return CertificateFacts(
        subject=name_text(certificate.subject),
        issuer=name_text(certificate.issuer),
        common_name=_common_name(certificate),
        names=tuple([f"DNS:{name}" for name in dns] + [f"IP:{address}" for address in ips]),
        has_san_extension=has_san,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        self_signed=certificate.subject == certificate.issuer,
        tls_version=tls_version,
        cipher=cipher,
        dates=check_dates(certificate, now or datetime.datetime.now(datetime.timezone.utc)),
        hostname=check_hostname(certificate, host),
        chain=chain,
    )


def check_dates(certificate: x509.Certificate, now: datetime.datetime) -> Check:
    not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if now < not_before:
        return Check(False, f"is not valid until {_when(not_before)} ({(not_before - now).days} days from now)")
    if now > not_after:
        return Check(False, f"expired on {_when(not_after)} ({(now - not_after).days} days ago)")
    return Check(True, f"valid until {_when(not_after)} ({(not_after - now).days} days left)")


def check_hostname(certificate: x509.Certificate, host: str) -> Check:
    """Go's rule: the host must match a DNS or IP Subject Alternative Name; the Common Name is ignored."""
    dns, ips, has_san = _alternative_names(certificate)
    common_name = _common_name(certificate)
    address = _ip(host)
    if not has_san:
        if address is None and common_name and _dns_matches(common_name, host):
            return Check(
                False,
                f"{host} is only in the Common Name and the certificate has no Subject Alternative Names; "
                "Go clients such as Logpush have ignored the Common Name since Go 1.15",
            )
        return Check(
            False,
            f"the certificate is valid for {common_name or 'no names'} (its Common Name only: it has no "
            f"Subject Alternative Names), not {host}",
        )
    if address is not None:
        matched = address in ips
    else:
        matched = any(_dns_matches(pattern, host) for pattern in dns)
    if matched:
        return Check(True, f"valid for {host}")
    valid_for = ", ".join([*dns, *(str(ip) for ip in ips)]) or "no names"
    return Check(False, f"the certificate is valid for {valid_for}, not {host}")


def diagnose(facts: CertificateFacts, host: str, *, cafile_hint: str) -> Diagnosis | None:
    """The failure a Go sender would report first, with the other failed checks named after it."""
    failed = facts.failed_checks
    if not failed:
        return None
    first, others = failed[0], failed[1:]
    also = "".join(f"; also, {_sentence_for(facts, check)}" for check in others)
    if first is facts.dates:
        fix = (
            "Renew the HEC's certificate (serverCert under [http] in inputs.conf) before anything else, "
            "and check that the clocks of the HEC host and of the sender are right."
        )
        return Diagnosis(EXPIRED_CERTIFICATE, f"the certificate {first.message}{also}", fix)
    if first is facts.hostname:
        kind = "IP" if _ip(host) is not None else "DNS"
        fix = (
            f"Reissue the certificate with {kind}:{host} among its Subject Alternative Names (a Common Name "
            f"alone is not enough), or point the destination at a name the certificate is valid for. {LAST_RESORT}"
        )
        return Diagnosis(HOSTNAME_MISMATCH, f"{first.message}{also}", fix)
    if facts.issued_by_splunk_default_ca:
        start = (
            "Replace Splunk's default certificate (serverCert under [http] in inputs.conf) with one issued "
            "by a CA the sender trusts."
        )
    else:
        start = "Serve a certificate issued by a CA the sender trusts."
    fix = (
        f"{start} Logpush cannot be given a CA file, so for Logpush that means a publicly trusted CA; "
        f"to run this check against your own CA, {cafile_hint}. {LAST_RESORT}"
    )
    return Diagnosis(UNTRUSTED_CERTIFICATE, f"the certificate chain does not verify: {first.message}{also}", fix)


def _sentence_for(facts: CertificateFacts, check: Check) -> str:
    if check is facts.dates:
        return f"the certificate {check.message}"
    if check is facts.chain:
        return f"the chain does not verify: {check.message}"
    return check.message


def _alternative_names(certificate: x509.Certificate) -> tuple[list[str], list[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return [], [], False
    names = extension.value
    return names.get_values_for_type(x509.DNSName), names.get_values_for_type(x509.IPAddress), True


def name_text(name: x509.Name) -> str:
    """The name in the order the certificate holds it, as openssl prints it: `O=SplunkUser, CN=SplunkServerDefaultCert`."""
    return ", ".join(attribute.rfc4514_string(_SHORT_NAMES) for attribute in name)


def _common_name(certificate: x509.Certificate) -> str | None:
    attributes = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attributes:
        return None
    value = attributes[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _dns_matches(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern == host:
        return True
    # A wildcard stands for exactly one whole leftmost label, as in Go and RFC 6125.
    if not pattern.startswith("*."):
        return False
    label, dot, rest = host.partition(".")
    return bool(label) and bool(dot) and rest == pattern[2:]


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _when(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
