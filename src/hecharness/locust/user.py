"""`LogpushUser`, and the Locust event listeners that make a distributed run end with sent = received.

Importing this module imports Locust, which monkey-patches the process for gevent: import it from a
locustfile (`hecharness.locust.locustfile` is one), never from a program that uses threads or asyncio.

The pieces, node by node:

- every node adds the hecharness options to Locust's command line;
- the master (or a local run) checks them once and pins the run's start, then hands them to the
  workers with the spawn message, as Locust does with every custom option;
- a worker (or a local run) takes its slice of records from its `worker_index`, and its users post
  the slice's batches one after another; every few seconds its tally rides along Locust's own report;
- when the test stops, the master asks each worker to finish: a worker takes no new batch, waits for
  the ones on the wire to be answered, and sends its final tally; the master sums them, asks the
  fakes' admin APIs what arrived, prints the verdict and sets the exit code.
"""

from __future__ import annotations

import json
import logging
import ssl
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import gevent
from gevent.threadpool import ThreadPoolExecutor
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser
from locust.env import Environment
from locust.runners import STATE_MISSING, MasterRunner, WorkerRunner

from hecharness.cli.exits import EXIT_LOST, EXIT_USAGE
from hecharness.errors import HecHarnessError
from hecharness.generate import RecordSource
from hecharness.hec.remote import AdminJournal, delivery_over
from hecharness.locust.options import RunOptions, add_arguments
from hecharness.locust.tally import RunTally, SentTally
from hecharness.logpush.batching import UploadBatch
from hecharness.logpush.sender import USER_AGENT
from hecharness.logpush.slices import upload_batches

__all__ = ["LogpushUser"]

log = logging.getLogger("hecharness.locust")
logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per admin API page would bury the verdict

_FINISH, _FINAL = "hecharness_finish", "hecharness_sent"
_REPORT_KEY = "hecharness"
_FINISH_GRACE = 60.0  # seconds past Locust's stop timeout that a worker has to drain and answer


# The generator's first use imports Faker's providers, seconds on a busy machine. Done here, while the
# locustfile is imported and before a worker connects: later, on the thread that builds a slice's
# records, the import lock it holds would stop the gevent loop too, heartbeats to the master included.
RecordSource("dns_logs", count=1)


# gzip on a native thread, as `push` has it: zlib-ng lets go of the GIL, so compressing one part of a
# batch and encoding the next use both cores, where a monkey-patched thread would take turns with the loop.
_COMPRESSION = ThreadPoolExecutor(max_workers=1)


def _let_others_run() -> None:
    gevent.sleep(0)  # heartbeats and answers to read, between a batch's thousands of records


class _Sending:
    """This process's share of the run: its batches, handed out one at a time, and the tally of them."""

    def __init__(self, options: RunOptions, index: int) -> None:
        self.options = options
        self.tally = SentTally(options.slice_for(index))
        # Building the generator's world for the slice's seed takes a second or two of pure Python: on
        # one of gevent's native threads, the loop still answers the master's heartbeats meanwhile.
        source = gevent.get_hub().threadpool.apply(self.tally.slice.source, (options.share(index),))
        self._batches = upload_batches(
            options.job, self.tally.slice, options.compress_level, pause=_let_others_run, source=source, compression=_COMPRESSION
        )
        destination = options.job.destination
        self.url = destination.url
        self.name = f"POST {destination.path}"
        self.headers = {"User-Agent": USER_AGENT, **destination.headers, "Content-Encoding": "gzip"}
        self.open = True
        self.exhausted = False
        self._done: gevent.Greenlet | None = None
        # Patched by gevent into a lock between greenlets: gzip hands its work to a pool and waits,
        # and another user asking for a batch meanwhile would re-enter the batches' generator.
        self._lock = threading.Lock()

    def take(self) -> UploadBatch | None:
        """The next batch, counted as sent; None once the run is finishing."""
        with self._lock:
            if not self.open:
                return None
            batch = next(self._batches, None)
            if batch is None:
                self.open, self.exhausted = False, True
                return None
            self.tally.taken(batch)
            return batch

    def when_sent(self, then: Any) -> gevent.Greenlet:
        """Once every batch of a --count is answered, `then(tally)`: once, in a greenlet of its own, returned."""
        if self._done is None:
            self._done = gevent.spawn(lambda: then(self.finish(_FINISH_GRACE)))
        return self._done

    def finish(self, timeout: float) -> SentTally:
        """Hand out no more batches and wait (up to `timeout` seconds) for those on the wire."""
        self.open = False
        deadline = time.monotonic() + timeout
        while self.tally.in_flight and time.monotonic() < deadline:
            gevent.sleep(0.01)
        return self.tally


