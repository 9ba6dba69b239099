"""Certificates for the TLS modes a HEC sender meets in the field.

    authority = CertificateAuthority(names=["hec.internal"])
    server_ctx = authority.server_context("splunk-default")
    client_ctx = authority.client_context()        # trusts every mode's CA
    files = authority.write("certs/")              # PEM files plus GUIDE.md

Modes:

- `valid`: leaf signed by the hecharness test CA, SANs for localhost, 127.0.0.1, ::1 and any extra names.
- `self-signed`: a leaf that is its own issuer (the same names).
- `splunk-default`: what a fresh Splunk install serves: `CN=SplunkServerDefaultCert, O=SplunkUser`,
  no SAN extension, issued by `SplunkCommonCA`, and the CA sent along with the leaf.
- `mismatched-name`: test-CA-signed, SAN `SplunkServerDefaultCert` only.
- `expired`: test-CA-signed, the valid names, validity entirely in the past.
- `plain`: no TLS at all.

TLS profiles pick the protocol versions and TLS 1.2 ciphers the server accepts, as splunkd's
defaults for each release set them (`TLS_PROFILES`; see `TLSProfile`).

trustme makes the test CA and the leaves it can express; `cryptography` (trustme's own
foundation) makes the rest: the Splunk CA with its exact subject, the SAN-less Splunk leaf, and the
self-signed leaf.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import re
import secrets
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hecharness.errors import InvalidArgument

__all__ = [
    "TLS_MODES",
    "TLS_PROFILES",
    "DEFAULT_TLS_PROFILE",
    "TLSProfile",
    "AlertingContext",
    "AlertingSSLObject",
    "CERTIFICATE_MODES",
    "LOCAL_NAMES",
    "parse_modes",
    "ServerCertificate",
    "ClientCertificate",
    "CertificateAuthority",
    "CertificateFiles",
]

TLS_MODES: tuple[str, ...] = ("valid", "self-signed", "splunk-default", "mismatched-name", "expired", "plain")
CERTIFICATE_MODES: tuple[str, ...] = tuple(mode for mode in TLS_MODES if mode != "plain")
LOCAL_NAMES: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")

SPLUNK_LEAF_NAME = "SplunkServerDefaultCert"
EXPIRED_NOT_BEFORE = datetime.datetime(2019, 1, 1, tzinfo=datetime.timezone.utc)
EXPIRED_NOT_AFTER = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)

_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"(\*\.)?{_LABEL}(\.{_LABEL})*")


@dataclass(frozen=True)
class TLSProfile:
    """The TLS versions and TLS 1.2 cipher suites a server accepts, as one Splunk release ships them.

    TLS 1.3 suites are OpenSSL's (Python's `ssl` cannot choose them), and so are the key-exchange
    groups: splunkd's `ecdhCurves` default (prime256v1, secp384r1, secp521r1) is not applied.
    """

    name: str
    minimum: ssl.TLSVersion
    maximum: ssl.TLSVersion
    ciphers: str  # OpenSSL names, as splunkd's cipherSuite writes them; OpenSSL skips those it lacks
    source: str

    def apply(self, context: ssl.SSLContext) -> None:
        context.minimum_version = self.minimum
        context.maximum_version = self.maximum
        context.set_ciphers(self.ciphers)


_ECDHE_SUITES = (
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:"
    "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256"
)

TLS_PROFILES: dict[str, TLSProfile] = {
    profile.name: profile
    for profile in (
        TLSProfile(
            "splunk-10.4",
            ssl.TLSVersion.TLSv1_2,
            ssl.TLSVersion.TLSv1_3,
            _ECDHE_SUITES,
            "Splunk docs, 'About TLS encryption and cipher suites' (10.4.0 and higher): inputs.conf "
            "sslVersions = tls1.2,tls1.3 and ECDHE-only cipherSuite; TLS 1.0 and 1.1 off by default",
        ),
        TLSProfile(
            "splunk-10.2",
            ssl.TLSVersion.TLSv1_2,
            ssl.TLSVersion.TLSv1_2,
            # server.conf [sslConfig], which HEC shares: the ECDHE suites, then static ECDH and the
            # RSA key-exchange suites Splunk kept for the KV store (OpenSSL 3 has no static ECDH).
            _ECDHE_SUITES + ":ECDH-ECDSA-AES256-GCM-SHA384:ECDH-ECDSA-AES128-GCM-SHA256:"
            "ECDH-ECDSA-AES128-SHA256:AES256-GCM-SHA384:AES128-GCM-SHA256:AES128-SHA256",
            "etc/system/default/server.conf [sslConfig] (8.2.12): sslVersions = tls1.2 and its cipherSuite; "
            "TLS 1.2 is the only version up to 10.2 (Splunk docs, 'Configure TLS protocol version support')",
        ),
    )
}
DEFAULT_TLS_PROFILE = "splunk-10.4"


class AlertingSSLObject(ssl.SSLObject):
    """A server's side of a TLS connection whose failed handshake still sends its alert, as OpenSSL servers do.

    asyncio's and uvloop's TLS layers close the socket the moment a handshake fails, dropping the
    alert OpenSSL wrote (protocol_version, certificate_required, handshake_failure): the client then
    reports an EOF instead of the server's reason. Here the failure waits one round: the loop sends
    what is pending, the alert with it, and the connection ends when the client hangs up or sends
    more. A failure with no alert to send (a plain HTTP request, say) still ends it at once, and so
    does one where `send_alert` was turned off (a fault that means to drop the handshake).
    """

    send_alert = True
    outgoing: ssl.MemoryBIO | None = None
    _failure: ssl.SSLError | None = None

    def do_handshake(self) -> None:
        if self._failure is not None:
            raise self._failure
        try:
            super().do_handshake()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            raise
        except ssl.SSLError as error:
            if not self.send_alert or self.outgoing is None or not self.outgoing.pending:
                raise
            self._failure = error
            raise ssl.SSLWantReadError("the handshake failed; its alert goes out first") from error


class AlertingContext(ssl.SSLContext):
    """A server context whose connections send the alert of a failed handshake (`AlertingSSLObject`)."""

    sslobject_class = AlertingSSLObject

    def wrap_bio(self, incoming, outgoing, server_side=False, server_hostname=None, session=None):  # type: ignore[no-untyped-def]
        sslobject = super().wrap_bio(incoming, outgoing, server_side, server_hostname, session)
        sslobject.outgoing = outgoing
        return sslobject


def parse_modes(modes: str | Iterable[str]) -> tuple[str, ...]:
    """`"valid,expired"` or `["valid", "expired"]` -> `("valid", "expired")`, refusing unknown or repeated modes."""
    items = modes.split(",") if isinstance(modes, str) else list(modes)
    parsed: list[str] = []
    for item in (m.strip() for m in items):
        if item not in TLS_MODES:
            raise InvalidArgument(f"unknown TLS mode {item!r}; choose from {', '.join(TLS_MODES)}")
        if item in parsed:
            raise InvalidArgument(f"TLS mode {item!r} is given twice")
        parsed.append(item)
    if not parsed:
        raise InvalidArgument(f"no TLS mode given; choose from {', '.join(TLS_MODES)}")
    return tuple(parsed)


def check_names(names: Iterable[str]) -> tuple[str, ...]:
    """Extra host names or IP addresses for the leaves, in canonical form, without repeats or the local names."""
    checked: list[str] = []
    for name in names:
        canonical = _canonical_host(name)
        if canonical is None:
            raise InvalidArgument(f"not a host name or IP address: {name!r}")
        if canonical not in LOCAL_NAMES and canonical not in checked:
            checked.append(canonical)
    return tuple(checked)


def _canonical_host(name: str) -> str | None:
    # Names as certificates store them: DNS names lower-case (trustme writes them so), IPs compressed.
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        lowered = name.lower()
        return lowered if len(lowered) <= 253 and _HOSTNAME.fullmatch(lowered) else None


@dataclass(frozen=True)
class ServerCertificate:
    """What the collector presents in one mode, and what a client must trust to accept its chain."""

    mode: str
    chain_pem: bytes  # the leaf first, then whatever else the server sends
    key_pem: bytes
    ca_pem: bytes

    def configure_cert(self, context: ssl.SSLContext) -> None:
        _load_cert_chain(context, self.chain_pem, self.key_pem)


@dataclass(frozen=True)
class ClientCertificate:
    """A certificate for mutual TLS, issued by the hecharness test CA."""

    cert_pem: bytes
    key_pem: bytes

    def configure_cert(self, context: ssl.SSLContext) -> None:
        _load_cert_chain(context, self.cert_pem, self.key_pem)


@dataclass(frozen=True)
class CertificateFiles:
    """Where `CertificateAuthority.write()` puts each file."""

    directory: Path

    @property
    def ca_bundle(self) -> Path:
        return self.directory / "ca-bundle.pem"

    @property
    def client_cert(self) -> Path:
        return self.directory / "client.pem"

    @property
    def client_key(self) -> Path:
        return self.directory / "client.key"

    @property
    def guide(self) -> Path:
        return self.directory / "GUIDE.md"

    def chain(self, mode: str) -> Path:
        return self.directory / _certificate_mode(mode) / "server.pem"

    def key(self, mode: str) -> Path:
        return self.directory / _certificate_mode(mode) / "server.key"

    def ca(self, mode: str) -> Path:
        return self.directory / _certificate_mode(mode) / "ca.pem"

    def all(self) -> list[Path]:
        paths = [self.ca_bundle, self.client_cert, self.client_key]
        for mode in CERTIFICATE_MODES:
            paths += [self.chain(mode), self.key(mode), self.ca(mode)]
        return paths


class CertificateAuthority:
    """The test CAs and one server certificate per mode, made fresh or read back from a directory.

    `names` are host names or IP addresses to add to the `valid`, `self-signed` and `expired`
    leaves next to localhost, 127.0.0.1 and ::1.
    """

    names: tuple[str, ...]
    ca_pem: bytes  # the hecharness test CA: issuer of valid, mismatched-name, expired and the client certificate
    client_certificate: ClientCertificate

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = check_names(names)
        run_id = secrets.token_hex(3)  # two runs' CAs must not share a subject, or trust stores mix them up
        test_ca = trustme.CA(organization_name="hecharness", organization_unit_name=f"hecharness test CA {run_id}")
        local = (*LOCAL_NAMES, *self.names)
        self.ca_pem = test_ca.cert_pem.bytes()
        self._servers = {
            "valid": _issued("valid", test_ca, test_ca.issue_cert(*local, common_name="localhost", organization_name="hecharness")),
            "self-signed": _self_signed(local, run_id),
            "splunk-default": _splunk_default(),
            "mismatched-name": _mismatched_name(test_ca),
            "expired": _issued(
                "expired",
                test_ca,
                test_ca.issue_cert(
                    *local,
                    common_name="localhost",
                    organization_name="hecharness",
                    not_before=EXPIRED_NOT_BEFORE,
                    not_after=EXPIRED_NOT_AFTER,
                ),
            ),
        }
        client = test_ca.issue_cert("hecharness-client", common_name="hecharness-client", organization_name="hecharness")
        self.client_certificate = ClientCertificate(client.cert_chain_pems[0].bytes(), client.private_key_pem.bytes())

    # -- reading ----------------------------------------------------------------------------------

    def server_certificate(self, mode: str) -> ServerCertificate:
        return self._servers[_certificate_mode(mode)]

    @property
    def ca_bundle_pem(self) -> bytes:
        """Every CA any mode needs: trust this and only name and expiry problems remain."""
        pems: list[bytes] = []
        for mode in CERTIFICATE_MODES:
            pem = self._servers[mode].ca_pem
            if pem not in pems:
                pems.append(pem)
        return b"".join(pems)

    def server_context(self, mode: str, *, require_client_cert: bool = False) -> ssl.SSLContext:
        """A server-side context presenting `mode`'s chain; optionally demanding a test-CA client cert."""
        context = AlertingContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_certificate(mode).configure_cert(context)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cadata=self.ca_pem.decode("ascii"))
        return context

    def client_context(self, *, client_cert: bool = False) -> ssl.SSLContext:
        """A client context trusting `ca_bundle_pem`, with the mutual-TLS certificate if asked."""
        context = ssl.create_default_context(cadata=self.ca_bundle_pem.decode("ascii"))
        if client_cert:
            self.client_certificate.configure_cert(context)
        return context

    # -- files --------------------------------------------------------------------------------------

    def write(self, directory: str | os.PathLike[str]) -> CertificateFiles:
        """Write every mode's files, the CA bundle, the client certificate and GUIDE.md.

        Private keys are written 0600. The CAs' own keys are never written: whoever trusts
        `ca-bundle.pem` trusts only the certificates made here, not anything made later.
        """
        files = CertificateFiles(Path(directory))
        _write(files.client_cert, self.client_certificate.cert_pem)
        _write(files.client_key, self.client_certificate.key_pem, private=True)
        for mode, server in self._servers.items():
            _write(files.chain(mode), server.chain_pem)
            _write(files.key(mode), server.key_pem, private=True)
            _write(files.ca(mode), server.ca_pem)
        _write(files.guide, _guide(files, self.names).encode("utf-8"))
        _write(files.ca_bundle, self.ca_bundle_pem)  # last: its presence tells `load_or_create` a set is complete
        return files

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> CertificateAuthority:
        """Read back what `write()` put in `directory`, so clients that trust it keep working."""
        files = CertificateFiles(Path(directory))
        for path in files.all():
            if not path.is_file():
                raise FileNotFoundError(f"{path} is missing; write a full set with `hecharness certs --out {files.directory}`")
        authority = cls.__new__(cls)
        authority.ca_pem = files.ca("valid").read_bytes()
        authority._servers = {}
        for mode in CERTIFICATE_MODES:
            chain, key = files.chain(mode).read_bytes(), files.key(mode).read_bytes()
            _check_key_matches(files.chain(mode), chain, files.key(mode), key)
            authority._servers[mode] = ServerCertificate(mode, chain, key, files.ca(mode).read_bytes())
        client_cert, client_key = files.client_cert.read_bytes(), files.client_key.read_bytes()
        _check_key_matches(files.client_cert, client_cert, files.client_key, client_key)
        authority.client_certificate = ClientCertificate(client_cert, client_key)
        valid_names = _san_names(authority._servers["valid"].chain_pem)
        authority.names = tuple(name for name in valid_names if name not in LOCAL_NAMES)
        return authority

    @classmethod
    def load_or_create(cls, directory: str | os.PathLike[str], names: Iterable[str] = ()) -> CertificateAuthority:
        """Reuse the set in `directory` if there is one (it must cover `names`), else make and write one."""
        directory = Path(directory)
        wanted = check_names(names)
        directory.mkdir(parents=True, exist_ok=True)
        with _exclusive(directory / ".lock"):  # parallel test workers sharing a directory write it once
            if not CertificateFiles(directory).ca_bundle.exists():
                authority = cls(wanted)
                authority.write(directory)
                return authority
            authority = cls.load(directory)
        missing = [name for name in wanted if name not in authority.names]
        if missing:
            options = " ".join(f"--name {name}" for name in check_names((*authority.names, *wanted)))
            raise InvalidArgument(
                f"{CertificateFiles(directory).chain('valid')} does not cover {missing[0]!r}; "
                f"write a new set with `hecharness certs --out {directory} {options}`"
            )
        return authority


