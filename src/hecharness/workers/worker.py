"""One worker: a full `FakeHEC` in its own process, on the port its parent holds, steered by its parent.

The parent spawns it with a `WorkerSpec` and two pipes: `control`, on which the parent asks (apply
these tokens and settings, clear, reset, read the journal, stop) and the worker answers, and
`authority`, on which the worker asks the parent for fault decisions and ackIds. When the parent
goes away without a word (killed), `control` reads end-of-file and the worker stops too: no orphans.
"""

from __future__ import annotations

import copy
import logging
import os
import signal
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from hecharness.hec import FakeHEC, Token
from hecharness.hec.batches import RequestRecord
from hecharness.hec.journal import Journal
from hecharness.hec.live.feed import RecentRequests
from hecharness.hec.acks import AckLedger
from hecharness.hec.live.tally import Tally
from hecharness.hec.server import bind_socket
from hecharness.workers.authority import RemoteAcks, RemoteFaults
from hecharness.workers.line import Line, answer_calls
from hecharness.workers.shared import SharedCount

__all__ = ["WorkerSpec", "run_worker", "SHARED_LEDGER", "PER_WORKER_LEDGER", "ACK_LEDGERS"]

# The default answers like one HEC; per-worker is an indexer cluster behind an L4 balancer.
SHARED_LEDGER = "shared"
PER_WORKER_LEDGER = "per-worker"
ACK_LEDGERS = (SHARED_LEDGER, PER_WORKER_LEDGER)


@dataclass
class WorkerSpec:
    """Everything a worker is started with; it crosses to the new process pickled."""

    number: int
    tokens: list[Token]
    ports: list[int]  # one per TLS mode, held by the parent
    # FakeHEC's arguments: host, settings, TLS, and the clock, pickled with its origin so that every
    # worker reads the parent's time
    options: dict[str, Any]
    ack_ledger: str
    request_ids: SharedCount
    fault_count: Any  # a shared ctypes int: how many fault rules the parent holds
    on_request: Sequence[Callable[[RequestRecord], None]]


class _WorkerHEC(FakeHEC):
    """A `FakeHEC` that listens on its parent's ports beside its sibling workers."""

    def __init__(self, spec: WorkerSpec) -> None:
        super().__init__(spec.tokens, port=spec.ports[0], admin_port=None, **spec.options)
        self._ports = spec.ports

    def _hec_socket(self, index: int) -> socket.socket:
        return bind_socket(self.host, self._ports[index], reuse_port=True)


def run_worker(spec: WorkerSpec, control: Connection, authority: Connection) -> None:
    """The worker process's main: start, say so on `control`, answer it until told to stop or orphaned."""
    # Ctrl-C in a terminal reaches the whole process group, and a service manager's SIGTERM often the
    # whole group too: the parent decides how its workers stop (and a worker whose parent is gone stops).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.getLogger("hecharness.hec").addHandler(logging.NullHandler())  # the parent says it once
    try:
        hec = _build(spec, Line(authority, "the parent of the workers"))
        hec.start()
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which raises it
        control.send((False, str(error) or repr(error)))
        return
    control.send((True, os.getpid()))
    answer_calls(control, _Control(hec))
    hec.stop()


def _build(spec: WorkerSpec, parent: Line) -> _WorkerHEC:
    hec = _WorkerHEC(spec)
    collector, settings = hec.collector, hec.settings
    collector.journal = Journal(
        settings.max_events, settings.max_requests, settings.count_only, request_ids=lambda: spec.request_ids
    )
    collector.faults = RemoteFaults(parent, spec.fault_count)  # type: ignore[assignment]
    if spec.ack_ledger == SHARED_LEDGER:
        collector.acks = RemoteAcks(parent)  # type: ignore[assignment]
    # What the parent's live page and /metrics show is summed from these.
    collector.on_request.extend([Tally(), RecentRequests(), *spec.on_request])
    return hec


class _Control:
    """The worker's answers to its parent, one method per operation."""

    def __init__(self, hec: _WorkerHEC) -> None:
        self.hec = hec
        self.tally, self.recent = hec.collector.on_request[0], hec.collector.on_request[1]

    def __call__(self, operation: str, *arguments: Any) -> Any:
        return getattr(self, f"do_{operation}")(*arguments)

    def do_state(self, tokens: list[Token], settings: dict[str, Any]) -> None:
        collector = self.hec.collector

        def apply() -> None:
            collector.tokens.replace_all(tokens)
            collector.configure(**settings)

        self.hec.call_on_loop(apply)

    def do_clear(self) -> None:
        self.hec.journal.clear()

    def do_reset(self) -> None:
        self.hec.call_on_loop(self.hec.reset)

    def do_counters(self) -> Any:
        return self.hec.journal.counters

    def do_journal(self) -> Any:
        journal = self.hec.journal
        return journal.counters, journal.requests(), journal.events

    def do_live(self, after: int) -> Any:
        def read() -> Any:
            # Copied on the loop that writes them; pickling happens on this thread afterwards.
            collector = self.hec.collector
            # A worker's own ledger (per-worker acks) is summed in the parent; a shared one is the parent's.
            acks = collector.acks.summary() if isinstance(collector.acks, AckLedger) else {}
            return copy.deepcopy(vars(self.tally)), self.recent.since(after), list(collector.errors), acks

        return self.hec.call_on_loop(read)

    def do_stop(self) -> None:
        self.hec.stop()
        raise StopIteration(self.hec.journal.counters)