_sending: _Sending | None = None


class LogpushUser(FastHttpUser):
    """Posts the worker's Logpush batches to the destination, one after another, as fast as they are answered.

    Locust's statistics get the POSTs, a `RECORDS` row whose sizes are records per batch (its total
    is the records sent) and a `GZIP` row whose sizes are the bytes of each body.
    """

    wait_time = constant(0)

    def __init__(self, environment: Environment) -> None:
        sending = _current()
        destination = sending.options.job.destination
        origin = urlsplit(sending.url)
        self.host = f"{origin.scheme}://{origin.netloc}"
        self.insecure = destination.insecure_skip_verify
        cacert = sending.options.cacert
        if cacert is not None:
            self.ssl_context_factory = lambda: ssl.create_default_context(cafile=str(cacert))
        super().__init__(environment)

    @task
    def upload(self) -> None:
        sending = _current()
        batch = sending.take()
        if batch is None:
            if sending.exhausted:
                # Not before the final tally is out: a worker whose users all stopped quits, and says no more.
                sending.when_sent(lambda tally: _all_sent(self.environment, tally)).join()
                raise StopUser()
            gevent.sleep(0.1)  # finishing: the runner stops this user shortly
            return
        started = time.perf_counter()
        delivered = False
        try:
            response = self.client.post(sending.url, data=batch.body, headers=sending.headers, name=sending.name)
            delivered = 200 <= (response.status_code or 0) < 300
        finally:
            sending.tally.answered(batch, delivered)
        elapsed = (time.perf_counter() - started) * 1000
        failure = None if delivered else RuntimeError("batch not accepted")
        fire = self.environment.events.request.fire
        fire(request_type="RECORDS", name="records", response_time=elapsed, response_length=batch.records, exception=failure, context={})
        fire(request_type="GZIP", name="bytes", response_time=elapsed, response_length=len(batch.body), exception=failure, context={})


def _current() -> _Sending:
    if _sending is None:
        raise RuntimeError("the hecharness run was not set up: LogpushUser runs under Locust, from a locustfile")
    return _sending


# -- every node --------------------------------------------------------------------------------------


@events.init_command_line_parser.add_listener
def _add_options(parser: Any, **_: Any) -> None:
    add_arguments(parser)