# -- making certificates ----------------------------------------------------------------------------


def _certificate_mode(mode: str) -> str:
    if mode not in CERTIFICATE_MODES:
        raise InvalidArgument(f"TLS mode {mode!r} has no certificate; choose from {', '.join(CERTIFICATE_MODES)}")
    return mode


def _issued(mode: str, ca: trustme.CA, leaf: trustme.LeafCert) -> ServerCertificate:
    # A server normally sends only its leaf; the client is expected to hold the root already.
    return ServerCertificate(mode, leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes(), ca.cert_pem.bytes())


def _mismatched_name(ca: trustme.CA) -> ServerCertificate:
    # trustme lower-cases DNS names; Go quotes the SAN back verbatim ("valid for SplunkServerDefaultCert,
    # not <host>"), so this leaf is signed here with the test CA's key to keep the capitals.
    ca_certificate = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    ca_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_splunk_leaf_name())
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(days=1))
        .not_valid_after(_now() + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(SPLUNK_LEAF_NAME)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    return ServerCertificate("mismatched-name", pem, _key_pem(key), ca.cert_pem.bytes())


def _splunk_leaf_name() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, SPLUNK_LEAF_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SplunkUser"),
        ]
    )


def _self_signed(names: tuple[str, ...], run_id: str) -> ServerCertificate:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hecharness"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"hecharness self-signed {run_id}"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    return ServerCertificate("self-signed", pem, _key_pem(key), pem)


