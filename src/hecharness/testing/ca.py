"""One certificate authority for a whole test run, written once and read back by every process of it."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from hecharness.tls import LOCAL_NAMES, CertificateAuthority, CertificateFiles, check_names

__all__ = ["SessionCA", "session_ca"]

# The directory, under the run's temporary root, that holds the run's certificates.
DIRECTORY_NAME = "hecharness-certs"


@dataclass(frozen=True)
class SessionCA:
    """The certificates every TLS fixture of this test run serves, written once to `directory`.

    `ca_path` is the bundle to give a sender (`verify=`, `--cacert`, `SSL_CERT_FILE`);
    `ssl_context()` is a client context trusting it, with the mutual-TLS client certificate if asked.
    """

    authority: CertificateAuthority
    directory: Path

    @property
    def files(self) -> CertificateFiles:
        return CertificateFiles(self.directory)

    @property
    def ca_path(self) -> Path:
        return self.files.ca_bundle

    @property
    def names(self) -> tuple[str, ...]:
        """Host names the leaves carry besides localhost, 127.0.0.1 and ::1."""
        return self.authority.names

    def ssl_context(self, *, client_cert: bool = False) -> ssl.SSLContext:
        return self.authority.client_context(client_cert=client_cert)

    def covers(self, names: tuple[str, ...]) -> bool:
        """Whether the leaves carry every one of `names`, so a server asking for them can serve these."""
        return all(name in self.names for name in check_names(names))


def session_ca(root: str | Path, host: str) -> SessionCA:
    """The run's CA in `root`/hecharness-certs, made by the first process to ask and reused by the others.

    `root` is a directory every process of the run shares (pytest-xdist's workers each have their
    own temporary directory inside the run's); `load_or_create` writes the set once under a file lock.
    """
    directory = Path(root) / DIRECTORY_NAME
    return SessionCA(CertificateAuthority.load_or_create(directory, _extra_names(host)), directory)


def _extra_names(host: str) -> tuple[str, ...]:
    # A sender dialling a non-local listen address must find it in the certificate.
    try:
        return check_names([host]) if host not in LOCAL_NAMES else ()
    except ValueError:
        return ()
