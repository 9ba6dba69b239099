"""`FakeHEC`: the collector running in a background thread, ready when `start()` returns.

    with FakeHEC() as hec:
        httpx.post(hec.url + "/services/collector/raw", content=b"hello",
                   headers={"Authorization": f"Splunk {hec.token}"})
        assert hec.journal.events[0].raw == "hello"

The sockets are bound before the server thread starts, so port 0 never races another process
for a port, and the object knows its port at once. uvicorn serves on its own asyncio loop (uvloop
when installed); the admin API listens on a second socket of the same loop.

`tls=` picks the certificate the HEC presents (see `hecharness.tls`); several modes mean one port
each, all served by the same collector:

    with FakeHEC(tls=["valid", "splunk-default"]) as hec:
        hec.urls["splunk-default"]      # https://127.0.0.1:<port>
        hec.ca_path                     # the CA bundle to give a client
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import os
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from starlette.types import ASGIApp

from hecharness.clock import Clock, RealClock
from hecharness.errors import HecHarnessError, InvalidArgument
from hecharness.faults import FaultSet
from hecharness.hec.accounting import DeliveryReport, Key, Nested
from hecharness.hec.admin import admin_app
from hecharness.hec.batches import Event, RequestRecord
from hecharness.hec.cluster import Cluster, Indexer, Restart
from hecharness.hec.cluster.balancing import DEFAULT_COOKIE, cluster_balancing
from hecharness.hec.collector import Collector
from hecharness.hec.connection import KeepAlive, TransportExposingProtocol, WholeRequests
from hecharness.hec.journal import Journal
from hecharness.hec.settings import HECSettings
from hecharness.hec.tokens import Token, TokenStore, new_token_value
from hecharness.tls import TLS_PROFILES, CertificateAuthority, CertificateFiles, parse_modes

__all__ = ["FakeHEC", "Listener", "ServerError"]

log = logging.getLogger("hecharness.hec")

LOOPBACK = "127.0.0.1"
_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0
# The admin API's listener is named this; the HEC's are named after their TLS modes.
ADMIN_LISTENER = "admin"

T = TypeVar("T")


class ServerError(HecHarnessError, RuntimeError):
    """Something raised inside the fake HEC: a bug in the fake or in code a test hooked into it.

    The message carries every traceback, oldest first; `tracebacks` has them as a list.
    """

    def __init__(self, tracebacks: Sequence[str]) -> None:
        self.tracebacks = list(tracebacks)
        count = len(self.tracebacks)
        heading = (
            f"the fake HEC raised {count} error{'s' if count != 1 else ''} while serving requests "
            "(each such request was answered 500, code 8):"
        )
        super().__init__("\n\n".join([heading, *(text.rstrip() for text in self.tracebacks)]))


@dataclass
class Listener:
    """One listening socket and what it serves: the HEC (in a TLS mode or plain) or the admin API."""

    name: str
    socket: socket.socket
    app: Any
    ssl_context: ssl.SSLContext | None = None
    keep_alive: KeepAlive | None = None  # None: uvicorn's fixed keep-alive timeout (the admin API)
    whole: WholeRequests | None = None  # None: every request goes to `app` (the admin API, a wrapped app)

    @property
    def is_admin(self) -> bool:
        return self.name == ADMIN_LISTENER

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def host(self) -> str:
        return self.address[0]

    def __post_init__(self) -> None:
        # Read once at bind time: the URL must still name the server after stop() closed the socket
        # (a test's teardown or a log line may print it then).
        self.address: tuple[str, int] = self.socket.getsockname()[:2]

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        host = self.host
        if ":" in host:
            host = f"[{host}]"
        return f"{scheme}://{host}:{self.port}"


class FakeHEC:
    """A fake Splunk HTTP Event Collector, started and stopped from Python.

    `tokens` are `Token`s or plain token values; with none, one token is made up and exposed as
    `.token`. `port=0` picks a free port. `admin_port=None` turns the admin API off.

    `tls` is one of `hecharness.tls.TLS_MODES`, several as a list or comma-separated; the first
    listens on `port`, the others on free ports. `tls_names` adds host names to the certificates,
    `client_cert_required` asks every TLS client for a certificate from the test CA, and
    `certs_dir` keeps the certificates in a directory (reused if already there) instead of a
    temporary one.

    `indexers=N` (N > 1) serves a cluster of N indexers behind an in-process load balancer
    (`hecharness.hec.cluster`): `balancer` is its policy ("round-robin", "per-connection",
    "least-outstanding" or "cookie"); `cookie_name`, `cookie_lifetime` (harness seconds) and
    `channel_cookie` (splunkd's inputs.conf setting) go with "cookie", whose `balancer_fallback`
    picks for a request without a valid cookie; `balancer_unavailable` (502 or 504) is the
    balancer's answer when no indexer is up and healthy. `journal` is then the merged journal,
    `faults` is shared by every indexer (`node=N` aims a rule at one), `configure` changes them all,
    and `node(n)`, `indexers`, `restart` and `rolling_restart` reach single indexers.

    `wrap` is called once with the collector's ASGI app and returns the app the HEC listeners serve:
    a middleware around it, or another app altogether, served with the same sockets, uvicorn
    settings, thread and event loop (the collector benchmark measures a bare endpoint this way).
    """

    def __init__(
        self,
        tokens: Iterable[Token | str] | None = None,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        admin_port: int | None = 0,
        settings: HECSettings | None = None,
        clock: Clock | None = None,
        admin_token: str | None = None,
        tls: str | Sequence[str] = "plain",
        tls_names: Iterable[str] = (),
        client_cert_required: bool = False,
        certs_dir: str | os.PathLike[str] | None = None,
        wrap: Callable[[ASGIApp], ASGIApp] | None = None,
        indexers: int = 1,
        balancer: str | None = None,
        cookie_name: str = DEFAULT_COOKIE,
        cookie_lifetime: float | None = None,
        channel_cookie: str | None = None,
        balancer_fallback: str = "round-robin",
        balancer_unavailable: int = 502,
    ) -> None:
        token_list = [Token(t) if isinstance(t, str) else t for t in (tokens or [new_token_value()])]
        if not token_list:
            raise InvalidArgument("a fake HEC needs at least one token")
        self._initial_tokens = tuple(token_list)
        balancing = cluster_balancing(
            indexers, balancer, cookie_name=cookie_name, cookie_lifetime=cookie_lifetime, channel_cookie=channel_cookie,
            balancer_fallback=balancer_fallback, balancer_unavailable=balancer_unavailable,
        )
        self.cluster: Cluster | None = None
        self.collector: Collector | Cluster
        if balancing is None:
            self.collector = Collector(TokenStore.of(token_list), settings or HECSettings(), clock=clock)
        else:
            self.cluster = Cluster(TokenStore.of(token_list), settings or HECSettings(), clock or RealClock(), indexers, balancing)
            self.collector = self.cluster
        self.collector.on_configure.append(self._settings_changed)
        self.host = host
        self.port = port
        self.admin_port = admin_port
        self.admin_token = admin_token
        self.tls_modes = parse_modes(tls)
        self.client_cert_required = client_cert_required
        self.authority: CertificateAuthority | None = None
        self.certificates: CertificateFiles | None = None
        self._temporary_certs: tempfile.TemporaryDirectory[str] | None = None
        if any(mode != "plain" for mode in self.tls_modes):
            self._make_certificates(tls_names, certs_dir)
        elif client_cert_required:
            raise InvalidArgument("client certificates need a TLS mode; plain HTTP has none")
        self._listeners: list[Listener] = []
        self._servers: list[uvicorn.Server] = []
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._wrap = wrap

    # -- what tests use ---------------------------------------------------------------------------

    @property
    def journal(self) -> Journal:
        return self.collector.journal

    @property
    def tokens(self) -> TokenStore:
        return self.collector.tokens

    @property
    def token(self) -> str:
        """The value of the first token, the one to send unless a test says otherwise."""
        return self._initial_tokens[0].value

    @property
    def settings(self) -> HECSettings:
        return self.collector.settings

    @property
    def clock(self) -> Clock:
        return self.collector.clock

    @property
    def faults(self) -> FaultSet:
        """The fault rules: `hec.faults.add("error:9 first=3")`, `.during(...)`, `.clear()`."""
        return self.collector.faults

    @property
    def indexers(self) -> list[Indexer]:
        """The cluster's indexers, node 1 first; empty for a single collector."""
        return list(self.cluster.indexers) if self.cluster is not None else []

    def node(self, number: int) -> Indexer:
        """Indexer `number` of the cluster, counting from 1."""
        return self._cluster().node(number)

    def restart(
        self, node: int | str | Restart, *, at: float = 0.0, duration: float = 30.0, lose_unwritten: int = 0
    ) -> None:
        """Restart indexer `node` `at` harness seconds from now, down for `duration` seconds.

        While down it takes no requests; it comes back with an empty ack ledger. `lose_unwritten=N`
        loses its newest N accepted events, recorded as lost with the reason (see `Journal.lost_events`).
        `node` may instead be a spec, "restart node=1 at=120 for=30" or "rolling-restart at=60 for=30".
        """
        if isinstance(node, int):
            node = Restart(node=node, at=at, duration=duration, lose_unwritten=lose_unwritten)
        self._schedule(node)

    def rolling_restart(self, *, at: float = 0.0, duration: float = 30.0, gap: float = 0.0, lose_unwritten: int = 0) -> None:
        """Restart every indexer in turn, node 1 first, each down `duration` seconds, `gap` seconds apart."""
        self._schedule(Restart(at=at, duration=duration, gap=gap, lose_unwritten=lose_unwritten, rolling=True))

    def _schedule(self, restart: Restart | str) -> None:
        cluster = self._cluster()
        cluster.schedule(restart)
        if self._thread is not None and self._loop is not None and not self._loop.is_closed():
            self.call_on_loop(cluster.sync)  # a restart due now has happened when this returns

    def _cluster(self) -> Cluster:
        if self.cluster is None:
            raise InvalidArgument("this FakeHEC is a single collector; indexers=2 or more makes a cluster")
        return self.cluster

    @property
    def errors(self) -> list[str]:
        """Tracebacks of errors raised inside the server (each also answered 500, code 8)."""
        return list(self.collector.errors)

    @property
    def url(self) -> str:
        """Base URL of the HEC, e.g. `http://127.0.0.1:54321`; paths start with /services/collector."""
        return self._hec_listener().url

    @property
    def urls(self) -> dict[str, str]:
        """Base URL per TLS mode, in the order the modes were given."""
        return {listener.name: listener.url for listener in self._listeners if not listener.is_admin}

    @property
    def ca_path(self) -> Path | None:
        """The CA bundle a client must trust for every mode served; None when serving plain HTTP only."""
        return self.certificates.ca_bundle if self.certificates is not None else None

    def ssl_context(self) -> ssl.SSLContext:
        """A client context trusting `ca_path`, with the client certificate when one is required."""
        if self.authority is None:
            raise RuntimeError("this FakeHEC serves plain HTTP only; there is no CA to trust")
        return self.authority.client_context(client_cert=self.client_cert_required)

    @property
    def admin_url(self) -> str | None:
        for listener in self._listeners:
            if listener.is_admin:
                return listener.url
        return None

    @property
    def listeners(self) -> list[Listener]:
        return list(self._listeners)

    def configure(self, **changes: Any) -> HECSettings:
        """Change settings at run time, e.g. `hec.configure(health="queues-full")`."""
        return self.collector.configure(**changes)

    def reset(self) -> None:
        """Back to the state after start: empty journal, no acks, initial tokens and settings."""
        self.collector.reset()

    def client(self, token: str | None = None, *, mode: str | None = None, **kwargs: Any) -> httpx.Client:
        """An httpx client with the base URL (of `mode`, default the first) and `Authorization: Splunk <token>` set.

        When TLS is served the client trusts `ca_path` (and presents the client certificate if required)
        and verifies the rest as any client would, so the modes made to fail verification fail it:
        `splunk-default` and `mismatched-name` on the name, `expired` on the dates (`verify=False`
        gets through).
        """
        headers = {"Authorization": f"Splunk {token or self.token}", **kwargs.pop("headers", {})}
        if self.authority is not None:
            kwargs.setdefault("verify", self.ssl_context())
        base_url = self.url if mode is None else self._url_of(mode)
        return httpx.Client(base_url=base_url, headers=headers, **kwargs)

    # -- assertions and waits over the journal ---------------------------------------------------

    def requests(
        self,
        path: str | None = None,
        status: int | None = None,
        code: int | None = None,
        channel: str | None = None,
        fault: str | None = None,
    ) -> list[RequestRecord]:
        """The journaled requests, oldest first, filtered: `hec.requests(path="raw", status=503)`."""
        return self.journal.requests(path=path, status=status, code=code, channel=channel, fault=fault)

    def wait_for_events(self, count: int, timeout: float = 5.0) -> list[Event]:
        """Wait until at least `count` events were accepted and return the stored events.

        Raises AssertionError after `timeout` seconds, saying how many arrived and what the
        requests were answered, which is usually the reason they did not.
        """
        __tracebackhide__ = True  # pytest shows the failure at the caller's line
        if not self.journal.wait_for_events(count, timeout):
            counters = self.journal.counters
            answers = ", ".join(f"{status} x{n}" for status, n in sorted(counters.by_status.items()))
            raise AssertionError(
                f"waited {timeout:g}s for {count} events; {counters.events} arrived, "
                f"in {counters.requests} requests" + (f" ({answers})" if answers else "")
            )
        return self.journal.events

    def assert_delivered(
        self, records: Iterable[Any], key: Key = None, ignore: Iterable[str | bytes] = (), nested: Nested = None
    ) -> DeliveryReport:
        """Assert that every record arrived exactly once and nothing else did; return the report.

        `key` as for `Journal.delivery`: a field name such as "RayID", a function, or None to
        compare whole lines; lines in `ignore` are not records; `nested` is where records inside
        another one sit (e.g. "Subrequests"). The failure message gives the counts and the first
        missing, duplicated and unexpected keys.
        """
        __tracebackhide__ = True
        report = self.journal.delivery(records, key, ignore, nested)
        if not report.complete:
            raise AssertionError(f"delivery incomplete: {report.summary()}")
        return report

    def check_errors(self) -> None:
        """Raise `ServerError` with the tracebacks if anything raised inside the server."""
        __tracebackhide__ = True
        errors = self.errors
        if errors:
            raise ServerError(errors)

    def settle(self, timeout: float = 5.0) -> bool:
        """End hung requests and wait until no request is in flight; False if `timeout` seconds pass first.

        A request still running when a test ends (a hang the client gave up on, a delay) would
        otherwise journal itself later, into whatever the next test reads.
        """
        loop = self._loop
        if self._thread is None or loop is None or loop.is_closed():
            return True

        async def quiet() -> None:
            self.collector.release_hangs()
            # uvicorn keeps one task per request being served; an idle keep-alive connection has none.
            while any(server.server_state.tasks for server in self._servers):
                await asyncio.sleep(0.005)

        future = asyncio.run_coroutine_threadsafe(quiet(), loop)
        try:
            future.result(timeout)
        except TimeoutError:
            future.cancel()
            return False
        return True

    def call_on_loop(self, function: Callable[[], T], timeout: float = _STOP_TIMEOUT) -> T:
        """Run `function` on the server's event-loop thread, wait for it and return what it returned.

        For what must happen on the thread that serves the requests: a per-thread profiler such as
        cProfile, or state the requests read without a lock. RuntimeError when the server is not
        running, TimeoutError when `function` has not run within `timeout` seconds.
        """
        loop = self._loop
        if self._thread is None or loop is None or loop.is_closed():
            raise RuntimeError("the fake HEC is not running")
        if _running_loop() is loop:
            return function()  # already on that thread: waiting for it would never end

        async def call() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout)

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> FakeHEC:
        if self._thread is not None:
            raise RuntimeError("this FakeHEC is already started")
        self._listeners = self._bind()
        self._thread = threading.Thread(target=self._run, name=f"fake-hec-{self._listeners[0].port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT) or self._failure is not None:
            self.stop()
            raise RuntimeError(f"the fake HEC did not start: {self._failure!r}")
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None:
            return
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._request_exit)
        thread.join(_STOP_TIMEOUT)
        if thread.is_alive() and loop is not None and not loop.is_closed():
            # Connections that will not finish on their own (hung clients) must not keep us here.
            loop.call_soon_threadsafe(self._force_exit)
            thread.join(_STOP_TIMEOUT)
        for listener in self._listeners:
            listener.socket.close()
        self._thread = None

    def __enter__(self) -> FakeHEC:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        if not self._listeners:
            return "<FakeHEC not started>"
        return f"<FakeHEC {self.url}{'' if self._thread is not None else ' stopped'}>"

    # -- inside ------------------------------------------------------------------------------------

    def _hec_listener(self) -> Listener:
        for listener in self._listeners:
            if not listener.is_admin:
                return listener
        raise RuntimeError("the fake HEC is not started")

    def _url_of(self, mode: str) -> str:
        urls = self.urls
        if mode not in urls:
            raise InvalidArgument(f"TLS mode {mode!r} is not served here; served: {', '.join(urls) or 'none (not started)'}")
        return urls[mode]

    def _make_certificates(self, names: Iterable[str], certs_dir: str | os.PathLike[str] | None) -> None:
        if certs_dir is None:
            # Clients such as curl take the CA as a file, so even throwaway certificates go to disk.
            self._temporary_certs = tempfile.TemporaryDirectory(prefix="hecharness-certs-")
            self.authority = CertificateAuthority(names)
            self.certificates = self.authority.write(self._temporary_certs.name)
        else:
            # Absolute, because the paths travel to other processes through the ready file.
            directory = Path(certs_dir).absolute()
            self.authority = CertificateAuthority.load_or_create(directory, names)
            self.certificates = CertificateFiles(directory)

    def _bind(self) -> list[Listener]:
        if not is_loopback(self.host):
            # Loopback is the default; anything wider is a choice worth saying out loud.
            log.warning(
                "fake HEC listening on %s: reachable from other machines, not only this one "
                "(the admin API stays on %s)", self.host, LOOPBACK,
            )
        listeners: list[Listener] = []
        app = self.collector.app if self._wrap is None else self._wrap(self.collector.app)
        try:
            for index, mode in enumerate(self.tls_modes):
                context = None
                if self.authority is not None and mode != "plain":
                    context = self.authority.server_context(mode, require_client_cert=self.client_cert_required)
                    context.sni_callback = self._handshake_guard(mode)
                    TLS_PROFILES[self.settings.tls_profile].apply(context)
                # A wrapped app must see every request, so none is answered before it.
                whole = self.collector if self._wrap is None else None
                listeners.append(Listener(mode, self._hec_socket(index), app, context, self.collector, whole))
            if self.admin_port is not None:
                listeners.append(self._admin_listener())
        except OSError:
            for listener in listeners:  # a port that is taken must not leave the others bound
                listener.socket.close()
            raise
        return listeners

    def _hec_socket(self, index: int) -> socket.socket:
        """The listening socket of the `index`th TLS mode: the first on `port`, the others on free ports."""
        return bind_socket(self.host, self.port if index == 0 else 0)

    def _admin_listener(self) -> Listener:
        admin_host = self.host if self.host in (LOOPBACK, "::1", "localhost") else LOOPBACK
        return Listener(ADMIN_LISTENER, bind_socket(admin_host, self.admin_port or 0), self._admin_app())

    def _admin_app(self) -> ASGIApp:
        return admin_app(self.collector, admin_token=self.admin_token)

    def _settings_changed(self, previous: HECSettings, settings: HECSettings) -> None:
        if settings.tls_profile != previous.tls_profile:
            self._apply_tls_profile()  # new handshakes take it; connections already up keep theirs

    def _apply_tls_profile(self) -> None:
        profile = TLS_PROFILES[self.settings.tls_profile]
        contexts = [l.ssl_context for l in self._listeners if l.ssl_context is not None and not l.is_admin]

        def apply() -> None:
            for context in contexts:
                profile.apply(context)

        # OpenSSL contexts are not safe to change while another thread starts handshakes from them,
        # so the change runs on the server's loop, between handshakes, and is done when this returns.
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running() or _running_loop() is loop:
            apply()
            return
        done = threading.Event()
        loop.call_soon_threadsafe(lambda: (apply(), done.set()))
        done.wait(_STOP_TIMEOUT)

    def _run(self) -> None:
        try:
            loop = _new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._serve())
        except BaseException as error:  # noqa: BLE001 - reported to start()
            self._failure = error
            self._ready.set()
        finally:
            if self._loop is not None:
                self._loop.close()

    async def _serve(self) -> None:
        self._servers = [uvicorn.Server(_uvicorn_config(listener)) for listener in self._listeners]
        serving = [asyncio.ensure_future(server.serve(sockets=[l.socket])) for server, l in zip(self._servers, self._listeners)]
        while not all(server.started for server in self._servers):
            done = [task for task in serving if task.done()]
            if done:
                done[0].result()  # a server that ended before starting: raise why
                raise RuntimeError("a listener stopped while starting")
            await asyncio.sleep(0.005)
        self._ready.set()
        watching = asyncio.ensure_future(self.cluster.watch()) if self.cluster is not None else None
        try:
            await asyncio.gather(*serving)
        finally:
            if watching is not None:
                watching.cancel()
                await asyncio.wait([watching])

    def _handshake_guard(self, mode: str) -> Callable[..., int | None]:
        """An SNI callback, which OpenSSL runs early in every handshake: where `tls-abort` acts."""

        def guard(ssl_object: ssl.SSLObject, server_name: str | None, context: ssl.SSLContext) -> int | None:
            label = self.collector.faults.abort_handshake()
            if label is None:
                return None
            ssl_object.send_alert = False  # tls-abort drops the handshake: the client reads an EOF
            self.journal.record(
                RequestRecord(
                    id=self.journal.next_request_id(),
                    time=self.clock.now(),
                    method="TLS",
                    path="(handshake)",
                    query="",
                    headers={},
                    remote=mode,
                    fault=label,
                    note=f"TLS handshake aborted on the {mode} listener",
                )
            )
            return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE

        return guard

    def _request_exit(self) -> None:
        # Hung requests, delays and slow bodies would hold the shutdown; let them go first.
        self.collector.release_all()
        for server in self._servers:
            server.should_exit = True

    def _force_exit(self) -> None:
        for server in self._servers:
            server.force_exit = True


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (localhost or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int, *, reuse_port: bool = False, listen: bool = True) -> socket.socket:
    """A listening TCP socket on host:port (IPv6 if the host is), inheritable, with a one-line error naming the address.

    `reuse_port` lets other sockets of this user bind the same port, the kernel spreading new
    connections over those that listen; `listen=False` only holds the port (see `hecharness.workers`).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise OSError(error.errno, f"cannot listen on {host}:{port}: {error.strerror}") from None
    if listen:
        sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _uvicorn_config(listener: Listener) -> uvicorn.Config:
    context = listener.ssl_context
    return uvicorn.Config(
        listener.app,
        lifespan="off",
        interface="asgi3",
        # httptools, plus the transport for socket-level faults and splunkd's keep-alive timeouts
        http=functools.partial(TransportExposingProtocol, keep_alive=listener.keep_alive, whole=listener.whole),
        log_config=None,
        log_level="warning",
        access_log=False,
        server_header=False,  # the app sends Splunkd's own Server header
        # splunkd records the peer it talks to; X-Forwarded-For from a sender on loopback must not
        # rewrite a request's remote address (uvicorn trusts 127.0.0.1 by default), and the
        # middleware that would is a cost on every request.
        proxy_headers=False,
        backlog=2048,
        timeout_keep_alive=30,  # the admin API's; HEC listeners follow keep_alive
        timeout_graceful_shutdown=1,
        ssl_context_factory=(lambda config, default: context) if context is not None else None,
    )


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # optional (not built for every platform), so looked for only here
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
