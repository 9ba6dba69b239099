"""`hecharness record`: a recording proxy in front of a real HEC, writing what passes as HAR."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from hecharness.cli.exits import epilog
from hecharness.cli.group import main
from hecharness.cli.output import OutputFile
from hecharness.cli.ready import remove_ready_file, write_ready_file
from hecharness.cli.remote import http_url, verification
from hecharness.errors import HecHarnessError
from hecharness.hec.server import is_loopback
from hecharness.record import RecordingProxy
from hecharness.tls import TLS_MODES

_EXIT_CODES = epilog("stopped by Ctrl-C or SIGTERM, the ways to stop it; the capture is written then", interruptible=False)


@main.command(epilog=_EXIT_CODES)
@click.option("--upstream", required=True, metavar="URL", help="The HEC to forward to, e.g. https://splunk.example:8088.")
@click.option("--listen", default="127.0.0.1:8088", show_default=True, metavar="HOST:PORT", help="Where senders connect (port 0: any free port).")
@click.option("--out", "out", required=True, type=OutputFile(), help="The HAR file to write when stopped.")
@click.option("--cacert", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Trust the CAs in this PEM file for the upstream instead of the system's.")
@click.option("--insecure", "-k", is_flag=True, help="Do not verify the upstream's certificate.")
@click.option("--tls", default="plain", show_default=True, metavar="MODE", help=f"TLS toward senders, one of: {', '.join(TLS_MODES)}.")
@click.option("--tls-name", "tls_names", multiple=True, metavar="NAME", help="Extra host name or IP address for the proxy's certificate (repeatable).")
@click.option("--show-token", is_flag=True, help="Keep tokens in full in the capture (masked by default).")
@click.option("--ready-file", type=OutputFile(), help="Write the proxy's URL (and CA bundle) here as JSON once listening; removed when it stops.")
@click.option("--quiet", is_flag=True, help="Do not log each request.")
def record(
    upstream: str,
    listen: str,
    out: Path,
    cacert: Path | None,
    insecure: bool,
    tls: str,
    tls_names: tuple[str, ...],
    show_token: bool,
    ready_file: Path | None,
    quiet: bool,
) -> None:
    """Record what senders send to a HEC, and what it answers, as a HAR 1.2 capture.

    Point senders at the proxy instead of the HEC; each request goes upstream unchanged and its
    answer comes back unchanged. Stop with Ctrl-C to write the capture.
    """
    http_url(upstream, "--upstream")
    host, port = _listen_address(listen)
    if not is_loopback(host):
        click.secho(f"warning: listening on {host}, reachable from other machines, not only this one", fg="yellow", err=True)
    verify = verification(cacert, insecure)
    try:
        proxy = RecordingProxy(upstream, host=host, port=port, tls=tls, tls_names=tls_names, verify=verify, show_token=show_token)
    except OSError as error:
        raise click.BadParameter(error.strerror or str(error), param_hint="--listen") from None
    except HecHarnessError as error:
        raise click.BadParameter(str(error), param_hint="--tls") from None
    proxy.start()
    click.echo(f"recording proxy on {proxy.url}, forwarding to {proxy.upstream}")
    if proxy.ca_path is not None:
        click.echo(f"CA bundle: {proxy.ca_path}")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        if ready_file is not None:
            write_ready_file(ready_file, {"url": proxy.url, "upstream": proxy.upstream, "ca_bundle": str(proxy.ca_path) if proxy.ca_path else None})
        click.echo("Ctrl-C to stop and write the capture", err=True)
        seen = 0
        while not stop.wait(0.2):
            if not quiet:
                seen = _log_new(proxy, seen)
    finally:
        proxy.stop()
        if ready_file is not None:
            remove_ready_file(ready_file)
    if not quiet:
        _log_new(proxy, seen)
    written = proxy.save(out)
    click.echo(f"stopped; wrote {written} request{'s' if written != 1 else ''} to {out}", err=True)


def _listen_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or int(port) > 65535:
        raise click.BadParameter(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:8088)", param_hint="--listen")
    return host, int(port)


def _log_new(proxy: RecordingProxy, seen: int) -> int:
    entries = proxy.to_har()["log"]["entries"]
    for item in entries[seen:]:
        request, response = item["request"], item["response"]
        code = item.get("_hec", {}).get("code")
        line = f"{request['method']} {request['url']} {response['status'] or 'no answer'}"
        click.echo(line + (f" code={code}" if code is not None else "") + (f" ({item['comment']})" if "comment" in item else ""), err=True)
    return len(entries)