def _splunk_default() -> ServerCertificate:
    # Splunk's CA and leaf are RSA; old installs used 1024-bit keys and SHA-1, which OpenSSL 3 refuses
    # outright ("ee key too small"), hiding the errors worth reproducing, so 2048 bits and SHA-256.
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "CA"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "San Francisco"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Splunk"),
            x509.NameAttribute(NameOID.COMMON_NAME, "SplunkCommonCA"),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "support@splunk.com"),
        ]
    )
    now = _now()
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(ca_ski, critical=False)
        .add_extension(_CA_KEY_USAGE, critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    # Splunk's leaf is X.509 v1: no extensions at all, so no SANs. cryptography only writes v3, and
    # strict verifiers (Python 3.13's default) reject a v3 leaf without an authority key identifier,
    # or a CA without key usage, before they ever look at names; both keep them on the error that matters.
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_splunk_leaf_name())
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3 * 365))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    chain = leaf.public_bytes(serialization.Encoding.PEM) + ca_pem  # splunkd sends its CA along
    return ServerCertificate("splunk-default", chain, _key_pem(leaf_key), ca_pem)


_CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _san_names(chain_pem: bytes) -> tuple[str, ...]:
    leaf = x509.load_pem_x509_certificate(chain_pem)
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(str(name.value) for name in san)


