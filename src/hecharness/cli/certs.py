"""`hecharness certs`: write the certificates of every TLS mode for clients and `serve --certs-dir`."""

from __future__ import annotations

from pathlib import Path

import click

from hecharness.cli.exits import epilog
from hecharness.cli.group import main
from hecharness.errors import HecHarnessError
from hecharness.tls import CERTIFICATE_MODES, CertificateAuthority


@main.command(epilog=epilog("the certificates were written"))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Directory to write into (created if missing).")
@click.option("--name", "names", multiple=True, metavar="NAME", help="Extra host name or IP address for the certificates (repeatable).")
def certs(out: Path, names: tuple[str, ...]) -> None:
    """Write fresh certificates for every TLS mode, a CA bundle, a client certificate and GUIDE.md.

    Existing files of an earlier run are replaced; other files in the directory are left alone.
    """
    try:
        authority = CertificateAuthority(names)
    except HecHarnessError as error:
        raise click.BadParameter(str(error), param_hint="--name") from None
    try:
        files = authority.write(out)
    except OSError as error:
        raise click.BadParameter(f"cannot write to {out}: {error.strerror or error}", param_hint="--out") from None
    click.echo(f"wrote server certificates for {', '.join(CERTIFICATE_MODES)} to {files.directory}/")
    click.echo(f"CA bundle (curl --cacert, SSL_CERT_FILE, httpx/requests verify): {files.ca_bundle}")
    click.echo(f"client certificate for mutual TLS: {files.client_cert} {files.client_key}")
    click.echo(f"which file goes to which client: {files.guide}")
