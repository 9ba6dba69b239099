"""Collector ingest benchmark (issue 2): /services/collector/raw with ndjson bodies, under wrk.

Three servers answer POST /services/collector/raw, one at a time, each in its own process (started
afresh for every sample):

- **ceiling**: a bare Starlette endpoint that reads the body, gunzips it when asked (zlib-ng when
  installed, as our collector uses) and counts its lines. It runs inside a `FakeHEC` whose app is swapped for it, so it gets exactly our uvicorn
  settings (httptools, uvloop, access log off) on the same thread and loop.
- **ours**: `FakeHEC` with the journal on (default settings, `max_events` capped at 100 000 so memory
  stays flat; counters stay exact).
- **pytest-httpserver**: `pytest_httpserver.HTTPServer` as its `httpserver` fixture runs it (not
  threaded: one request at a time), started outside pytest, with a handler that gunzips, counts
  lines and answers the same JSON. The target is measured against it.
- **pytest-httpserver-threaded**: the same with `threaded=True`, its opt-in mode, where werkzeug's
  threads receive and inflate in C on both cores; shown beside it for scale.
- **ours-count-only**: `FakeHEC` with `count_only`: what the journal costs, in rate and in p99 latency.
- **fluent-bit**: Fluent Bit's `in_splunk` (C), one pipeline thread, null output, built from source by
  bench/fluentbit.sh when missing (see bench/_fluentbit.py); its rows are skipped, saying why, when
  it cannot be built. Compared per core (requests/s over the CPU its process used), and at 1 MB
  also on a burst: the first BURST_S seconds of a fresh server, before its buffers fill and it
  starts answering 503 (that is Fluent Bit at its best; ours is measured the same way).

wrk (another process) POSTs a pre-built body: 1 KB and 1 MB of ndjson, plain and gzip. After each
sample the server's own count is checked against wrk's: every completed request must carry exactly
the body's lines, the server may have finished at most one request per connection more than wrk
counted (those wrk abandoned in flight at its deadline), and nothing may answer non-2xx.

Every cell is sampled ROUNDS times, in rounds over all cells, and reports the median sample taken on
a quiet machine: CPU used by other processes is measured during each sample, the run waits for them
to calm down (within a budget) and measures a busy sample again.

When our collector misses a target, it is run again under cProfile (on the server's loop thread)
next to the ceiling, and the section ends with where the time goes.

    python bench/bench_collector.py                   # prints the Markdown section
    python bench/bench_collector.py --servers ours,ours-count-only,fluent-bit --rounds 3   # a part of it
    python bench/run.py collector                     # the same, written into bench/RESULTS.md
    BENCH_REV=HEAD python bench/run.py collector      # measure a commit's src/, not the working tree

Exit status: 0 when the run completed (targets missed or not: the table says FAIL), 1 when the
run itself failed (a server did not start, counts did not match, wrk errors), 2 without wrk.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import pstats
import random
import select
import shutil
import subprocess
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from pathlib import Path

from _common import busy_cores, busy_seconds, process_cpu
from _fluentbit import FluentBit, locate

HOST = "127.0.0.1"
RAW_PATH = "/services/collector/raw"
REPLY = b'{"text":"Success","code":0}'

# The load: fixed for every cell so the numbers compare.
CONNECTIONS = 32
WRK_THREADS = 1
DURATION_S = 4  # per sample; every cell is sampled ROUNDS times, in rounds over all cells, and reports the median
ROUNDS = 5
WARMUP_S = 1
PROFILE_S = 4
WRK_TIMEOUT = "30s"
# A cell during which other processes took more than this much CPU is measured again, up to ATTEMPTS times.
QUIET_CORES = 0.25
ATTEMPTS = 2
QUIET_BUDGET_S = 180  # at most this long, over the whole run, waiting for other work to stop before a cell

BURST_S = 2  # the burst measure at 1 MB against Fluent Bit: a fresh server's first seconds, no warm-up

# Targets of issue 2, for ours with the journal on, per body.
TARGET_VS_CEILING = 0.7
TARGET_VS_HTTPSERVER = 4.0
# Targets of issue 18: journal-on p99 within this of count-only at 1 KB; per core against Fluent Bit.
TARGET_P99_VS_COUNT_ONLY = 3.0
TARGET_VS_FLUENTBIT = 0.5  # at 1 KB and 1 KB gzip; at 1 MB ours must be ahead (> 1x) on the burst

JOURNAL_CAP = 100_000
SERVERS = ("ceiling", "asgi-ceiling", "asgi-floor", "whole-floor", "ours", "ours-count-only", "pytest-httpserver", "pytest-httpserver-threaded", "fluent-bit")
OURS = ("ours", "ours-count-only")


# -- bodies -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BodySpec:
    name: str
    lines: int
    line_size: int  # bytes per line, newline included
    gzip: bool


BODIES = (
    BodySpec("1 KB", 4, 256, False),
    BodySpec("1 KB gzip", 4, 256, True),
    BodySpec("1 MB", 1024, 1024, False),
    BodySpec("1 MB gzip", 1024, 1024, True),
)

_WORDS = (
    "api v1 v2 users orders items cart checkout login logout static assets img css js search "
    "products category account settings profile health status metrics edge cache origin"
).split()
_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5",
    "curl/8.5.0",
    "python-httpx/0.27.0",
)


def ndjson(lines: int, line_size: int, seed: int) -> bytes:
    """`lines` Logpush-like JSON records of exactly `line_size` bytes each (newline included)."""
    import orjson

    rng = random.Random(seed)
    out = []
    for number in range(lines):
        record = {
            "RayID": f"{rng.getrandbits(64):016x}",
            "EdgeStartTimestamp": 1_700_000_000_000_000_000 + number * 1_000_003,
            "ClientIP": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            "ClientRequestHost": "www.example.com",
            "ClientRequestMethod": rng.choice(("GET", "GET", "GET", "POST")),
            "ClientRequestURI": "/" + "/".join(rng.choice(_WORDS) for _ in range(rng.randrange(1, 5))),
            "EdgeResponseStatus": rng.choice((200, 200, 200, 304, 404)),
            "ClientRequestUserAgent": rng.choice(_AGENTS),
            "Pad": "",
        }
        text = orjson.dumps(record)
        missing = line_size - 1 - len(text)
        if missing < 0:
            record.pop("ClientRequestUserAgent")
            text = orjson.dumps(record)
            missing = line_size - 1 - len(text)
        pad = []
        while sum(map(len, pad)) < missing:
            pad.append(rng.choice(_WORDS) + "-")
        record["Pad"] = "".join(pad)[:missing]
        text = orjson.dumps(record)
        assert len(text) == line_size - 1, (len(text), line_size)
        out.append(text + b"\n")
    return b"".join(out)


@dataclass
class Body:
    spec: BodySpec
    path: Path
    decoded: int  # bytes after gunzip
    wire: int  # bytes on the wire
    lines: int


def build_bodies(directory: Path) -> list[Body]:
    bodies = []
    for index, spec in enumerate(BODIES):
        data = ndjson(spec.lines, spec.line_size, seed=index // 2)
        wire = gzip.compress(data, compresslevel=6, mtime=0) if spec.gzip else data
        path = directory / f"body-{index}.{'ndjson.gz' if spec.gzip else 'ndjson'}"
        path.write_bytes(wire)
        bodies.append(Body(spec, path, len(data), len(wire), data.count(b"\n")))
    return bodies


def inflater() -> tuple[object, str]:
    """The gzip module the reference servers inflate with: zlib-ng when installed (as our collector uses),
    else the standard library's zlib. A ceiling must not inflate slower than the thing it bounds."""
    try:
        from zlib_ng import zlib_ng

        return zlib_ng, "zlib-ng"
    except ImportError:
        import zlib

        return zlib, "zlib (standard library)"