def _key_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _check_key_matches(cert_path: Path, cert_pem: bytes, key_path: Path, key_pem: bytes) -> None:
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        certificate = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as error:
        raise InvalidArgument(f"cannot read {cert_path} or {key_path}: {error}") from None
    if key.public_key() != certificate.public_key():
        raise InvalidArgument(f"{key_path} is not the key of {cert_path}")


def _load_cert_chain(context: ssl.SSLContext, cert_pem: bytes, key_pem: bytes) -> None:
    # SSLContext reads certificates only from files.
    with trustme.Blob(cert_pem + key_pem).tempfile() as path:
        context.load_cert_chain(path)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)  # a reader never sees half a key


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one writer per directory is then up to the caller
        yield
        return
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _guide(files: CertificateFiles, names: tuple[str, ...]) -> str:
    d = files.directory
    extra = f" and {', '.join(names)}" if names else ""
    return f"""\
# TLS material for hecharness

Generated by hecharness; do not commit. `hecharness serve --tls MODES --certs-dir {d}` serves
exactly these certificates, so a client set up with them keeps working across restarts.

## Files

| File | What it is |
|---|---|
| `ca-bundle.pem` | every certificate a client must trust for any mode below; give this to a client and only name and expiry problems remain |
| `<mode>/ca.pem` | the one certificate a client must trust for that mode |
| `<mode>/server.pem` | the chain the collector sends in that mode, leaf first |
| `<mode>/server.key` | its private key (mode 0600) |
| `client.pem`, `client.key` | a client certificate for mutual TLS (`serve --client-cert-required`), issued by the hecharness test CA |

| Mode | Server certificate |
|---|---|
| `valid` | signed by the hecharness test CA; names localhost, 127.0.0.1, ::1{extra} |
| `self-signed` | its own issuer; same names; `self-signed/ca.pem` is the certificate itself |
| `splunk-default` | `CN=SplunkServerDefaultCert, O=SplunkUser`, no SANs, issued by `SplunkCommonCA`, which is sent too |
| `mismatched-name` | signed by the hecharness test CA; its only name is `SplunkServerDefaultCert` |
| `expired` | signed by the hecharness test CA; valid names; expired {EXPIRED_NOT_AFTER:%Y-%m-%d} |

The CAs' private keys are not kept: trusting `ca-bundle.pem` trusts these certificates and no others.

## Which file goes to which client

| Client | Trust the CA | Mutual TLS |
|---|---|---|
| curl | `--cacert {files.ca_bundle}` (or `CURL_CA_BUNDLE`) | `--cert {files.client_cert} --key {files.client_key}` |
| httpx | `verify=ssl.create_default_context(cafile="{files.ca_bundle}")` | `context.load_cert_chain("{files.client_cert}", "{files.client_key}")` |
| requests | `verify="{files.ca_bundle}"` (or `REQUESTS_CA_BUNDLE`) | `cert=("{files.client_cert}", "{files.client_key}")` |
| Python `ssl` | `ssl.create_default_context(cafile="{files.ca_bundle}")` | `context.load_cert_chain(...)` as for httpx |
| Go, OpenSSL tools, httpx (trust_env) | `SSL_CERT_FILE={files.ca_bundle}` (Go reads it on Linux, not macOS) | `tls.LoadX509KeyPair` / `-cert`, `-key` |
| openssl s_client | `-CAfile {files.ca_bundle} -verify_return_error` | `-cert {files.client_cert} -key {files.client_key}` |

`SSL_CERT_FILE` replaces the system store for that process: public HTTPS then fails in it.
"""