@events.init.add_listener
def _set_up(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        # A worker's options come from the master with each spawn message; they are checked there.
        runner.register_message(_FINISH, _finish_worker, concurrent=True)
        environment.events.report_to_master.add_listener(_report)
        return
    try:
        options = RunOptions.from_parsed(environment.parsed_options)
        for url in options.admin_urls:  # an admin API that does not answer now would spoil the verdict at the end
            with AdminJournal(url, options.admin_token) as journal:
                journal.counters()
    except HecHarnessError as error:
        sys.stderr.write(f"hecharness: {error}\n")
        raise SystemExit(EXIT_USAGE) from None
    environment.parsed_options.record_start = options.start  # one start for every worker
    _Run(environment, options)


@events.test_start.add_listener
def _start_sending(environment: Environment, **_: Any) -> None:
    global _sending
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        return
    index = runner.worker_index if isinstance(runner, WorkerRunner) else 0
    _sending = _Sending(RunOptions.from_parsed(environment.parsed_options), index)


# -- a worker ----------------------------------------------------------------------------------------


def _all_sent(environment: Environment, tally: SentTally) -> None:
    """This sender's share of --count is sent and answered: tell the master (a local run just ends)."""
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.send_message(_FINAL, {_REPORT_KEY: tally.to_dict()})
    else:
        runner.quit()


def _report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    if _sending is not None:
        data[_REPORT_KEY] = _sending.tally.to_dict()


def _finish_worker(environment: Environment, msg: Any, **_: Any) -> None:
    if _sending is None:
        tally: dict[str, Any] | None = None
    else:
        tally = _sending.finish(environment.stop_timeout + _FINISH_GRACE).to_dict()
    environment.runner.send_message(_FINAL, {_REPORT_KEY: tally})


# -- the master, or a local run ----------------------------------------------------------------------


class _Run:
    """Sums the senders' tallies and, when the test ends, gives the verdict and the exit code."""

    def __init__(self, environment: Environment, options: RunOptions) -> None:
        self.environment = environment
        self.options = options
        self.tally = RunTally()
        self.final: set[str] = set()
        self.started: float | None = None
        self.stopped: float | None = None
        self._ending = False
        self._reported = False
        events_ = environment.events
        events_.test_start.add_listener(self._started)
        events_.test_stopping.add_listener(self._stopping)
        events_.quitting.add_listener(self._quitting)
        if isinstance(environment.runner, MasterRunner):
            events_.worker_report.add_listener(self._worker_report)
            environment.runner.register_message(_FINAL, self._final_report)

    def _started(self, **_: Any) -> None:
        self.started, self.stopped = time.monotonic(), None
        self.tally, self.final = RunTally(), set()

    def _worker_report(self, client_id: str, data: dict[str, Any], **_: Any) -> None:
        if data.get(_REPORT_KEY) and client_id not in self.final:
            self.tally.update(client_id, data[_REPORT_KEY])

    def _final_report(self, environment: Environment, msg: Any, **_: Any) -> None:
        if msg.data.get(_REPORT_KEY):
            self.tally.update(msg.node_id, msg.data[_REPORT_KEY])
        self.final.add(msg.node_id)
        runner = environment.runner
        if self.options.count is not None and not self._ending and self._workers() <= self.final:
            # Every worker sent its share of --count: the run is over, as when the last worker quits.
            self._ending = True
            gevent.spawn(runner.quit)

    def _workers(self) -> set[str]:
        return {client.id for client in self.environment.runner.clients.all if client.state != STATE_MISSING}

    def _stopping(self, **_: Any) -> None:
        runner = self.environment.runner
        if not isinstance(runner, MasterRunner):
            if _sending is not None:
                self.tally.update("local", _sending.finish(self.environment.stop_timeout + _FINISH_GRACE).to_dict())
            self.stopped = time.monotonic()
            return
        workers = self._workers()
        runner.send_message(_FINISH)
        deadline = time.monotonic() + self.environment.stop_timeout + _FINISH_GRACE
        while not workers <= self.final and time.monotonic() < deadline:
            gevent.sleep(0.05)
        silent = workers - self.final
        if silent:
            log.warning("%d worker(s) did not send a final tally; their last report stands in", len(silent))
        self.stopped = time.monotonic()

    def _quitting(self, environment: Environment, **_: Any) -> None:
        if self._reported:  # a SIGTERM during the accounting shuts Locust down a second time
            return
        self._reported = True
        tally = self.tally
        seconds = (self.stopped or time.monotonic()) - (self.started or time.monotonic())
        print(tally.summary(seconds), flush=True)
        if self.options.sent_file is not None:
            try:
                self.options.sent_file.write_text(json.dumps(tally.sent_file(), indent=1))
            except OSError as error:
                print(f"hecharness: cannot write --sent-file {self.options.sent_file}: {error.strerror or error}", file=sys.stderr, flush=True)
        if not self.options.admin_urls:
            if tally.total("failed_batches"):
                environment.process_exit_code = EXIT_LOST
            return
        journals = [AdminJournal(url, self.options.admin_token) for url in self.options.admin_urls]
        try:
            delivery = delivery_over(tally.lines(), journals, key=tally.key, sent=tally.records)
        except HecHarnessError as error:
            print(f"hecharness: cannot account for delivery: {error}", file=sys.stderr, flush=True)
            environment.process_exit_code = EXIT_LOST
            return
        finally:
            for journal in journals:
                journal.close()
        print(delivery.verdict, flush=True)
        if delivery.detail:
            print(delivery.detail, flush=True)
        if not delivery.complete:
            environment.process_exit_code = EXIT_LOST
