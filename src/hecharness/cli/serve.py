"""`hecharness serve`: run the fake HEC until Ctrl-C or SIGTERM."""

from __future__ import annotations

import errno
import logging
import signal
import threading
from pathlib import Path

import click

from hecharness.cli.exits import epilog
from hecharness.cli.group import main
from hecharness.cli.output import OutputFile
from hecharness.cli.ready import remove_ready_file, write_ready_file
from hecharness.errors import HecHarnessError
from hecharness.faults import Fault, FaultSpecError, load_plan, parse_fault
from hecharness.hec import FakeHEC, HECSettings, Token
from hecharness.hec.cluster import POLICY_NAMES, Restart, parse_restart
from hecharness.hec.cluster.balancing import DEFAULT_COOKIE, FALLBACK_NAMES, UNAVAILABLE_STATUSES
from hecharness.hec.config import ConfigError, load_config
from hecharness.hec.batches import RequestRecord
from hecharness.hec.server import is_loopback
from hecharness.hec.settings import FLAVORS, RAW_SPLIT_MODES
from hecharness.hec.tokens import new_token_value
from hecharness.masking import mask_token
from hecharness.tls import TLS_MODES, TLS_PROFILES, parse_modes
from hecharness.workers import ACK_LEDGERS, SHARED_LEDGER, FakeHECWorkers

_EXIT_CODES = epilog(
    "stopped by Ctrl-C or SIGTERM, the ways to stop it",
    (1, "a worker ended on its own (--workers): the rest no longer answer as one HEC, so serve stops"),
    interruptible=False,
)


