"""`FakeHECWorkers`: one fake HEC served by several processes, answering as one.

    with FakeHECWorkers(workers=2) as hec:
        httpx.post(hec.url + "/services/collector/raw", content=b"hello",
                   headers={"Authorization": f"Splunk {hec.token}"})
        assert hec.journal.events[0].raw == "hello"

Each worker is a full collector in its own process. They listen on the same port through
SO_REUSEPORT: the parent binds the port first without listening (so port 0 is known at once and
no other program can take it), then every worker binds its own socket to it and the kernel spreads
new connections evenly over them. One socket inherited by every worker would work too, but there
whichever worker wakes first accepts a whole burst of connections (asyncio and libuv accept in a
loop), and keep-alive clients such as wrk or a pooled sender would stay on that one worker.

The parent serves the admin API and holds what the workers must share (`authority`): the fault
rules and, by default, the ack ledger. Tokens and settings changed through it are sent to every
worker before the call answers; reads gather the workers' journals (`merge`).
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hecharness.clock import Clock, RealClock
from hecharness.errors import InvalidArgument
from hecharness.faults import FaultSet
from hecharness.hec import FakeHEC, HECSettings, Token
from hecharness.hec.accounting import DeliveryReport, Key, Nested
from hecharness.hec.acks import SummedAcks
from hecharness.hec.batches import RequestRecord
from hecharness.hec.journal import Counters, Journal
from hecharness.hec.live.feed import RecentRequests
from hecharness.hec.live.tally import Tally
from hecharness.hec.server import LOOPBACK, Listener, bind_socket, is_loopback
from hecharness.hec.tokens import TokenStore
from hecharness.tls import CertificateFiles
from hecharness.workers.authority import Authority, CountedFaultSet
from hecharness.workers.line import Line, WorkerGone, answer_calls
from hecharness.workers.merge import MergedJournal, sum_counters, sum_tallies
from hecharness.workers.shared import SharedCount
from hecharness.workers.worker import ACK_LEDGERS, PER_WORKER_LEDGER, SHARED_LEDGER, WorkerSpec, run_worker

__all__ = ["FakeHECWorkers"]

log = logging.getLogger("hecharness.hec")

_START_TIMEOUT = 60.0  # spawning imports the package afresh in every worker; a busy machine is slow at it
_STOP_TIMEOUT = 15.0  # a worker's own stop waits up to twice FakeHEC's 5 s for hung connections
_REFRESH = 1.0  # seconds between copies of the workers' tallies for the live page and /metrics
# Admin paths that read the journal, and those that read the live tallies.
_JOURNAL_READS = ("/journal", "/live/requests/", "/services/search")
_LIVE_READS = ("/metrics", "/live/stream")


def _of_head(name: str, doc: str) -> Any:
    """A read-only attribute that is the parent's own FakeHEC's attribute of that name."""
    return property(lambda self: getattr(self.head, name), doc=doc)


class _Worker:
    def __init__(self, number: int, process: multiprocessing.process.BaseProcess, control: Line) -> None:
        self.number = number
        self.process = process
        self.control = control
        self.recent_cursor = 0
        self.ready = False  # said it started; one that did not is killed, not asked to stop


class FakeHECWorkers:
    """A fake HEC on `workers` processes behind one address; otherwise `FakeHEC`'s arguments.

    `ack_ledger="shared"` (the default) numbers and acknowledges batches as one HEC does, whichever
    worker took them; `"per-worker"` gives each worker its own ledger, as the indexers of a cluster
    behind an L4 load balancer have (a poll landing on another worker reads false). `on_request`
    hooks run in the workers, with each finished request, so they must pickle (a module-level class
    or function). The clock must be a `RealClock`: the workers read the same time as the parent.
    """

    def __init__(
        self,
        tokens: Iterable[Token | str] | None = None,
        *,
        workers: int = 2,
        ack_ledger: str = SHARED_LEDGER,
        port: int = 0,
        on_request: Sequence[Callable[[RequestRecord], None]] = (),
        **options: Any,
    ) -> None:
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise InvalidArgument(f"workers must be a whole number >= 1, got {workers!r}")
        if ack_ledger not in ACK_LEDGERS:
            raise InvalidArgument(f"ack_ledger must be one of {', '.join(ACK_LEDGERS)}, got {ack_ledger!r}")
        if "wrap" in options:
            raise InvalidArgument("wrap= swaps the app of an in-process FakeHEC; workers serve the collector itself")
        clock = options["clock"] = options.get("clock") or RealClock()
        if not isinstance(clock, RealClock):
            raise InvalidArgument(f"workers read the real clock (a RealClock, scaled or not), got {clock!r}")
        options["tls_names"] = tuple(options.get("tls_names", ()))
        self.workers = workers
        self.ack_ledger = ack_ledger
        self.host: str = options.get("host", LOOPBACK)
        self.port = port
        self._on_request = tuple(on_request)
        self._context = multiprocessing.get_context("spawn")
        self._fault_count = self._context.RawValue("i", 0)  # written under the FaultSet's lock, read whole
        self._request_ids = SharedCount(self._context)
        self.head = _Head(self, tokens, **options)
        self.head.collector.faults = CountedFaultSet(clock, self._fault_count)
        self._worker_acks: list[dict[str, dict[str, int]]] = []  # each worker's ledger, as last refreshed
        self._refreshing = threading.Lock()
        self._snapshots = itertools.count(1)
        self._applied = 0  # the newest snapshot of the workers' tallies applied
        if ack_ledger == PER_WORKER_LEDGER:
            # The parent keeps no ledger then: its live page and /metrics show the workers' summed.
            self.head.collector.acks = SummedAcks(lambda: self._worker_acks)  # type: ignore[assignment]
        self._reserved: list[Listener] = []
        self._workers: list[_Worker] = []
        self._refresher: threading.Thread | None = None
        self._stopping = threading.Event()
        self._final: Counters | None = None

    # -- the same names as FakeHEC's ----------------------------------------------------------------

    token = _of_head("token", "The value of the first token, the one to send unless a test says otherwise.")
    tokens = _of_head("tokens", "The tokens; change them with `add_token` or the admin API, which reach every worker.")
    settings = _of_head("settings", "The settings every worker serves; change them with `configure`.")
    clock = _of_head("clock", "The parent's clock; the workers read the same time.")
    faults = _of_head("faults", "The fault rules, one set for every worker: `first=3` fails three requests in all.")
    admin_url = _of_head("admin_url", "The admin API, in the parent, answering for every worker.")
    certificates = _of_head("certificates", "The certificate files every TLS mode is served with.")
    client_cert_required = _of_head("client_cert_required", "Whether TLS clients must present a certificate.")
    ca_path = _of_head("ca_path", "The CA bundle to give a client; None when serving plain HTTP only.")

    @property
    def indexers(self) -> list[Any]:
        """Empty, as for a single collector: the workers serve one HEC, never a cluster."""
        return []

    @property
    def url(self) -> str:
        """Base URL of the HEC (the first TLS mode's): every worker listens on it."""
        if not self._reserved:
            raise RuntimeError("the fake HEC is not started")
        return self._reserved[0].url

    @property
    def urls(self) -> dict[str, str]:
        return {listener.name: listener.url for listener in self._reserved}

    @property
    def tls_modes(self) -> list[str]:
        return list(self.head.tls_modes)

    def ssl_context(self) -> ssl.SSLContext:
        return self.head.ssl_context()

    @property
    def worker_pids(self) -> list[int]:
        return [worker.process.pid for worker in self._workers if worker.process.pid is not None]

    def ended(self) -> list[str]:
        """The workers that ended on their own (crashed, killed), each said in a few words; empty while all run."""
        return [
            f"{worker.control.peer} ended with exit status {worker.process.exitcode}"
            for worker in self._workers
            if worker.ready and not worker.process.is_alive()
        ]

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        """An httpx client for the first TLS mode's URL, with the token (and the CA, if TLS) set."""
        headers = {"Authorization": f"Splunk {token or self.token}", **kwargs.pop("headers", {})}
        if self.head.authority is not None:
            kwargs.setdefault("verify", self.ssl_context())
        return httpx.Client(base_url=self.url, headers=headers, **kwargs)

    def configure(self, **changes: Any) -> HECSettings:
        """Change settings at run time in every worker; returns the new settings."""
        settings = self.head.configure(**changes)
        self._push_state()
        return settings

    def add_token(self, token: Token | str) -> Token:
        """Accept one more token, in every worker."""
        added = self.head.tokens.add(token)
        self._push_state()
        return added

    def reset(self) -> None:
        """Back to the state after start in every worker: journals, acks, faults, tokens, settings."""
        self.head.reset()
        self._each("reset")
        self._request_ids.reset()

    def clear(self) -> None:
        """Empty every worker's journal."""
        self._each("clear")
        self._request_ids.reset()

    # -- the journal, gathered from the workers -------------------------------------------------

    @property
    def journal(self) -> Journal:
        """Every worker's journal read as one (a copy, taken now)."""
        self._gather_journals()
        return self.head.collector.journal

    def counters(self) -> Counters:
        """The exact counters, summed over the workers (the last ones once stopped)."""
        if self._final is not None:
            return self._final
        return sum_counters(self.worker_counters())

    def worker_counters(self) -> list[Counters]:
        """Each worker's own counters, in worker order: how the kernel spread the connections."""
        return self._each("counters")

    def requests(self, **filters: Any) -> list[RequestRecord]:
        """As `FakeHEC.requests`: `hec.requests(path="raw", status=503)`, over every worker."""
        return self.journal.requests(**filters)

    def wait_for_events(self, count: int, timeout: float = 5.0) -> Journal:
        """Wait until the workers accepted `count` events in all; AssertionError after `timeout` seconds."""
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        while (arrived := self.counters().events) < count:
            if time.monotonic() >= deadline:
                raise AssertionError(f"waited {timeout:g}s for {count} events; {arrived} arrived")
            time.sleep(0.02)
        return self.journal

    def assert_delivered(
        self, records: Iterable[Any], key: Key = None, ignore: Iterable[str | bytes] = (), nested: Nested = None
    ) -> DeliveryReport:
        """As `FakeHEC.assert_delivered`, accounted over every worker's journal."""
        __tracebackhide__ = True
        report = self.journal.delivery(records, key, ignore, nested)
        if not report.complete:
            raise AssertionError(f"delivery incomplete: {report.summary()}")
        return report

    @property
    def errors(self) -> list[str]:
        self._refresh()
        return list(self.head.collector.errors)

    def check_errors(self) -> None:
        """Raise `ServerError` with the tracebacks if anything raised inside a worker."""
        __tracebackhide__ = True
        self._refresh()
        self.head.check_errors()

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> FakeHECWorkers:
        if self._workers:
            raise RuntimeError("this FakeHECWorkers is already started")
        if not is_loopback(self.host):
            log.warning("fake HEC listening on %s: reachable from other machines, not only this one", self.host)
        self._final = None
        self._stopping.clear()
        self._reserved = self._reserve()
        try:
            self._spawn()
            if self.head.admin_port is not None:
                self.head.start()
                self._refresher = threading.Thread(target=self._refresh_often, name="fake-hec-workers-refresh", daemon=True)
                self._refresher.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every worker (each ends its connections as a FakeHEC does), then the admin API."""
        self._stopping.set()
        if self._refresher is not None:
            self._refresher.join(_STOP_TIMEOUT)
            self._refresher = None
        if self._workers:
            self._final = sum_counters(self._stop_workers())  # what the workers that answered had served
        self.head.stop()
        for listener in self._reserved:
            listener.socket.close()
        self._workers = []

    def __enter__(self) -> FakeHECWorkers:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        if not self._reserved:
            return f"<FakeHECWorkers x{self.workers} not started>"
        return f"<FakeHECWorkers x{self.workers} {self.url}{'' if self._workers else ' stopped'}>"

    # -- inside ------------------------------------------------------------------------------------

    def _reserve(self) -> list[Listener]:
        reserved: list[Listener] = []
        try:
            for index, mode in enumerate(self.head.tls_modes):
                port = self.port if index == 0 else 0
                # An SSL context only makes the URL say https; the workers make their own.
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER) if mode != "plain" else None
                sock = bind_socket(self.host, port, reuse_port=True, listen=False)
                reserved.append(Listener(mode, sock, None, context))
        except OSError:
            for listener in reserved:
                listener.socket.close()
            raise
        return reserved

    def _spec(self, number: int) -> WorkerSpec:
        head = self.head
        options = {
            "host": self.host,
            "settings": head.settings,
            "clock": head.clock,
            "tls": head.tls_modes,
            "tls_names": head.certificate_names,
            "client_cert_required": head.client_cert_required,
            "certs_dir": head.certificates.directory if head.certificates is not None else None,
        }
        return WorkerSpec(
            number=number,
            tokens=head.tokens.all(),
            ports=[listener.port for listener in self._reserved],
            options=options,
            ack_ledger=self.ack_ledger,
            request_ids=self._request_ids,
            fault_count=self._fault_count,
            on_request=self._on_request,
        )

    def _spawn(self) -> None:
        authority = Authority(self.head.faults, self.head.collector.acks)
        for number in range(1, self.workers + 1):
            control, control_child = self._context.Pipe()
            asks, asks_child = self._context.Pipe()
            process = self._context.Process(
                target=run_worker,
                args=(self._spec(number), control_child, asks_child),
                name=f"fake-hec-worker-{number}",
                daemon=True,
            )
            process.start()
            # Only the worker holds its ends now, so each pipe reads end-of-file when it is gone.
            control_child.close()
            asks_child.close()
            threading.Thread(target=answer_calls, args=(asks, authority), name=f"fake-hec-authority-{number}", daemon=True).start()
            # Kept at once, so that a start that fails stops every worker already spawned.
            self._workers.append(_Worker(number, process, Line(control, f"worker {number}")))
        for worker in self._workers:
            pid = worker.control.greeting(_START_TIMEOUT)
            worker.control.peer = f"worker {worker.number} (pid {pid})"
            worker.ready = True

    def _stop_workers(self) -> list[Counters]:
        """Each worker's last counters, from those that answered; those that did not are killed."""
        for worker in self._workers:  # all asked first, so their stops overlap
            if worker.ready:
                worker.control.post("stop")
        finals = []
        for worker in self._workers:
            counters = worker.control.answer(_STOP_TIMEOUT) if worker.ready else None
            if counters is not None:
                finals.append(counters)
            worker.process.join(_STOP_TIMEOUT if worker.ready else 0)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(_STOP_TIMEOUT)
            worker.control.close()
        return finals

    def _each(self, operation: str, *arguments: Any) -> list[Any]:
        if not self._workers:
            raise RuntimeError("the fake HEC's workers are not running")
        return [worker.control.call(operation, *arguments) for worker in self._workers]

    def _push_state(self) -> None:
        if self._workers:
            self._each("state", self.head.tokens.all(), self.head.settings.to_dict())

    def _gather_journals(self) -> None:
        settings = self.head.settings
        copies = self._each("journal") if self._workers else []
        self.head.collector.journal = MergedJournal(copies, settings.max_events, settings.max_requests, settings.count_only)

    def _gather_counters(self) -> None:
        settings = self.head.settings
        journal = Journal(settings.max_events, settings.max_requests, settings.count_only)
        journal.load(self.counters(), [], [])
        self.head.collector.journal = journal

    def _refresh(self) -> None:
        """Copy the workers' tallies, recent requests and errors into the parent's live page and /metrics."""
        if not self._workers:
            return
        # The refresher thread and admin reads (on the admin's loop) both refresh. Snapshots are taken
        # one at a time and numbered, and one applied after a newer one leaves the counts alone: older
        # counts must never replace newer ones. No lock is held while waiting for the loop.
        with self._refreshing:
            snapshot = next(self._snapshots)
            tallies, recent, errors, acks = [], [], [], []
            for worker in self._workers:
                tally, (worker.recent_cursor, records), worker_errors, ledger = worker.control.call("live", worker.recent_cursor)
                tallies.append(tally)
                recent.extend(records)
                errors.extend(worker_errors)
                acks.append(ledger)
        hooks = self.head.collector.on_request

        def apply() -> None:
            newest = snapshot > self._applied
            if newest:
                self._applied = snapshot
                self._worker_acks = acks
                self.head.collector.errors[:] = errors
            for hook in hooks:
                if isinstance(hook, Tally):
                    if newest:
                        vars(hook).update(sum_tallies(tallies))
                elif isinstance(hook, RecentRequests):
                    for record in sorted(recent, key=lambda r: r.id):  # new since the cursor, whichever snapshot
                        hook(record)

        if self.head.running:
            self.head.call_on_loop(apply)
        else:
            apply()

    def _refresh_often(self) -> None:
        while not self._stopping.wait(_REFRESH):
            try:
                self._refresh()
            except WorkerGone:
                if not self._stopping.is_set():
                    log.warning("a worker of the fake HEC is gone; the live page stops updating")
                return

    def _before_admin(self, path: str) -> None:
        if path == "/journal/counters":
            self._gather_counters()
        elif path.startswith(_JOURNAL_READS):
            self._gather_journals()
        elif path in _LIVE_READS:
            self._refresh()

    def _after_admin(self, path: str) -> None:
        if path == "/journal/clear":
            self.clear()
        elif path == "/reset":
            self._each("reset")
            self._request_ids.reset()
        elif path.startswith(("/tokens", "/settings")):
            self._push_state()


class _Head(FakeHEC):
    """The parent's own FakeHEC: the admin API over the shared state, and no HEC listener of its own."""

    def __init__(self, pool: FakeHECWorkers, tokens: Iterable[Token | str] | None, **options: Any) -> None:
        super().__init__(tokens, **options)
        self._pool = pool
        self.certificate_names = options["tls_names"]

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _bind(self) -> list[Listener]:
        return [self._admin_listener()]

    def _admin_app(self) -> ASGIApp:
        return _AdminSync(self._pool, super()._admin_app())


class _AdminSync:
    """Around the admin API: gather what a call reads from the workers first, and tell them what it changed."""

    def __init__(self, pool: FakeHECWorkers, app: ASGIApp) -> None:
        self._pool = pool
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path = scope["path"]
        try:
            self._pool._before_admin(path)
        except WorkerGone as error:
            await _gone(str(error))(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD"):
            await self._app(scope, receive, send)
            return

        async def send_after_telling_workers(message: Message) -> None:
            # Before the answer leaves: a caller that sends next must meet the change in every worker.
            if message["type"] == "http.response.start":
                self._pool._after_admin(path)
            await send(message)

        await self._app(scope, receive, send_after_telling_workers)


def _gone(reason: str) -> ASGIApp:
    """The admin API's answer when a worker it must read is gone: the whole server cannot be read."""
    return JSONResponse({"error": f"{reason}; the server's workers no longer answer as one"}, 503)
