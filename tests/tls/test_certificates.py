"""The certificate authority: what each mode's certificate holds, and how the files are written and read back."""

from __future__ import annotations

import datetime
import ssl
import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from hecharness.tls import (
    CERTIFICATE_MODES,
    TLS_MODES,
    CertificateAuthority,
    CertificateFiles,
    parse_modes,
)


@pytest.fixture(scope="module")
def authority() -> CertificateAuthority:
    return CertificateAuthority(names=["hec.example", "10.9.8.7"])


def certificates(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem)


def sans(certificate: x509.Certificate) -> list[str] | None:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return None
    return [str(name.value) for name in extension.value]


def test_valid_names_localhost_loopbacks_and_extra_names(authority):
    [leaf] = certificates(authority.server_certificate("valid").chain_pem)
    assert sans(leaf) == ["localhost", "127.0.0.1", "::1", "hec.example", "10.9.8.7"]
    [ca] = certificates(authority.server_certificate("valid").ca_pem)
    assert leaf.issuer == ca.subject != leaf.subject


def test_self_signed_is_its_own_issuer_and_its_own_trust_anchor(authority):
    server = authority.server_certificate("self-signed")
    [leaf] = certificates(server.chain_pem)
    assert leaf.issuer == leaf.subject
    assert server.ca_pem == server.chain_pem
    assert sans(leaf) == ["localhost", "127.0.0.1", "::1", "hec.example", "10.9.8.7"]
    leaf.verify_directly_issued_by(leaf)


def test_splunk_default_looks_like_a_fresh_splunk_install(authority):
    server = authority.server_certificate("splunk-default")
    leaf, ca = certificates(server.chain_pem)  # the CA travels with the leaf
    assert leaf.subject.rfc4514_string() == "O=SplunkUser,CN=SplunkServerDefaultCert"
    assert ca.subject.rfc4514_string() == (
        "1.2.840.113549.1.9.1=support@splunk.com,CN=SplunkCommonCA,O=Splunk,L=San Francisco,ST=CA,C=US"
    )
    assert [a.oid for a in ca.subject] == [
        NameOID.COUNTRY_NAME,
        NameOID.STATE_OR_PROVINCE_NAME,
        NameOID.LOCALITY_NAME,
        NameOID.ORGANIZATION_NAME,
        NameOID.COMMON_NAME,
        NameOID.EMAIL_ADDRESS,
    ]
    assert leaf.issuer == ca.subject == ca.issuer
    assert sans(leaf) is None
    assert certificates(server.ca_pem) == [ca]
    leaf.verify_directly_issued_by(ca)


def test_mismatched_name_carries_only_the_splunk_name_with_its_capitals(authority):
    [leaf] = certificates(authority.server_certificate("mismatched-name").chain_pem)
    assert sans(leaf) == ["SplunkServerDefaultCert"]
    [ca] = certificates(authority.ca_pem)
    leaf.verify_directly_issued_by(ca)


def test_expired_ended_before_now_and_began_before_it_ended(authority):
    [leaf] = certificates(authority.server_certificate("expired").chain_pem)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert leaf.not_valid_before_utc < leaf.not_valid_after_utc < now
    assert sans(leaf) == ["localhost", "127.0.0.1", "::1", "hec.example", "10.9.8.7"]


def test_client_certificate_is_issued_by_the_test_ca_for_client_auth(authority):
    [leaf] = certificates(authority.client_certificate.cert_pem)
    [ca] = certificates(authority.ca_pem)
    leaf.verify_directly_issued_by(ca)
    usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH in usages


def test_bundle_holds_each_ca_once(authority):
    bundle = certificates(authority.ca_bundle_pem)
    wanted = {c.subject for mode in CERTIFICATE_MODES for c in certificates(authority.server_certificate(mode).ca_pem)}
    assert len(bundle) == len(wanted) == 3


def test_two_authorities_do_not_share_a_ca_subject():
    first, second = CertificateAuthority(), CertificateAuthority()
    assert certificates(first.ca_pem)[0].subject != certificates(second.ca_pem)[0].subject


def test_server_context_presents_the_mode_and_can_demand_client_certificates(authority):
    assert authority.server_context("valid").verify_mode == ssl.CERT_NONE
    assert authority.server_context("expired", require_client_cert=True).verify_mode == ssl.CERT_REQUIRED
    with pytest.raises(ValueError, match="TLS mode 'plain' has no certificate"):
        authority.server_context("plain")