@main.command(epilog=_EXIT_CODES)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8088, show_default=True, type=click.IntRange(0, 65535), help="HEC port (0: any free port).")
@click.option("--admin-port", default=0, show_default=True, type=click.IntRange(0, 65535), help="Admin API port (0: any free port).")
@click.option("--no-admin", is_flag=True, help="Do not start the admin API.")
@click.option("--admin-token", default=None, help="Require 'Authorization: Bearer <this>' on the admin API.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="TOML file with [[tokens]] and server settings.")
@click.option("--token", "token_values", multiple=True, help="Accept this token (repeatable). Default: make one up.")
@click.option("--ack/--no-ack", default=False, help="Turn indexer acknowledgement on for --token tokens.")
@click.option("--raw-split", type=click.Choice(RAW_SPLIT_MODES), default=None, help="How /raw bodies become events.")
@click.option("--max-content-length", type=click.IntRange(1), default=None, help="Largest body accepted (bytes).")
@click.option("--max-events", type=click.IntRange(0), default=None, help="Events kept in the journal; counters stay exact.")
@click.option("--count-only", is_flag=True, default=None, help="Keep counters only (for load runs).")
@click.option("--index", "indexes", multiple=True, metavar="NAME", help="An index the server has besides Splunk's own and the tokens' (repeatable; '*' for any).")
@click.option("--flavor", type=click.Choice(FLAVORS), default=None, help="Answer like Splunk Enterprise or Splunk Cloud.")
@click.option("--keep-alive-idle-timeout", type=float, default=None, metavar="SECONDS", help="Close a keep-alive connection idle this long (splunkd: 7200).")
@click.option("--busy-keep-alive-idle-timeout", type=float, default=None, metavar="SECONDS", help="The same while the HEC is busy (splunkd: 12).")
@click.option("--tls-profile", type=click.Choice(list(TLS_PROFILES)), default=None, help="TLS versions and ciphers, as that Splunk release accepts them (default: the newest).")
@click.option("--tls", "tls", default="plain", show_default=True, metavar="MODES", help=f"Comma-separated TLS modes, one port each: {', '.join(TLS_MODES)}.")
@click.option("--tls-name", "tls_names", multiple=True, metavar="NAME", help="Extra host name or IP address for the certificates (repeatable).")
@click.option("--client-cert-required", is_flag=True, help="Require a client certificate from the test CA (mutual TLS).")
@click.option("--certs-dir", type=click.Path(file_okay=False, path_type=Path), help="Serve the certificates in this directory (written there first if missing).")
@click.option("--fault", "fault_specs", multiple=True, metavar="SPEC", help="Inject a fault, e.g. 'error:9 first=3' (repeatable; see docs/faults.md).")
@click.option("--faults", "fault_plan", type=click.Path(dir_okay=False, path_type=Path), help="A plan of faults: TOML [[faults]] tables or a JSON list, each {spec = 'error:9 first=3'} or its keys spelt out, as POST /faults takes (see docs/faults.md).")
@click.option("--indexers", type=click.IntRange(1), default=1, show_default=True, help="Serve a cluster of this many indexers behind an in-process load balancer (see docs/cluster.md).")
@click.option("--balancer", type=click.Choice(POLICY_NAMES), default=None, help="How the load balancer spreads requests over the indexers (default: round-robin).")
@click.option("--cookie-name", default=DEFAULT_COOKIE, show_default=True, help="The stickiness cookie the balancer issues (--balancer cookie).")
@click.option("--cookie-lifetime", type=float, default=None, metavar="SECONDS", help="Harness seconds a stickiness cookie keeps its indexer (default: for ever).")
@click.option("--channel-cookie", default=None, metavar="NAME", help="Stick on splunkd's channel cookie of this name (inputs.conf channel_cookie) instead of the balancer's own.")
@click.option("--balancer-fallback", type=click.Choice(FALLBACK_NAMES), default="round-robin", show_default=True, help="What picks an indexer for a request without a valid cookie.")
@click.option("--balancer-unavailable", type=click.Choice([str(s) for s in UNAVAILABLE_STATUSES]), default="502", show_default=True, help="The balancer's answer when no indexer is up and healthy.")
@click.option("--restart", "restart_specs", multiple=True, metavar="SPEC", help="Restart an indexer on the harness clock, e.g. 'restart node=1 at=120 for=30' or 'rolling-restart at=60 for=30 gap=10' (repeatable).")
@click.option("--ready-file", type=OutputFile(), help="Write URLs and tokens here as JSON once listening; removed when serve stops.")
@click.option("--show-tokens", is_flag=True, help="Print token values in full in logs.")
@click.option("--quiet", is_flag=True, help="Do not log each request.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1), help="Processes serving the HEC port, each a full collector; the admin API answers for them all.")
@click.option("--ack-ledger", type=click.Choice(ACK_LEDGERS), default=None, help="With --workers: acks numbered as one HEC (shared, the default) or per worker, as indexers behind an L4 balancer.")
def serve(
    host: str,
    port: int,
    admin_port: int,
    no_admin: bool,
    admin_token: str | None,
    config_path: Path | None,
    token_values: tuple[str, ...],
    ack: bool,
    raw_split: str | None,
    max_content_length: int | None,
    max_events: int | None,
    count_only: bool | None,
    indexes: tuple[str, ...],
    flavor: str | None,
    keep_alive_idle_timeout: float | None,
    busy_keep_alive_idle_timeout: float | None,
    tls_profile: str | None,
    tls: str,
    fault_specs: tuple[str, ...],
    fault_plan: Path | None,
    tls_names: tuple[str, ...],
    client_cert_required: bool,
    certs_dir: Path | None,
    indexers: int,
    balancer: str | None,
    cookie_name: str,
    cookie_lifetime: float | None,
    channel_cookie: str | None,
    balancer_fallback: str,
    balancer_unavailable: str,
    restart_specs: tuple[str, ...],
    ready_file: Path | None,
    show_tokens: bool,
    quiet: bool,
    workers: int,
    ack_ledger: str | None,
) -> None:
    """Run a fake Splunk HTTP Event Collector."""
    settings, tokens = HECSettings(), []
    if config_path is not None:
        try:
            config = load_config(config_path)
        except ConfigError as error:
            raise click.BadParameter(str(error), param_hint="--config") from None
        settings, tokens = config.settings, config.tokens
    overrides = {
        "raw_split": raw_split,
        "max_content_length": max_content_length,
        "max_events": max_events,
        "count_only": count_only,
        "flavor": flavor,
        "indexes": (*settings.indexes, *indexes) if indexes else None,
        "keep_alive_idle_timeout": keep_alive_idle_timeout,
        "busy_keep_alive_idle_timeout": busy_keep_alive_idle_timeout,
        "tls_profile": tls_profile,
    }
    try:
        settings = settings.updated({k: v for k, v in overrides.items() if v is not None})
        tokens += [Token(value, ack=ack) for value in token_values]
    except HecHarnessError as error:
        raise click.UsageError(str(error)) from None
    made_up = not tokens
    if made_up:
        tokens = [Token(new_token_value(), name="default", ack=ack)]
    try:
        modes = parse_modes(tls)
    except HecHarnessError as error:
        raise click.BadParameter(str(error), param_hint="--tls") from None
    faults = _faults(fault_specs, fault_plan)
    restarts = _restarts(restart_specs, indexers)
    if ack_ledger is not None and workers == 1:
        raise click.BadParameter("an ack ledger is chosen among workers: add --workers 2 or more", param_hint="--ack-ledger")
    if workers > 1 and indexers > 1:
        raise click.BadParameter("workers serve one HEC, not a cluster: choose --workers or --indexers", param_hint="--workers")
    if not is_loopback(host):
        click.secho(f"warning: listening on {host}, reachable from other machines, not only this one", fg="yellow", err=True)
    # serve prints its own warnings (above, in colour); FakeHEC's log would repeat them.
    logging.getLogger("hecharness.hec").addHandler(logging.NullHandler())

    options = {
        "host": host,
        "port": port,
        "admin_port": None if no_admin else admin_port,
        "settings": settings,
        "admin_token": admin_token,
        "tls": modes,
        "tls_names": tls_names,
        "client_cert_required": client_cert_required,
        "certs_dir": certs_dir,
    }
    hec: FakeHEC | FakeHECWorkers
    try:
        if workers == 1:
            cluster = {
                "indexers": indexers,
                "balancer": balancer,
                "cookie_name": cookie_name,
                "cookie_lifetime": cookie_lifetime,
                "channel_cookie": channel_cookie,
                "balancer_fallback": balancer_fallback,
                "balancer_unavailable": int(balancer_unavailable),
            }
            hec = FakeHEC(tokens, **options, **cluster)
        else:
            log = () if quiet else (RequestLog(show_tokens),)
            hec = FakeHECWorkers(tokens, workers=workers, ack_ledger=ack_ledger or SHARED_LEDGER, on_request=log, **options)
    except OSError as error:  # the certificates could be neither read nor written there
        reason = f"{error.filename}: {error.strerror}" if error.filename else str(error)
        raise click.BadParameter(reason, param_hint="--certs-dir") from None
    except HecHarnessError as error:
        raise click.UsageError(str(error)) from None
    try:
        hec.start()
    except OSError as error:
        option = _bind_option(error, admin_port)
        hint = "" if option == "--host" else f" ({option} 0 picks a free port)"
        raise click.BadParameter(f"{error.strerror or error}{hint}", param_hint=option) from None
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    if not quiet and isinstance(hec, FakeHEC):  # workers log their own requests
        hec.collector.on_request.append(RequestLog(show_tokens))
    for fault in faults:
        hec.faults.add(fault)
        click.echo(f"fault {fault.name}: {fault}")
    if isinstance(hec, FakeHEC) and hec.cluster is not None:
        click.echo(f"cluster of {indexers} indexers behind a {hec.cluster.balancing.policy} balancer")
        for restart in restarts:
            hec.cluster.schedule(restart)
            click.echo(f"scheduled: {restart}")

    for mode, url in hec.urls.items():
        click.echo(f"fake HEC listening on {url} ({mode})")
    if isinstance(hec, FakeHECWorkers):
        click.echo(f"{workers} workers serving it: pids {', '.join(map(str, hec.worker_pids))}")
    if hec.certificates is not None:
        click.echo(f"CA bundle: {hec.certificates.ca_bundle}")
        if client_cert_required:
            click.echo(f"client certificate required; one is in {hec.certificates.client_cert} {hec.certificates.client_key}")
    if hec.admin_url:
        click.echo(f"admin API on {hec.admin_url} (live page: {hec.admin_url}/, Prometheus: {hec.admin_url}/metrics)")
    for token in tokens:
        shown = token.value if (show_tokens or made_up) else mask_token(token.value)
        flags = ", ".join(f for f, on in (("ack", token.ack), ("query auth", token.query_auth), ("disabled", not token.enabled)) if on)
        click.echo(f"token {token.name}: {shown}" + (f" ({flags})" if flags else ""))
    # Ctrl-C is how serve is meant to stop, not an interruption of unfinished work: it exits 0.
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        if ready_file is not None:
            _write_ready_file(ready_file, hec)
        click.echo("Ctrl-C to stop", err=True)
        ended: list[str] = []
        while not stop.wait(0.5) and not ended:
            ended = hec.ended() if isinstance(hec, FakeHECWorkers) else []
    finally:
        hec.stop()
        if ready_file is not None:
            remove_ready_file(ready_file)
    if isinstance(hec, FakeHECWorkers):
        counters = hec.counters()
        click.echo(f"stopped {workers} workers; {counters.requests} requests, {counters.events} events", err=True)
        if ended:
            raise click.ClickException(f"{'; '.join(ended)}; stopped the others")
    else:
        click.echo(f"stopped; {hec.journal.counters.requests} requests, {hec.journal.counters.events} events", err=True)


def _bind_option(error: OSError, admin_port: int) -> str:
    """The option to change when a listener cannot be had: the address, or the port that is taken."""
    if error.errno == errno.EADDRNOTAVAIL:
        return "--host"
    return "--admin-port" if admin_port and f":{admin_port}:" in str(error) else "--port"


def _faults(specs: tuple[str, ...], plan: Path | None) -> list[Fault]:
    """Every fault parsed before anything starts, so a bad one stops `serve` with its reason."""
    faults = []
    for spec in specs:
        try:
            faults.append(parse_fault(spec))
        except FaultSpecError as error:
            raise click.BadParameter(f"{spec!r}: {error}", param_hint="--fault") from None
    if plan is not None:
        try:
            faults.extend(load_plan(plan))
        except FaultSpecError as error:
            raise click.BadParameter(str(error), param_hint="--faults") from None
    return faults


def _restarts(specs: tuple[str, ...], indexers: int) -> list[Restart]:
    """Every restart parsed and checked against the cluster's size before anything starts."""
    restarts = []
    for spec in specs:
        try:
            restart = parse_restart(spec)
            restart.outages(0.0, indexers)  # a node the cluster does not have is refused now
        except HecHarnessError as error:
            raise click.BadParameter(f"{spec!r}: {error}", param_hint="--restart") from None
        restarts.append(restart)
    if restarts and indexers < 2:
        raise click.BadParameter("restarts need a cluster: --indexers 2 or more", param_hint="--restart")
    return restarts


class RequestLog:
    """One line on stderr per finished request; a class, so it pickles to the workers that call it."""

    def __init__(self, show_tokens: bool) -> None:
        self.show_tokens = show_tokens

    def __call__(self, record: RequestRecord) -> None:
        line = f"{record.method} {record.path} {record.status}"
        if record.code is not None:
            line += f" code={record.code}"
        if record.events:
            line += f" events={record.events}"
        if record.indexer is not None:
            line += f" indexer={record.indexer}"
        if record.token_name:
            line += f" token={record.token_name}"
        if record.fault:
            line += f" fault={record.fault}"
        if record.note:
            line += f" ({record.note})"
        click.echo(line, err=True)


def _write_ready_file(path: Path, hec: FakeHEC | FakeHECWorkers) -> None:
    # The ready file hands tokens to other processes, so it holds them in full (and is private).
    write_ready_file(path, {
        "url": hec.url,
        "urls": hec.urls,
        "ca_bundle": str(hec.ca_path) if hec.ca_path is not None else None,
        "client_cert": str(hec.certificates.client_cert) if hec.client_cert_required and hec.certificates else None,
        "client_key": str(hec.certificates.client_key) if hec.client_cert_required and hec.certificates else None,
        "admin_url": hec.admin_url,
        "indexers": len(hec.indexers) or 1,
        "tokens": [token.describe(show_value=True) for token in hec.tokens.all()],
        **({"workers": hec.workers, "worker_pids": hec.worker_pids} if isinstance(hec, FakeHECWorkers) else {}),
    })