def count_lines(data: bytes) -> int:
    """Lines in an ndjson body; the two reference servers use this and nothing more."""
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


# -- servers (the child process) ---------------------------------------------------------------


async def _whole_body(receive, counts: dict) -> bytes | None:
    """A bare ASGI endpoint's body, read to its end; None (counted) when the client hung up first."""
    chunks = []
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            counts["disconnects"] += 1
            return None
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class ServerProcess:
    """What a server child does: start one server, then answer commands on stdin, one line each.

    counts | reset | profile-start | profile-stop <file> | quit  -> one JSON line on stdout.
    """

    def __init__(self, kind: str, token: str) -> None:
        self.kind = kind
        self.token = token
        self.profiler = None
        self.hec = None
        self.httpserver = None
        self.fluentbit: FluentBit | None = None
        self.pid = os.getpid()  # the process that serves, whose CPU is measured
        self.lock = threading.Lock()
        self.counts = {"requests": 0, "events": 0, "disconnects": 0}
        self.port = 0
        self.note = ""

    # each kind

    def start(self) -> None:
        if self.kind in OURS:
            from hecharness.hec.server import FakeHEC
            from hecharness.hec.settings import HECSettings

            settings = HECSettings(max_events=JOURNAL_CAP, count_only=self.kind == "ours-count-only")
            self.hec = FakeHEC([self.token], admin_port=None, settings=settings)
            self.hec.start()
            self.note = json.dumps(self.hec.settings.to_dict())
        elif self.kind == "whole-floor":
            from hecharness.hec.replies import SUCCESS
            from hecharness.hec.server import FakeHEC

            # Ours, with the collector's one-step answer (Collector.answer_whole) doing only the floor's
            # work, and asgi-floor's app for the requests it does not take (bodies over 64 KiB).
            self.hec = FakeHEC([self.token], admin_port=None)
            floor = self._floor()
            self.hec.collector.answer_whole = lambda scope, data: SUCCESS if floor(scope, data) else None
            self.hec.collector.app = self._asgi_floor_app()
            self.hec.start()
        elif self.kind in ("ceiling", "asgi-ceiling", "asgi-floor"):
            from hecharness.hec.server import FakeHEC

            app = {"ceiling": self._ceiling_app, "asgi-ceiling": self._asgi_ceiling_app, "asgi-floor": self._asgi_floor_app}[self.kind]()
            # Same listener, uvicorn config, thread and event loop as ours; only the app differs.
            self.hec = FakeHEC([self.token], admin_port=None, wrap=lambda collector: app)
            self.hec.start()
        elif self.kind in ("pytest-httpserver", "pytest-httpserver-threaded"):
            self._start_httpserver(threaded=self.kind.endswith("threaded"))
        elif self.kind == "fluent-bit":
            self.fluentbit = FluentBit(os.environ["FLUENTBIT_BIN"], self.token, HOST)
            self.port, self.pid = self.fluentbit.port, self.fluentbit.pid
            self.note = os.environ.get("FLUENTBIT_VERSION", "Fluent Bit")
        else:
            raise ValueError(self.kind)
        if self.hec is not None:
            self.port = self.hec.listeners[0].port
            loop = self.hec.call_on_loop(asyncio.get_running_loop)
            self.note = self.note or f"uvicorn on {type(loop).__module__}"

    def _ceiling_app(self):
        from starlette.applications import Starlette
        from starlette.requests import ClientDisconnect, Request
        from starlette.responses import Response
        from starlette.routing import Route

        counts = self.counts
        zlib, _ = inflater()

        async def raw(request: Request) -> Response:
            try:
                data = await request.body()
            except ClientDisconnect:
                counts["disconnects"] += 1
                raise
            if request.headers.get("content-encoding") == "gzip":
                data = zlib.decompress(data, 31)
            counts["events"] += count_lines(data)
            counts["requests"] += 1
            return Response(REPLY, media_type="application/json")

        return Starlette(routes=[Route(RAW_PATH, raw, methods=["POST"])])

    def _asgi_ceiling_app(self):
        """The ceiling's endpoint as a bare ASGI callable."""
        counts = self.counts
        zlib, _ = inflater()
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(REPLY)).encode())],
        }
        body = {"type": "http.response.body", "body": REPLY}

        async def app(scope, receive, send):
            if scope["type"] != "http":
                return
            data = await _whole_body(receive, counts)
            if data is None:
                return
            for name, value in scope["headers"]:
                if name == b"content-encoding" and value == b"gzip":
                    data = zlib.decompress(data, 31)
            counts["events"] += count_lines(data)
            counts["requests"] += 1
            await send(start)
            await send(body)

        return app

    def _floor(self):
        """The least a HEC that keeps what it took must do per request, given the request's scope and
        whole body: decode the headers, look up the token, inflate the body, count its lines and keep
        the request with its body in a capped list. False when the body never came whole."""
        counts = self.counts
        zlib, _ = inflater()
        tokens = {f"Splunk {self.token}": "bench"}
        kept: list[tuple] = []

        def floor(scope, data) -> bool:
            headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in reversed(scope["headers"])}
            token = tokens.get(headers.get("authorization", ""))
            if data is None:
                return False
            if headers.get("content-encoding") == "gzip":
                data = zlib.decompress(data, 31)
            lines = count_lines(data)
            counts["events"] += lines
            counts["requests"] += 1
            kept.append((counts["requests"], time.time(), scope["method"], scope["path"], headers, token, data, lines))
            if len(kept) * lines > JOURNAL_CAP:
                del kept[: len(kept) // 10]
            return True

        return floor

    def _asgi_floor_app(self):
        """The floor (`_floor`) as a bare ASGI callable, answering with splunkd's head (its seven headers)."""
        counts = self.counts
        floor = self._floor()
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"Content-Type", b"application/json; charset=UTF-8"),
                (b"X-Content-Type-Options", b"nosniff"),
                (b"Content-Length", str(len(REPLY)).encode()),
                (b"Vary", b"Authorization"),
                (b"Connection", b"Keep-Alive"),
                (b"X-Frame-Options", b"SAMEORIGIN"),
                (b"Server", b"Splunkd"),
            ],
        }
        body = {"type": "http.response.body", "body": REPLY}

        async def app(scope, receive, send):
            if scope["type"] != "http":
                return
            if not floor(scope, await _whole_body(receive, counts)):
                return
            await send(start)
            await send(body)

        return app

    def _start_httpserver(self, threaded: bool) -> None:
        import logging

        from pytest_httpserver import HTTPServer
        from werkzeug import Request, Response

        # No access log, as for ours and the ceiling (werkzeug writes one line per request otherwise).
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        server = HTTPServer(host=HOST, port=0, threaded=threaded)
        counts, lock = self.counts, self.lock
        log_cap = [JOURNAL_CAP]
        zlib, _ = inflater()

        def handler(request: Request) -> Response:
            data = request.get_data()
            if request.headers.get("Content-Encoding") == "gzip":
                data = zlib.decompress(data, 31)
            lines = count_lines(data)
            with lock:
                counts["events"] += lines
                counts["requests"] += 1
                # pytest-httpserver logs every (request, response) with its body; keep about as many
                # events as our journal keeps, so neither server's memory grows with the run.
                keep = max(1, log_cap[0] // max(1, lines))
                if len(server.log) > keep + 64:
                    del server.log[: len(server.log) - keep]
            return Response(REPLY, content_type="application/json")

        server.expect_request(RAW_PATH, method="POST").respond_with_handler(handler)
        server.start()
        self.httpserver = server
        self.port = server.port
        self.note = f"pytest-httpserver {package_version('pytest-httpserver')}, threaded={server.threaded}"

    # commands

    def snapshot(self) -> dict:
        if self.fluentbit is not None:
            # One record per /raw request (see bench/_fluentbit.py): its events are not counted apart.
            return {"requests": self.fluentbit.records(), "events": None, "other_status": {}, "errors": 0, "first_error": ""}
        if self.kind in OURS:
            counters = self.hec.journal.counters
            errors = self.hec.errors
            ok = counters.by_status.get(200, 0)
            # A sender hanging up mid-body is journaled as status 0 (older code: a 500 and a traceback).
            hung_up_errors = sum("ClientDisconnect" in e for e in errors)
            return {
                "requests": ok,
                "events": counters.events,
                "other_status": {str(k): v for k, v in counters.by_status.items() if k not in (200, 0)},
                "disconnects": counters.by_status.get(0, 0) + hung_up_errors,
                "disconnect_errors": hung_up_errors,
                "errors": len(errors),
                "first_error": errors[0].strip().splitlines()[-1] if errors else "",
            }
        with self.lock:
            return {**self.counts, "other_status": {}, "errors": 0, "first_error": ""}

    def reset(self) -> None:
        if self.fluentbit is not None:
            self.fluentbit.reset()
        if self.kind in OURS:
            self.hec.journal.clear()
            self.hec.collector.errors.clear()
        with self.lock:
            for key in self.counts:
                self.counts[key] = 0
        if self.httpserver is not None:
            self.httpserver.clear_log()

    def profile_start(self) -> None:
        import cProfile

        self.profiler = cProfile.Profile()
        self.hec.call_on_loop(self.profiler.enable, timeout=10)  # cProfile is per thread: the serving one

    def profile_stop(self, path: str) -> None:
        self.hec.call_on_loop(self.profiler.disable, timeout=10)
        self.profiler.dump_stats(path)

    def stop(self) -> None:
        if self.hec is not None:
            self.hec.stop()
        if self.httpserver is not None:
            self.httpserver.stop()
        if self.fluentbit is not None:
            self.fluentbit.stop()

    def serve(self) -> int:
        try:
            self.start()
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            _say({"ready": False, "error": repr(error)})
            return 1
        import hecharness

        _say({"ready": True, "port": self.port, "pid": self.pid, "note": self.note, "hecharness": hecharness.__file__})
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            try:
                if command == "counts":
                    _say(self.snapshot())
                elif command == "reset":
                    self.reset()
                    _say({"ok": True})
                elif command == "profile-start":
                    self.profile_start()
                    _say({"ok": True})
                elif command == "profile-stop":
                    self.profile_stop(argument)
                    _say({"ok": True})
                elif command == "quit":
                    break
                else:
                    _say({"error": f"unknown command {command!r}"})
            except Exception as error:  # noqa: BLE001 - reported to the parent
                _say({"error": repr(error)})
        self.stop()
        _say({"stopped": True})
        return 0


def _say(data: dict) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


# -- the parent: servers, wrk, checks ------------------------------------------------------------


class BenchError(RuntimeError):
    """The run itself failed: its numbers cannot be trusted."""


class Server:
    """A server child seen from the parent."""

    # Set by main: where server children import hecharness from (BENCH_REV), and where their stderr goes.
    src: Path | None = None
    logs: Path = Path(tempfile.gettempdir())

    def __init__(self, kind: str, token: str) -> None:
        self.kind = kind
        env = dict(os.environ)
        if Server.src is not None:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Server.src), env.get("PYTHONPATH")]))
        self.log = Server.logs / f"server-{kind}.log"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, __file__, "--serve", kind, "--token", token],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=Path(__file__).resolve().parent,
                env=env,
            )
        self._buffer = b""
        try:
            ready = self._read(30)
        except BenchError:
            self.close()
            raise
        if not ready.get("ready"):
            self.close()
            raise BenchError(f"{kind} did not start: {ready.get('error')}{self.stderr_tail()}")
        if Server.src is not None and not ready["hecharness"].startswith(str(Server.src)):
            self.close()
            raise BenchError(f"{kind} imported hecharness from {ready['hecharness']}, not from {Server.src}")
        self.port = ready["port"]
        self.pid = ready["pid"]  # the serving process: this child, or the one it started (Fluent Bit)
        self.note = ready["note"]
        self.url = f"http://{HOST}:{self.port}{RAW_PATH}"

    def stderr_tail(self, lines: int = 15) -> str:
        """The end of the server's stderr, to show with a failure."""
        try:
            text = self.log.read_text(errors="replace").strip().splitlines()[-lines:]
        except OSError:
            return ""
        return ("\n  server stderr (last lines):\n    " + "\n    ".join(text)) if text else ""

    def _read(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise BenchError(f"{self.kind} did not answer within {timeout:.0f} s{self.stderr_tail()}")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise BenchError(f"{self.kind} exited (status {self.proc.wait(5)}){self.stderr_tail()}")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def ask(self, command: str, timeout: float = 30) -> dict:
        self.proc.stdin.write(command.encode() + b"\n")
        self.proc.stdin.flush()
        answer = self._read(timeout)
        if "error" in answer:
            raise BenchError(f"{self.kind}: {command}: {answer['error']}")
        return answer

    def settle(self, timeout: float = 15) -> dict:
        """Counts once requests abandoned by wrk have finished: two readings 0.3 s apart agree."""
        deadline = time.monotonic() + timeout
        last = self.ask("counts")
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.ask("counts")
            if now == last:
                return now
            last = now
        raise BenchError(f"{self.kind} kept counting for {timeout:.0f} s after wrk stopped")

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
                self.proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@dataclass
class WrkResult:
    requests: int
    duration: float
    errors: dict
    p50_ms: float
    p99_ms: float

    @property
    def ok(self) -> int:
        """Requests answered 2xx: wrk counts the others among its errors, as "status"."""
        return self.requests - self.errors.get("status", 0)

    @property
    def rps(self) -> float:
        return self.ok / self.duration


_LUA = """\
wrk.method = "POST"
local file = assert(io.open("{body}", "rb"))
wrk.body = file:read("*a")
file:close()
wrk.headers["Authorization"] = "Splunk {token}"
wrk.headers["Content-Type"] = "text/plain"
{encoding}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p99_us":%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def lua_script(directory: Path, body: Body, token: str) -> Path:
    encoding = 'wrk.headers["Content-Encoding"] = "gzip"' if body.spec.gzip else ""
    path = directory / f"{body.path.stem}.lua"
    path.write_text(_LUA.format(body=body.path, token=token, encoding=encoding))
    return path


def run_wrk(url: str, script: Path, seconds: int) -> WrkResult:
    command = [
        "wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", f"--timeout={WRK_TIMEOUT}",
        "-s", str(script), url,
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((l for l in run.stdout.splitlines() if l.startswith("WRK-RESULT ")), None)
    if run.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({run.returncode}): {run.stderr.strip() or run.stdout.strip()}")
    data = json.loads(line.removeprefix("WRK-RESULT "))
    errors = {k: data[k] for k in ("connect", "read", "write", "status", "timeout") if data[k]}
    return WrkResult(data["requests"], data["duration_us"] / 1e6, errors, data["p50_us"] / 1e3, data["p99_us"] / 1e3)


@dataclass
class Cell:
    """One sample: a server, a body, one wrk run."""

    server: str
    body: Body
    wrk: WrkResult
    counted: dict
    note: str
    cpu: CpuWindow
    attempt: int
    problems: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.wrk.rps


def quiet(cell: Cell) -> bool:
    return cell.cpu.others is None or cell.cpu.others <= QUIET_CORES


def median(samples: list[Cell]) -> tuple[float, Cell]:
    """The median rate of the samples taken on a quiet machine, and the quiet sample nearest to it (for its
    latency and CPU figures); when none was quiet, the rate of the one with the least other work."""
    calm = [cell for cell in samples if quiet(cell)]
    if not calm:
        cell = min(samples, key=lambda cell: cell.cpu.others or 0.0)
        return cell.rps, cell
    rate = statistics.median(cell.rps for cell in calm)
    return rate, min(calm, key=lambda cell: abs(cell.rps - rate))


def check(cell: Cell) -> None:
    """The server's own count must agree with wrk's, line for line, with no non-2xx answers."""
    wrk, counted, lines = cell.wrk, cell.counted, cell.body.lines
    # Fluent Bit answers 503 (code 9) while its buffers are full: refused, not failed; its rate counts 2xx only.
    errors = {k: v for k, v in wrk.errors.items() if not (k == "status" and cell.server == "fluent-bit")}
    if errors:
        cell.problems.append(f"wrk errors {errors}")
    if wrk.ok == 0:
        cell.problems.append("no request completed")
    if counted["events"] is not None and counted["events"] != counted["requests"] * lines:
        cell.problems.append(
            f"server counted {counted['events']} events for {counted['requests']} requests of {lines} lines"
        )
    extra = counted["requests"] - wrk.ok
    if not 0 <= extra <= CONNECTIONS:
        cell.problems.append(f"server answered {counted['requests']} requests, wrk completed {wrk.ok}")
    # Requests wrk abandoned mid-body at its deadline end as disconnects, at most one per connection;
    # nothing else may fail.
    disconnect_errors = counted.get("disconnect_errors", 0)
    unexplained_errors = counted.get("errors", 0) - disconnect_errors
    other = sum(counted.get("other_status", {}).values()) - disconnect_errors
    if unexplained_errors > 0:
        cell.problems.append(f"{unexplained_errors} errors inside the server, first: {counted['first_error']}")
    if other > 0:
        cell.problems.append(f"non-2xx answers {counted.get('other_status')}")
    if counted.get("disconnects", 0) > CONNECTIONS:
        cell.problems.append(f"{counted['disconnects']} requests cut off mid-body, more than one per connection")


class CpuWindow:
    """CPU used during a window, in cores: by the server process, by wrk, and by everything else.

    "Everything else" is other people's work on this machine; a cell measured while it was high is
    measured again (see `measure`). Linux only; elsewhere every figure is None.
    """

    def __init__(self, server_pid: int) -> None:
        self.pid = server_pid
        self.server = self.wrk = self.others = None

    def __enter__(self) -> CpuWindow:
        self._start = self._sample()
        return self

    def __exit__(self, *exc_info: object) -> None:
        end = self._sample()
        if self._start is None or end is None:
            return
        seconds = end[0] - self._start[0]
        system, server, children, me = (end[i] - self._start[i] for i in range(1, 5))
        self.server = server / seconds
        self.wrk = children / seconds
        self.others = max(0.0, (system - server - children - me) / seconds)

    def _sample(self) -> tuple[float, ...] | None:
        import resource

        try:
            busy, server = busy_seconds(), process_cpu(self.pid)
        except (OSError, ValueError, IndexError):
            return None
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
        me = resource.getrusage(resource.RUSAGE_SELF)
        return (
            time.monotonic(),
            busy,
            server,
            children.ru_utime + children.ru_stime,
            me.ru_utime + me.ru_stime,
        )


def warm_up(server: Server, script: Path, body: Body) -> None:
    """A short run, not measured; a server that fails it stops the benchmark at once."""
    result = run_wrk(server.url, script, WARMUP_S)
    counted = server.settle()
    events = counted["requests"] * body.lines if counted["events"] is None else counted["events"]
    if set(result.errors) - {"status"} or result.ok == 0 or events != counted["requests"] * body.lines:
        raise BenchError(
            f"{server.kind} failed the warm-up with {body.spec.name}: wrk completed {result.requests} requests, "
            f"errors {result.errors}; the server counted {counted}{server.stderr_tail()}"
        )
    server.ask("reset")


def measure(kind: str, body: Body, token: str, script: Path, quiet: Quiet, burst: bool = False) -> Cell:
    """One cell; measured again (up to ATTEMPTS times) when other work took CPU during it, keeping the quietest.

    A burst is a fresh server's first BURST_S seconds, with no warm-up."""
    best: Cell | None = None
    for attempt in range(1, ATTEMPTS + 1):
        quiet.wait()
        with Server(kind, token) as server:
            if not burst:
                warm_up(server, script, body)
            with CpuWindow(server.pid) as cpu:
                result = run_wrk(server.url, script, BURST_S if burst else DURATION_S)
            counted = server.settle()
            cell = Cell(kind, body, result, counted, server.note, cpu, attempt)
            check(cell)
            if cell.problems:
                raise BenchError(f"{kind} with {body.spec.name}: {'; '.join(cell.problems)}{server.stderr_tail()}")
        if best is None or (cpu.others or 0.0) < (best.cpu.others or 0.0):
            best = cell
        if cpu.others is None or cpu.others <= QUIET_CORES or attempt == ATTEMPTS:
            break
        print(f" (other work took {cpu.others:.2f} cores, again)", end="", file=sys.stderr, flush=True)
    assert best is not None
    return best


class Quiet:
    """Waits, before each cell, until other processes leave the CPU alone, within a budget for the whole run."""

    def __init__(self, budget: float) -> None:
        self.left = budget

    def wait(self) -> None:
        waited = 0.0
        busy = None
        while self.left > 0:
            busy = busy_cores(1.0)
            if busy is None or busy <= QUIET_CORES:
                break
            time.sleep(2)
            waited += 3
            self.left -= 3
        if waited:
            state = "quiet" if busy is None or busy <= QUIET_CORES else f"still busy ({busy:.2f} cores), going on"
            print(f" (waited {waited:.0f} s for other work: {state})", end="", file=sys.stderr, flush=True)


def profile(kind: str, body: Body, token: str, script: Path, directory: Path, quiet: Quiet) -> tuple[pstats.Stats, int, float]:
    """cProfile on the server's loop thread during a wrk run: the stats, how many requests they cover, and
    the cores other processes took meanwhile (measured once more if they took too many)."""
    path = directory / f"profile-{kind}-{body.path.stem}.pstats"
    for attempt in range(1, ATTEMPTS + 1):
        quiet.wait()
        with Server(kind, token) as server:
            warm_up(server, script, body)
            server.ask("profile-start")
            with CpuWindow(server.pid) as cpu:
                run_wrk(server.url, script, PROFILE_S)
            server.settle()
            server.ask(f"profile-stop {path}")
            counted = server.ask("counts")
            if not counted["requests"]:
                raise BenchError(f"{kind} served no request while profiled with {body.spec.name}{server.stderr_tail()}")
        others = cpu.others or 0.0
        if others <= QUIET_CORES or attempt == ATTEMPTS:
            return pstats.Stats(str(path)), counted["requests"], others
        print(f" (other work took {others:.2f} cores, again)", end="", file=sys.stderr, flush=True)
    raise AssertionError("unreachable")


# -- reporting ------------------------------------------------------------------------------------


def _mb(value: float) -> str:
    return f"{value / 1e6:,.1f}"


def _cpu(cpu: CpuWindow) -> str:
    if cpu.server is None:
        return "n/a"
    return f"{cpu.server:.2f} / {cpu.wrk:.2f} / {cpu.others:.2f}"


def _n(value: float) -> str:
    return f"{value:,.0f}"


def report_table(
    samples: dict[tuple[str, str], list[Cell]], bodies: list[Body], servers: tuple[str, ...], bursts: dict[tuple[str, str], list[Cell]]
) -> list[str]:
    out = [
        "| Server | Body | Requests/s | (samples) | Events/s | MB/s decoded | MB/s wire | p50 / p99 latency (ms) "
        "| CPU cores: server / wrk / other | Checked |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for body in bodies:
        rows = [(kind, kind, samples) for kind in servers]
        rows += [(kind, f"{kind}, burst of {BURST_S} s", bursts) for kind in servers if (kind, body.spec.name) in bursts]
        for kind, label, table in rows:
            cells = table[(kind, body.spec.name)]
            rps, cell = median(cells)
            every = ", ".join(_n(c.rps) + ("" if quiet(c) else "\\*") for c in cells)
            events = sum(c.counted["events"] or 0 for c in cells)
            in_flight = sum(c.counted["requests"] - c.wrk.ok for c in cells)
            checked = (f"ok, {events:,} events" if events else f"ok, {sum(c.counted['requests'] for c in cells):,} requests") + (
                f" (+{in_flight} req in flight)" if in_flight else ""
            )
            refused = sum(c.wrk.errors.get("status", 0) for c in cells)
            if refused:
                checked += f", {refused:,} answered 503 (busy)"
            out.append(
                f"| {label} | {body.spec.name} | **{_n(rps)}** | {every} | {_n(rps * body.lines)} "
                f"| {_mb(rps * body.decoded)} | {_mb(rps * body.wire)} | {cell.wrk.p50_ms:.1f} / {cell.wrk.p99_ms:.1f} "
                f"| {_cpu(cell.cpu)} | {checked} |"
            )
    return out


def round_ratio(
    samples: dict[tuple[str, str], list[Cell]], body: str, kind: str, baseline: str, of=lambda cell: cell.rps
) -> tuple[float, list[float]]:
    """`kind` over `baseline` in each round (the two measured back to back), and the median of those.

    The machine's speed drifts by tens of percent over minutes here; a ratio taken within a round
    cancels the drift that a ratio of two medians taken minutes apart would carry. `of` is what is
    compared: the rate, or another figure of a cell."""
    ratios = [of(a) / of(b) for a, b in zip(samples[(kind, body)], samples[(baseline, body)])]
    return statistics.median(ratios), ratios


def per_core(cell: Cell) -> float:
    """Requests/s per core the server process used (the rate alone where CPU cannot be read)."""
    return cell.rps / cell.cpu.server if cell.cpu.server else cell.rps


def report_latency(samples: dict[tuple[str, str], list[Cell]], bodies: list[Body]) -> tuple[list[str], list[str]]:
    """What the journal costs: ours against ours-count-only, in rate and in p99 latency (wrk's, as --latency gives)."""
    out = [
        f"| Body | ours p50 / p99 (ms) | ours-count-only p50 / p99 (ms) | ours / count-only p99 (by round) "
        f"| <= {TARGET_P99_VS_COUNT_ONLY:g}x at 1 KB | ours / count-only requests/s |",
        "|---|---:|---:|---:|---|---:|",
    ]
    missed = []
    for body in bodies:
        name = body.spec.name
        _, ours = median(samples[("ours", name)])
        _, counting = median(samples[("ours-count-only", name)])
        p99, by_round = round_ratio(samples, name, "ours", "ours-count-only", of=lambda cell: max(cell.wrk.p99_ms, 0.001))
        rate, _ = round_ratio(samples, name, "ours", "ours-count-only")
        verdict = ""
        if name == "1 KB":
            verdict = "PASS" if p99 <= TARGET_P99_VS_COUNT_ONLY else "FAIL"
            if verdict == "FAIL":
                missed.append(name)
        out.append(
            f"| {name} | {ours.wrk.p50_ms:.1f} / {ours.wrk.p99_ms:.1f} | {counting.wrk.p50_ms:.1f} / {counting.wrk.p99_ms:.1f} "
            f"| {p99:.1f}x ({', '.join(f'{r:.1f}' for r in by_round)}) | {verdict} | {rate:.2f}x |"
        )
    return out, missed


def report_fluentbit(
    samples: dict[tuple[str, str], list[Cell]], bursts: dict[tuple[str, str], list[Cell]], bodies: list[Body], servers: tuple[str, ...]
) -> list[str]:
    """Ours (and the bare endpoints beside it, when measured) against Fluent Bit's in_splunk per core,
    and at 1 MB on the burst too."""
    ours_kinds = [kind for kind in (*OURS, "whole-floor", "asgi-floor", "asgi-ceiling", "ceiling") if kind in servers]
    out = [
        "| Body | measure | fluent-bit req/s per core | "
        + " | ".join(f"{kind} per core / fluent-bit's (by round)" for kind in ours_kinds)
        + " | target | verdict |",
        "|---|---|---:|" + "---:|" * len(ours_kinds) + "---|---|",
    ]
    for body in bodies:
        name = body.spec.name
        large = body.lines > 100
        measures = [("sustained", samples)] + ([(f"burst of {BURST_S} s", bursts)] if (("ours", name) in bursts) else [])
        for label, table in measures:
            figures = []
            for kind in ours_kinds:
                if (kind, name) not in table:
                    figures.append("")
                    continue
                ratio, by_round = round_ratio(table, name, kind, "fluent-bit", of=per_core)
                figures.append(f"{ratio:.2f}x ({', '.join(f'{r:.2f}' for r in by_round)})")
            target, verdict = "", ""
            if "ours" in servers and (large == (table is bursts)):
                ratio, _ = round_ratio(table, name, "ours", "fluent-bit", of=per_core)
                target = "ours ahead (> 1x)" if large else f"ours >= {TARGET_VS_FLUENTBIT}x"
                verdict = "PASS" if (ratio > 1 if large else ratio >= TARGET_VS_FLUENTBIT) else "FAIL"
            rate = statistics.median(per_core(cell) for cell in table[("fluent-bit", name)])
            out.append(f"| {name} | {label} | {_n(rate)} | " + " | ".join(figures) + f" | {target} | {verdict} |")
    return out


def report_ratios(
    samples: dict[tuple[str, str], list[Cell]], bodies: list[Body], costs: dict[str, dict[str, float]], servers: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    out = [
        f"| Body | ours / ceiling (by round) | >= {TARGET_VS_CEILING}x | ours / pytest-httpserver (by round) "
        f"| >= {TARGET_VS_HTTPSERVER:g}x | for scale: ceiling / pytest-httpserver | ours / pytest-httpserver-threaded |",
        "|---|---:|---|---:|---|---:|---:|",
    ]
    missed, notes = [], []
    cores = os.cpu_count() or 1
    for body in bodies:
        name = body.spec.name
        vs_ceiling, by_round_ceiling = round_ratio(samples, name, "ours", "ceiling")
        vs_httpserver, by_round_httpserver = round_ratio(samples, name, "ours", "pytest-httpserver")
        ceiling_vs_httpserver, _ = round_ratio(samples, name, "ceiling", "pytest-httpserver")
        vs_threaded, _ = round_ratio(samples, name, "ours", "pytest-httpserver-threaded")
        ok_ceiling = vs_ceiling >= TARGET_VS_CEILING
        ok_httpserver = vs_httpserver >= TARGET_VS_HTTPSERVER
        if not (ok_ceiling and ok_httpserver):
            missed.append(name)
        busy = "" if all(quiet(cell) for kind in servers for cell in samples[(kind, name)]) else " (busy machine)"
        out.append(
            f"| {name}{busy} | {vs_ceiling:.2f}x ({', '.join(f'{r:.2f}' for r in by_round_ceiling)}) "
            f"| {'PASS' if ok_ceiling else 'FAIL'} "
            f"| {vs_httpserver:.1f}x ({', '.join(f'{r:.1f}' for r in by_round_httpserver)}) "
            f"| {'PASS' if ok_httpserver else 'FAIL'} | {ceiling_vs_httpserver:.1f}x | {vs_threaded:.1f}x |"
        )
        if ceiling_vs_httpserver < TARGET_VS_HTTPSERVER:
            note = (
                f"- {name}: the ceiling itself does {ceiling_vs_httpserver:.1f}x pytest-httpserver, "
                f"short of {TARGET_VS_HTTPSERVER:g}x."
            )
            gunzip = costs[name].get("gunzip")
            httpserver_rate = statistics.median(cell.rps for cell in samples[("pytest-httpserver", name)])
            if gunzip and cores * 1e6 / gunzip < TARGET_VS_HTTPSERVER * httpserver_rate:
                note += (
                    f" Inflating this body alone takes {gunzip / 1e3:.2f} ms of one core here, so no server can pass "
                    f"{cores * 1e6 / gunzip:,.0f} req/s on these {cores} cores, wrk included, against the "
                    f"{TARGET_VS_HTTPSERVER * httpserver_rate:,.0f} req/s the target asks."
                )
            notes.append(note)
    if notes:
        out += [
            "",
            "Where the pytest-httpserver target is out of reach of the ceiling itself, a bare Starlette endpoint on "
            "the same uvicorn: for 1 MB bodies most of a request is receiving, inflating and scanning bytes in C, which "
            "costs every server alike, so pytest-httpserver's own overhead per request is small beside it; for 1 KB "
            "bodies uvicorn's own cost per request is most of the ceiling's.",
            "",
            *notes,
        ]
    return out, missed


_GROUPS = (
    ("hecharness/hec/", "hecharness.hec (ours)"),
    ("hecharness/", "hecharness, elsewhere"),
    ("starlette/", "starlette"),
    ("uvicorn/", "uvicorn"),
    ("asyncio/", "asyncio"),
)

Key = tuple[str, int, str]


def _where(key: Key) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    for marker in ("hecharness/", "starlette/", "uvicorn/", "anyio/", "asyncio/"):
        if marker in filename:
            return f"{filename[filename.index(marker):]}:{line} {name}"
    return f"{Path(filename).name}:{line} {name}"


def _group(key: Key, callers: dict) -> str:
    filename, _line, name = key
    if filename == "~":
        if "zlib" in name:
            return "zlib (C)"
        # Any other C function counts for whoever called it, when one group did.
        owners = {_group(caller, {}) for caller in callers}
        return f"{next(iter(owners))}" if len(owners) == 1 else "C functions, several callers"
    for marker, group in _GROUPS:
        if marker in filename:
            return group
    if Path(filename).name == Path(__file__).name:
        return "the ceiling's endpoint (line count included)"
    return "other Python"


def _normal(key: Key) -> Key:
    """One key for zlib inflation, whether through zlib.decompress or a decompressobj."""
    if key[0] == "~" and "decompress" in key[2] and "zlib" in key[2]:
        return ("~", 0, "zlib inflate (C)")
    return key


def _per_request(stats: pstats.Stats, requests: int) -> dict[Key, tuple[float, float, float, dict]]:
    """Per function: calls, own µs and cumulative µs per request, and its callers."""
    out: dict[Key, tuple[float, float, float, dict]] = {}
    for key, (_cc, nc, tt, ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        key = _normal(key)
        calls, own, cumulative, known = out.get(key, (0.0, 0.0, 0.0, {}))
        out[key] = (calls + nc / requests, own + tt * 1e6 / requests, cumulative + ct * 1e6 / requests, {**known, **callers})
    return out


def report_profile(body: Body, runs: dict[str, tuple[pstats.Stats, int, float]], top: int = 10) -> list[str]:
    ours = _per_request(*runs["ours"][:2])
    ceiling = _per_request(*runs["ceiling"][:2])
    ours_total = sum(v[1] for v in ours.values())
    ceiling_total = sum(v[1] for v in ceiling.values())
    extra = ours_total - ceiling_total
    out = [
        f"**{body.spec.name}**: Python time on the server's loop thread, per request: ours {ours_total:,.0f} µs, "
        f"ceiling {ceiling_total:,.0f} µs, so ours spends {abs(extra):,.0f} µs {'more' if extra >= 0 else 'less'} "
        f"({runs['ours'][1]:,} and {runs['ceiling'][1]:,} requests profiled, other processes meanwhile "
        f"{runs['ours'][2]:.2f} and {runs['ceiling'][2]:.2f} cores; cProfile inflates Python-heavy code).",
        "",
        "| Area | ours µs / req | ceiling µs / req | ours − ceiling |",
        "|---|---:|---:|---:|",
    ]
    areas: dict[str, list[float]] = {}
    for index, table in enumerate((ours, ceiling)):
        for key, (_calls, own, _cumulative, callers) in table.items():
            areas.setdefault(_group(key, callers), [0.0, 0.0])[index] += own
    for area, (mine, theirs) in sorted(areas.items(), key=lambda item: -(item[1][0] - item[1][1])):
        if max(mine, theirs) >= 0.5:
            out.append(f"| {area} | {mine:,.1f} | {theirs:,.1f} | {mine - theirs:+,.1f} |")
    deltas = sorted(
        ((key, values, values[1] - ceiling.get(key, (0, 0.0))[1]) for key, values in ours.items()),
        key=lambda item: -item[2],
    )[:top]
    out += [
        "",
        "| Function, by own time ours spends beyond the ceiling | calls / req | own µs / req | ceiling own µs / req "
        "| ours − ceiling |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, (calls, own, _cumulative, _callers), delta in deltas:
        out.append(
            f"| `{_where(key)}` | {calls:.1f} | {own:,.1f} | {ceiling.get(key, (0, 0.0))[1]:,.1f} | {delta:+,.1f} |"
        )
    hot = sorted(((k, v) for k, v in ours.items() if "hecharness/hec/" in k[0]), key=lambda item: -item[1][2])[:top]
    out += [
        "",
        "| Our function, by cumulative time | calls / req | cumulative µs / req | share of ours |",
        "|---|---:|---:|---:|",
    ]
    for key, (calls, _own, cumulative, _callers) in hot:
        out.append(f"| `{_where(key)}` | {calls:.1f} | {cumulative:,.1f} | {cumulative / ours_total:.0%} |")
    return out


def reference_costs(bodies: list[Body], repeat: int = 30) -> dict[str, dict[str, float]]:
    """What the unavoidable work on each body costs on one core here, best of `repeat`, in µs."""
    zlib, _ = inflater()
    try:
        from hecharness.hec.lines import RawLines  # how ours counts a /raw body's events
    except ImportError:  # a commit from before it
        RawLines = None
    costs: dict[str, dict[str, float]] = {}
    for body in bodies:
        wire = body.path.read_bytes()
        data = zlib.decompress(wire, 31) if body.spec.gzip else wire
        timings = {
            "gunzip": (lambda: zlib.decompress(wire, 31)) if body.spec.gzip else None,
            "count lines": lambda: data.count(b"\n"),
            "splitlines": data.splitlines,
            "RawLines": (lambda: RawLines.of([data])) if RawLines is not None else None,
        }
        costs[body.spec.name] = {}
        for name, function in timings.items():
            if function is None:
                continue
            best = float("inf")
            for _ in range(repeat):
                started = time.perf_counter()
                function()
                best = min(best, time.perf_counter() - started)
            costs[body.spec.name][name] = best * 1e6
    return costs


def code_version(rev: str | None, directory: Path) -> str:
    """Which code is measured: the working tree, or with `rev` that git revision's src/ exported to `directory`."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout.strip()

    if rev:
        try:
            commit = git("rev-parse", "--short", f"{rev}^{{commit}}")
            archive = subprocess.run(
                ["git", "-C", str(root), "archive", "--format=tar", commit, "src"], capture_output=True, check=True
            ).stdout
        except (OSError, subprocess.CalledProcessError) as error:
            raise BenchError(f"cannot export src/ at {rev!r}: {error}") from None
        import io
        import tarfile

        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(directory / "export", filter="data")
        Server.src = directory / "export" / "src"
        return f"commit {commit} (src/ exported from git with BENCH_REV={rev}; the working tree was not used)"
    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "src")
    except (OSError, subprocess.CalledProcessError):
        return "the working tree (not a git checkout)"
    return f"commit {commit}" + (" plus uncommitted changes under src/" if dirty else "")


# -- main ------------------------------------------------------------------------------------------


def describe_servers(servers: tuple[str, ...], notes: dict[str, str], skipped: str) -> list[str]:
    about = {
        "ceiling": lambda: (
            f"bare Starlette endpoint (read body, gunzip with {inflater()[1]}, count lines, fixed JSON reply) served by "
            f"FakeHEC's own uvicorn setup (httptools, {notes['ceiling'].removeprefix('uvicorn on ')}, access log off)."
        ),
        "asgi-ceiling": lambda: (
            "the same endpoint as a bare ASGI callable (no Starlette request or response), on the same uvicorn setup: "
            "what any app on uvicorn's ASGI interface can reach."
        ),
        "asgi-floor": lambda: (
            "a bare ASGI callable doing the least a HEC that keeps what it took must do: decode the headers, look up "
            "the token, read and inflate the body, count its lines, keep the request and body (capped as our journal "
            "is), answer with splunkd's seven headers; on the same uvicorn setup."
        ),
        "whole-floor": lambda: (
            "`FakeHEC` as ours, its one-step answer below ASGI (`Collector.answer_whole`) doing only asgi-floor's "
            "work (and asgi-floor's app answering what that does not take: bodies over 64 KiB): what our protocol "
            "costs a request before the collector's own work."
        ),
        "ours": lambda: f"`FakeHEC`, journal on, FakeHEC's uvicorn setup (the ceiling's); settings `{notes['ours']}`.",
        "ours-count-only": lambda: "`FakeHEC` as ours with `count_only` on: counters only, nothing stored.",
        "pytest-httpserver": lambda: (
            f"{notes['pytest-httpserver']} (werkzeug), as its `httpserver` fixture runs it, a handler that gunzips (same module "
            "as the ceiling) and counts lines, its request log trimmed to about as many events as our journal keeps, "
            "werkzeug's access log off."
        ),
        "pytest-httpserver-threaded": lambda: f"{notes['pytest-httpserver-threaded']}, its opt-in mode, otherwise the same.",
        "fluent-bit": lambda: (
            f"{notes['fluent-bit']}, `in_splunk` with a token, one pipeline thread (the input not threaded), "
            "`null` output, flush 1 s, built from source by bench/fluentbit.sh (only in_splunk and out_null)."
        ),
    }
    out = [f"- **{kind}**: {about[kind]()}" for kind in servers]
    if skipped:
        out.append(f"- **fluent-bit**: skipped, {skipped}.")
    return out


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing; installing it with apt-get", file=sys.stderr)
        quiet = {"stdout": sys.stderr, "stderr": sys.stderr}
        if subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet).returncode != 0:
            subprocess.run(["apt-get", "update"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet)
        return shutil.which("wrk")
    return None


REFERENCE_KINDS = ("ceiling", "ours", "pytest-httpserver", "pytest-httpserver-threaded")  # issue 2's targets


def main(servers: tuple[str, ...] = SERVERS, rounds: int = ROUNDS) -> int:
    if ensure_wrk() is None:
        print(
            "wrk is not installed and cannot be installed from here (needs root and apt-get). "
            "Install it (Debian/Ubuntu: sudo apt-get install wrk) and run again.",
            file=sys.stderr,
        )
        return 2
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    from hecharness.hec.tokens import new_token_value

    token = new_token_value()
    samples: dict[tuple[str, str], list[Cell]] = {}
    bursts: dict[tuple[str, str], list[Cell]] = {}
    skipped = ""
    if "fluent-bit" in servers:
        print("   fluent-bit: building it when missing (bench/fluentbit.sh)", file=sys.stderr, flush=True)
        binary, about = locate()
        if binary is None:
            skipped = about
            servers = tuple(kind for kind in servers if kind != "fluent-bit")
            print(f"   fluent-bit skipped: {about}", file=sys.stderr, flush=True)
        else:
            os.environ["FLUENTBIT_BIN"], os.environ["FLUENTBIT_VERSION"] = binary, about
    rev = os.environ.get("BENCH_REV")
    with tempfile.TemporaryDirectory(prefix="bench-collector-") as tmp:
        directory = Path(tmp)
        Server.logs = directory
        try:
            version = code_version(rev, directory)
        except BenchError as error:
            print(f"benchmark failed: {error}", file=sys.stderr)
            return 1
        bodies = build_bodies(directory)
        quiet = Quiet(QUIET_BUDGET_S)
        quiet.wait()
        costs = reference_costs(bodies)
        scripts = {body.spec.name: lua_script(directory, body, token) for body in bodies}
        try:
            # Rounds over every cell, and within a round body by body with the servers back to back,
            # so drift in the machine's speed hits every server alike.
            for round_ in range(1, rounds + 1):
                for body in bodies:
                    cells_now = [(kind, False) for kind in servers]
                    if "fluent-bit" in servers and body.lines > 100:
                        cells_now += [(kind, True) for kind in ("ours", "fluent-bit") if kind in servers]
                    for kind, burst in cells_now:
                        label = f"{kind}{' burst' if burst else ''}"
                        print(f"   {round_}/{rounds} {label:22} {body.spec.name:10}", end="", file=sys.stderr, flush=True)
                        cell = measure(kind, body, token, scripts[body.spec.name], quiet, burst=burst)
                        (bursts if burst else samples).setdefault((kind, body.spec.name), []).append(cell)
                        print(f" {cell.rps:10,.0f} req/s", file=sys.stderr, flush=True)
            cells = {key: median(cells) for key, cells in samples.items()}
            notes = {kind: cells[(kind, bodies[0].spec.name)][1].note for kind in servers}
        except BenchError as error:
            print(f"\nbenchmark failed: {error}", file=sys.stderr)
            return 1

        ratios, missed = [], []
        if all(kind in servers for kind in REFERENCE_KINDS):
            ratios, missed = report_ratios(samples, bodies, costs, servers)
        profiles: list[tuple[Body, dict]] = []
        if missed:
            try:
                for body in bodies:
                    if body.spec.name in missed:
                        print(f"   profiling {body.spec.name}", end="", file=sys.stderr, flush=True)
                        runs = {}
                        for kind in ("ours", "ceiling"):
                            runs[kind] = profile(kind, body, token, scripts[body.spec.name], directory, quiet)
                        print(file=sys.stderr, flush=True)
                        profiles.append((body, runs))
            except BenchError as error:
                print(f"profiling failed: {error}", file=sys.stderr)
                return 1
            profile_lines = [line for body, runs in profiles for line in [*report_profile(body, runs), ""]]

    big = next(b.spec.name for b in bodies if b.spec.gzip and b.lines > 100)
    plain = next(b.spec.name for b in bodies if not b.spec.gzip and b.lines > 100)
    lines = [
        "## Collector: /services/collector/raw ingest",
        "",
        f"Code: {version}.",
        "",
        f"Load: {wrk_version.split(' Copyright')[0]}, {WRK_THREADS} thread, {CONNECTIONS} keep-alive connections, "
        f"{rounds} samples of {DURATION_S} s per cell, each after a {WARMUP_S} s warm-up (excluded), taken in "
        f"{rounds} rounds over all cells; the table gives the median rate of the quiet samples, and latency and CPU "
        f"of the sample nearest to it. POST `{RAW_PATH}` with "
        "`Authorization: Splunk <token>` and the same pre-built body every time. One server runs at a time, "
        "each in its own process, all on 127.0.0.1.",
        "",
        "Bodies: Logpush-like ndjson, "
        + ", ".join(
            f"{b.spec.name} = {b.lines} lines, {b.decoded:,} B" + (f" ({b.wire:,} B gzipped)" if b.spec.gzip else "")
            for b in bodies
        )
        + ".",
        "",
        "Servers:",
        "",
        *describe_servers(servers, notes, skipped),
        "",
        "Checked after every sample: the server counted exactly lines × requests events, answered no non-2xx, and "
        f"finished between 0 and {CONNECTIONS} requests more than wrk completed (requests in flight at wrk's "
        "deadline). Rates are wrk's completed requests over its run time; MB = 10^6 bytes. The CPU column is what "
        "the server process (all its threads), wrk and everything else on the machine (other processes, steal) "
        f"used during the sample; each sample waits for everything else to use less than {QUIET_CORES} cores "
        f"(within {QUIET_BUDGET_S} s of waiting per run), and one during which it used more was measured again, "
        f"up to {ATTEMPTS} times, keeping the quieter attempt. Samples marked \\* were still taken on a busy "
        "machine and count only when no quiet sample exists (then the CPU column shows how busy). Fluent Bit "
        "counts records, one per /raw request, so its events are not checked, and its 503s (busy) are allowed "
        "and left out of its rate.",
        "",
        *report_table(samples, bodies, servers, bursts),
        "",
        f"Reference costs on one core, best of 30: inflating the {big} body with {inflater()[1]} {costs[big]['gunzip'] / 1e3:.2f} ms; "
        f"on the decoded {plain} body, `bytes.count(b'\\n')` {costs[plain]['count lines']:,.0f} µs and "
        f"`bytes.splitlines()` {costs[plain]['splitlines']:,.0f} µs"
        + (f", ours (`RawLines.of`, counting events without making them) {costs[plain]['RawLines']:,.0f} µs." if "RawLines" in costs[plain] else "."),
    ]
    if ratios:
        lines += [
            "",
            f"Targets (ours with the journal on, per body, by requests/s): >= {TARGET_VS_CEILING}x the ceiling and "
            f">= {TARGET_VS_HTTPSERVER:g}x pytest-httpserver as its fixture runs it; the threaded mode for scale. "
            "Each ratio is taken within a round, where the servers of a body run back to back, and the table gives "
            "the median over the rounds with every round's ratio beside it: the machine's speed drifts by tens of "
            "percent over minutes, which a ratio of medians taken minutes apart would carry.",
            "",
            *ratios,
        ]
    if "ours" in servers and "ours-count-only" in servers:
        latency, _ = report_latency(samples, bodies)
        lines += [
            "",
            "### What the journal costs: ours against ours-count-only",
            "",
            f"Target: with the journal on, p99 latency at 1 KB within {TARGET_P99_VS_COUNT_ONLY:g}x of count-only's. "
            "Latencies are wrk's (the percentiles `wrk --latency` prints) of the sample nearest the median rate; "
            "ratios are taken within a round, as above.",
            "",
            *latency,
        ]
    if "fluent-bit" in servers and "ours" in servers:
        lines += [
            "",
            "### Against a C server: Fluent Bit's in_splunk",
            "",
            f"Per core: requests/s over the cores the server process used (all its threads, from /proc). Targets: "
            f"ours (journal on) >= {TARGET_VS_FLUENTBIT}x Fluent Bit at 1 KB and 1 KB gzip, and ahead at 1 MB and 1 MB gzip "
            f"on the burst: a fresh server's first {BURST_S} s, no warm-up, before Fluent Bit's buffers fill and it "
            "answers 503 (its rate counts only what it took, 2xx). Fluent Bit keeps a /raw body as one record and "
            "does not split its lines; ours counts and keeps every line as an event.",
            "",
            *report_fluentbit(samples, bursts, bodies, servers),
        ]
        if "asgi-floor" in servers:
            lines += [
                "",
                "The asgi-floor and asgi-ceiling columns bound what any collector on uvicorn's ASGI interface can "
                "reach here: asgi-ceiling answers without keeping anything, asgi-floor does the least a HEC that "
                "journals must do (see Servers). Where asgi-floor itself is below the target, no ASGI application "
                "that keeps what it took reaches it on this machine, whatever it does above that floor.",
            ]
        if "whole-floor" in servers:
            lines += [
                "",
                "The whole-floor column is that floor answered in one step below ASGI, as ours answers the common "
                "request (`Collector.answer_whole`): what uvicorn's protocol, our connection handling and the "
                "answer's write cost, before the collector's own work. The gap between it and ours is that work.",
            ]
    elif skipped:
        lines += ["", "### Against a C server: Fluent Bit's in_splunk", "", f"Skipped: {skipped}."]
    if missed:
        lines += [
            "",
            "### Where the time goes",
            "",
            f"Ours missed a target for {', '.join(missed)}. Each was run again for {PROFILE_S} s with cProfile "
            "on the server's event-loop thread, ours and the ceiling, to see what ours spends per request that "
            "the ceiling does not. Time in libuv and the kernel (socket reads, the event loop itself) is not "
            "Python time and does not show here.",
            "",
            *profile_lines,
        ]
    print("\n".join(lines).rstrip())
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", choices=SERVERS, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--servers", default=",".join(SERVERS), help=f"which servers, comma-separated (default: all of {', '.join(SERVERS)})")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"samples per cell, taken in rounds (default {ROUNDS})")
    arguments = parser.parse_args()
    if arguments.serve:
        sys.exit(ServerProcess(arguments.serve, arguments.token).serve())
    chosen = tuple(kind.strip() for kind in arguments.servers.split(",") if kind.strip())
    unknown = [kind for kind in chosen if kind not in SERVERS]
    if unknown or not chosen or arguments.rounds < 1:
        parser.error(f"--servers takes some of {', '.join(SERVERS)}; --rounds a whole number >= 1")
    sys.exit(main(tuple(kind for kind in SERVERS if kind in chosen), arguments.rounds))