@pytest.mark.parametrize(
    ("given", "parsed"),
    [("valid", ("valid",)), ("plain, expired", ("plain", "expired")), (list(TLS_MODES), TLS_MODES)],
)
def test_parse_modes(given, parsed):
    assert parse_modes(given) == parsed


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("valid,selfsigned", "unknown TLS mode 'selfsigned'; choose from valid, self-signed, splunk-default"),
        ("valid,valid", "TLS mode 'valid' is given twice"),
        ([], "no TLS mode given"),
    ],
)
def test_parse_modes_names_the_bad_mode(given, message):
    with pytest.raises(ValueError, match=message):
        parse_modes(given)


@pytest.mark.parametrize("bad", ["two words", "under_score.example", "hec.example.", "-leading.dash", "", "a" * 64 + ".example"])
def test_bad_extra_names_are_refused_by_name(bad):
    with pytest.raises(ValueError) as error:
        CertificateAuthority(names=[bad])
    assert str(error.value) == f"not a host name or IP address: {bad!r}"


def test_names_are_canonical_and_not_repeated():
    names = ["localhost", "HEC.example", "hec.example", "::0001", "*.logs.example", "10.0.0.1"]
    assert CertificateAuthority(names=names).names == ("hec.example", "*.logs.example", "10.0.0.1")


# -- files ------------------------------------------------------------------------------------------


def test_write_puts_keys_0600_and_everything_else_readable(authority, tmp_path):
    files = authority.write(tmp_path / "certs")
    for path in files.all() + [files.guide]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.suffix == ".key":
            assert mode == 0o600, path
        else:
            assert mode == 0o644, path
    assert files.chain("splunk-default").read_bytes() == authority.server_certificate("splunk-default").chain_pem
    assert files.ca_bundle.read_bytes() == authority.ca_bundle_pem
    assert not list(tmp_path.rglob("*.tmp"))


def test_write_leaves_other_files_alone(authority, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("committed\n")
    authority.write(tmp_path)
    assert readme.read_text() == "committed\n"
    guide = (tmp_path / "GUIDE.md").read_text()
    assert f"--cacert {tmp_path}/ca-bundle.pem" in guide
    assert "SSL_CERT_FILE" in guide and "hec.example" in guide


def test_load_reads_back_what_write_wrote(authority, tmp_path):
    authority.write(tmp_path)
    loaded = CertificateAuthority.load(tmp_path)
    assert loaded.names == authority.names
    assert loaded.ca_pem == authority.ca_pem
    assert loaded.ca_bundle_pem == authority.ca_bundle_pem
    assert loaded.client_certificate == authority.client_certificate
    for mode in CERTIFICATE_MODES:
        assert loaded.server_certificate(mode) == authority.server_certificate(mode)


def test_load_names_the_missing_file(authority, tmp_path):
    files = authority.write(tmp_path)
    files.key("expired").unlink()
    with pytest.raises(FileNotFoundError, match=f"{files.key('expired')} is missing; write a full set"):
        CertificateAuthority.load(tmp_path)


def test_load_refuses_a_key_of_another_certificate(authority, tmp_path):
    files = authority.write(tmp_path)
    files.key("valid").write_bytes(files.key("expired").read_bytes())
    with pytest.raises(ValueError, match=f"{files.key('valid')} is not the key of {files.chain('valid')}"):
        CertificateAuthority.load(tmp_path)


def test_load_or_create_writes_once_then_reuses(tmp_path):
    first = CertificateAuthority.load_or_create(tmp_path / "shared", ["hec.example"])
    again = CertificateAuthority.load_or_create(tmp_path / "shared", ["hec.example"])
    fewer = CertificateAuthority.load_or_create(tmp_path / "shared")
    assert first.ca_bundle_pem == again.ca_bundle_pem == fewer.ca_bundle_pem
    assert CertificateFiles(tmp_path / "shared").ca_bundle.read_bytes() == first.ca_bundle_pem


def test_load_or_create_refuses_names_the_set_lacks(tmp_path):
    CertificateAuthority.load_or_create(tmp_path, ["hec.example"])
    with pytest.raises(ValueError) as error:
        CertificateAuthority.load_or_create(tmp_path, ["other.example"])
    assert str(error.value) == (
        f"{tmp_path}/valid/server.pem does not cover 'other.example'; write a new set with "
        f"`hecharness certs --out {tmp_path} --name hec.example --name other.example`"
    )
