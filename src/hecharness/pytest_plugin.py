"""pytest fixtures for the fake HEC, registered through the `pytest11` entry point.

    def test_sender_retries_on_busy(fake_hec):
        fake_hec.faults.add("error:9 first=2")
        my_sender.send(fake_hec.url, fake_hec.token, ["hello"])
        assert [r.status for r in fake_hec.requests(path="raw")] == [503, 503, 200]
        fake_hec.assert_delivered(["hello"])

Fixtures:

- `fake_hec`: a running `FakeHEC`, one per configuration per session (so one per xdist worker),
  reset before each test. `@pytest.mark.fake_hec(tls=, tokens=, tls_names=, client_cert_required=,
  settings=, faults=)` configures it for one test, class or module.
- `fake_hec_factory`: `fake_hec_factory(tokens, tls=, settings=, faults=, **FakeHEC options)`
  starts extra collectors, stopped when the test ends.
- `fake_hec_tls`: a `FakeHEC` serving one TLS mode, "valid" unless parametrized indirectly.
- `hec_ca`: the session's certificate authority (`SessionCA`), shared by every xdist worker.
- `logpush_records`: `logpush_records("http_requests", count=100, seed=0, fields=None)`.
- `logpush_job`: `logpush_job(job={...}, count=100, **LogpushSimulator options)`, a Logpush job
  simulator pushing to `fake_hec` on a `VirtualClock`.
- `hec_preflight`: `hec_preflight(hec=None, **check options)`, the pre-flight check against
  `fake_hec` (or another server), as `hecharness.preflight.check` reports it.

Options: `--hec-host` / ini `hec_host` (listen address, default 127.0.0.1) and `--hec-tls` / ini
`hec_tls` (default TLS mode of `fake_hec` and the factory, default plain).

Servers start on first use only (an ordinary test run pays nothing), on port 0 with the socket bound
before the server thread starts, so parallel workers never race for a port. Clearing happens
before each test, not after (pytest-httpserver PR #352: a background sender from the previous test
could otherwise leak requests into the next), and after each test hung or in-flight requests are
ended so that they land in the journal that is about to be cleared. An error raised inside a server
fails the test that was using it, with the server's traceback.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# The plugin is loaded by every pytest run in an environment that has hecharness installed, and
# most of those runs never start a server: uvicorn, httpx, trustme and the generator (a quarter of
# a second to import) are imported by the fixtures that need them, not here.
if TYPE_CHECKING:
    import ssl

    from hecharness.hec.server import FakeHEC
    from hecharness.hec.settings import HECSettings
    from hecharness.hec.tokens import Token
    from hecharness.logpush import LogpushSimulator
    from hecharness.preflight import PreflightResult
    from hecharness.tls import CertificateAuthority, CertificateFiles

__all__ = ["SessionCA"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_TLS = "plain"
MARKER = "fake_hec"
# What a marker may set: the first four choose which server a test gets, the last two are applied
# to it after the reset, so a marker that only adds faults or settings keeps the shared server.
SERVER_OPTIONS = ("tls", "tokens", "tls_names", "client_cert_required")
MARKER_OPTIONS = (*SERVER_OPTIONS, "settings", "faults")
# Longest a test's teardown waits for requests still being served to finish.
SETTLE_TIMEOUT = 5.0

# Per test: the servers it used, and how many of each one's errors were already reported.
_WATCHED = pytest.StashKey[dict["FakeHEC", int]]()


# -- registration -----------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hecharness", "fake Splunk HEC (hecharness)")
    group.addoption(
        "--hec-host",
        dest="hec_host",
        metavar="ADDRESS",
        help=f"address the fake HEC fixtures listen on (default {DEFAULT_HOST}); "
        "a non-local address is added to the session's certificates",
    )
    group.addoption(
        "--hec-tls",
        dest="hec_tls",
        metavar="MODE",
        help="TLS mode(s) of fake_hec and fake_hec_factory: valid, self-signed, splunk-default, "
        f"mismatched-name, expired or plain (default {DEFAULT_TLS}); several comma-separated",
    )
    parser.addini("hec_host", f"address the fake HEC fixtures listen on (default {DEFAULT_HOST})", default=DEFAULT_HOST)
    parser.addini("hec_tls", f"default TLS mode(s) of the fake HEC fixtures (default {DEFAULT_TLS})", default=DEFAULT_TLS)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(tls=, tokens=, tls_names=, client_cert_required=, settings=, faults=): "
        "configure the fake_hec fixture for this test (hecharness)",
    )
    tls = _option(config, "hec_tls")
    if tls != DEFAULT_TLS:  # checking needs hecharness.tls; the default needs no check
        from hecharness.tls import parse_modes

        try:
            parse_modes(tls)
        except ValueError as error:
            raise pytest.UsageError(f"--hec-tls / hec_tls: {error}") from None


def _option(config: pytest.Config, name: str) -> str:
    return config.getoption(name) or config.getini(name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    # Checked here rather than in fixture teardown so the test itself fails, not its teardown.
    try:
        result = yield
    except BaseException:
        # The test failed on its own; the server's side of the story goes next to its traceback.
        errors = _unreported_errors(item)
        if errors:
            item.add_report_section("call", "fake HEC errors", errors)
        raise
    errors = _unreported_errors(item)
    if errors:
        pytest.fail(errors, pytrace=False)
    return result


# -- certificates -------------------------------------------------------------------------------------


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
        from hecharness.tls import CertificateFiles

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


@pytest.fixture(scope="session")
def hec_ca(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> SessionCA:
    """The session's CA and server certificates for every TLS mode; one set per run, shared by xdist workers."""
    from hecharness.tls import CertificateAuthority

    base = tmp_path_factory.getbasetemp()
    # Each xdist worker has its own basetemp inside the run's; writing beside them makes one set for
    # the whole run, which `load_or_create` writes once under a file lock and the others read back.
    root = base.parent if hasattr(pytestconfig, "workerinput") else base
    directory = root / "hecharness-certs"
    authority = CertificateAuthority.load_or_create(directory, _extra_names(_option(pytestconfig, "hec_host")))
    return SessionCA(authority, directory)


def _extra_names(host: str) -> tuple[str, ...]:
    from hecharness.tls import LOCAL_NAMES, check_names

    # A sender dialling a non-local listen address must find it in the certificate.
    try:
        return check_names([host]) if host not in LOCAL_NAMES else ()
    except ValueError:
        return ()


# -- the shared servers -----------------------------------------------------------------------------


class _Servers:
    """The session's servers, one per configuration, each started the first time a test asks for it."""

    def __init__(self, host: str, tls: str) -> None:
        from hecharness.tls import parse_modes

        self.host = host
        self.tls = parse_modes(tls)
        self._running: dict[tuple[Any, ...], FakeHEC] = {}

    def get(self, request: pytest.FixtureRequest, **options: Any) -> FakeHEC:
        from hecharness.hec.server import FakeHEC
        from hecharness.tls import check_names, parse_modes

        modes = parse_modes(options.get("tls") or self.tls)
        tokens = tuple(_tokens(options.get("tokens")))
        tls_names = check_names(options.get("tls_names") or ())
        client_cert_required = bool(options.get("client_cert_required", False))
        key = (modes, tokens, tls_names, client_cert_required)
        server = self._running.get(key)
        if server is None:
            server = FakeHEC(
                tokens or None,
                host=self.host,
                admin_port=None,  # tests steer the object directly; the factory can turn it on
                tls=modes,
                tls_names=tls_names,
                client_cert_required=client_cert_required,
                certs_dir=_certs_dir(request, modes, tls_names),
            ).start()
            self._running[key] = server
        return server

    def stop(self) -> None:
        servers, self._running = list(self._running.values()), {}
        _stop_all(servers)


@pytest.fixture(scope="session")
def _hecharness_servers(pytestconfig: pytest.Config) -> Iterator[_Servers]:
    servers = _Servers(_option(pytestconfig, "hec_host"), _option(pytestconfig, "hec_tls"))
    yield servers
    servers.stop()


def _certs_dir(request: pytest.FixtureRequest, modes: tuple[str, ...], tls_names: tuple[str, ...]) -> Path | None:
    """The session CA's directory when it serves these modes and names; None for a CA of the server's own."""
    from hecharness.tls import check_names

    if all(mode == "plain" for mode in modes):
        return None
    ca: SessionCA = request.getfixturevalue("hec_ca")
    if any(name not in ca.names for name in check_names(tls_names)):
        return None
    return ca.directory


def _tokens(tokens: Iterable[Token | str] | Token | str | None) -> list[Token]:
    from hecharness.hec.tokens import Token

    if tokens is None:
        return []
    if isinstance(tokens, (str, Token)):
        tokens = [tokens]
    return [Token(t) if isinstance(t, str) else t for t in tokens]


def _faults(faults: Any, where: str) -> list[Any]:
    """Every fault parsed before a server is touched; a bad spec fails the test with one line naming `where`."""
    import dataclasses

    from hecharness.faults import Fault, FaultSpecError, parse_fault

    if faults is None:
        return []
    if isinstance(faults, (str, Mapping, Fault)):
        faults = [faults]
    parsed = []
    for fault in faults:
        # A Fault object counts the requests it matched; a marker's object is shared by every test it
        # marks, so each test gets a fresh copy.
        if isinstance(fault, Fault):
            parsed.append(dataclasses.replace(fault))
            continue
        parsed.append(_or_fail(f"{where} fault {fault!r}:", lambda: parse_fault(fault), FaultSpecError))
    return parsed


def _or_fail(where: str, make: Callable[[], Any], *errors: type[Exception]) -> Any:
    """`make()`, or the test fails with one line, `where` and the error: no traceback into hecharness."""
    try:
        return make()
    except errors as error:
        problem = f"{where} {error}"
    pytest.fail(problem, pytrace=False)  # outside the except, where pytest would chain the traceback


def _settings(settings: HECSettings | Mapping[str, Any] | None) -> dict[str, Any]:
    from hecharness.hec.settings import HECSettings

    if settings is None:
        return {}
    return settings.to_dict() if isinstance(settings, HECSettings) else dict(settings)


def _marker_options(item: pytest.Item) -> dict[str, Any]:
    """The `fake_hec` marks on a test, its class and module merged; the closest one wins."""
    options: dict[str, Any] = {}
    for mark in reversed(list(item.iter_markers(MARKER))):  # farthest first, so nearer ones override
        if mark.args:
            pytest.fail(f"@pytest.mark.{MARKER} takes keyword arguments only, got {mark.args!r}", pytrace=False)
        unknown = sorted(set(mark.kwargs) - set(MARKER_OPTIONS))
        if unknown:
            pytest.fail(
                f"@pytest.mark.{MARKER} got unknown option {unknown[0]!r}; known: {', '.join(MARKER_OPTIONS)}",
                pytrace=False,
            )
        options.update(mark.kwargs)
    where = f"@pytest.mark.{MARKER}"
    if "faults" in options:
        options["faults"] = _faults(options["faults"], f"{where}(faults=...):")
    if "settings" in options:
        from hecharness.hec.settings import HECSettings, SettingsError

        _or_fail(f"{where}(settings=...):", lambda: HECSettings().updated(_settings(options["settings"])), SettingsError, TypeError)
    return options


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def fake_hec(request: pytest.FixtureRequest, _hecharness_servers: _Servers) -> Iterator[FakeHEC]:
    """A running fake HEC, shared for the session and reset before each test.

    `.url`, `.token`, `.journal`, `.faults`, `.client()`; `.wait_for_events(n)`,
    `.assert_delivered(records, key=)`, `.requests(path=, status=, code=, channel=, fault=)`.
    Configure it with `@pytest.mark.fake_hec(...)`.
    """
    options = _marker_options(request.node)
    server = _hecharness_servers.get(request, **{k: options[k] for k in SERVER_OPTIONS if k in options})
    _take(request, server)
    if "settings" in options:
        server.configure(**_settings(options["settings"]))
    for fault in options.get("faults", ()):
        server.faults.add(fault)
    yield server
    _release(request, server)


@pytest.fixture
def fake_hec_tls(request: pytest.FixtureRequest, _hecharness_servers: _Servers) -> Iterator[FakeHEC]:
    """A fake HEC serving one TLS mode from the session's CA: "valid", or the indirect parameter.

        @pytest.mark.parametrize("fake_hec_tls", ["valid", "expired"], indirect=True)

    `.url`, `.ca_path` (the bundle to trust) and `.ssl_context()` (a client context trusting it).
    """
    mode = getattr(request, "param", "valid")
    server = _hecharness_servers.get(request, tls=mode)
    _take(request, server)
    yield server
    _release(request, server)


@pytest.fixture
def fake_hec_factory(request: pytest.FixtureRequest, _hecharness_servers: _Servers) -> Iterator[Callable[..., FakeHEC]]:
    """Start extra fake HECs for this test; each is stopped when the test ends.

        hec = fake_hec_factory(["token-a", Token("token-b", ack=True)], tls="valid",
                               settings={"max_content_length": 1024}, faults="error:9 first=1")

    Any other keyword goes to `FakeHEC` (`clock=`, `admin_port=0`, `client_cert_required=`, ...).
    The listen host and TLS mode default to `--hec-host` and `--hec-tls`.
    """
    from hecharness.hec.server import FakeHEC
    from hecharness.hec.settings import HECSettings
    from hecharness.tls import parse_modes

    started: list[FakeHEC] = []

    def make(
        tokens: Iterable[Token | str] | Token | str | None = None,
        *,
        tls: str | Iterable[str] | None = None,
        settings: HECSettings | Mapping[str, Any] | None = None,
        faults: Any = None,
        **options: Any,
    ) -> FakeHEC:
        parsed_faults = _faults(faults, "fake_hec_factory(faults=...):")
        modes = parse_modes(tls or _hecharness_servers.tls)
        options.setdefault("host", _hecharness_servers.host)
        options.setdefault("admin_port", None)
        if "certs_dir" not in options:
            options["certs_dir"] = _certs_dir(request, modes, tuple(options.get("tls_names", ())))
        server = FakeHEC(
            _tokens(tokens) or None,
            tls=modes,
            settings=HECSettings(**_settings(settings)),
            **options,
        ).start()
        started.append(server)
        for fault in parsed_faults:
            server.faults.add(fault)
        request.node.stash.setdefault(_WATCHED, {})[server] = 0
        return server

    yield make
    _stop_all(started)  # stopping ends hung requests and lets in-flight ones finish first
    errors = _unreported_errors(request.node, started)
    if errors:
        pytest.fail(errors, pytrace=False)


@pytest.fixture
def logpush_records() -> Callable[..., list[dict[str, Any]]]:
    """Make Logpush records: `logpush_records("http_requests", count=100, seed=0, fields=None)`.

    The same arguments give the same records on every run; other keywords go to
    `hecharness.generate.records` (`start=`, `rate=`, `profile=`, `sample_rate=`, `jitter=`).
    """
    from hecharness.generate import records as generate_records

    def make(
        dataset: str = "http_requests",
        count: int = 100,
        *,
        seed: int = 0,
        fields: str | Iterable[str] | None = None,
        **options: Any,
    ) -> list[dict[str, Any]]:
        return list(generate_records(dataset, seed=seed, count=count, fields=fields, **options))

    return make


@pytest.fixture
def logpush_job(fake_hec: FakeHEC) -> Callable[..., LogpushSimulator]:
    """Make a Logpush job simulator that pushes to `fake_hec`, on a `VirtualClock`.

        report = logpush_job(count=5000, job={"max_upload_records": 1000}, policy="faq").run_sync()

    The job's `destination_conf` points at the HEC's raw endpoint with its token, a channel of its
    own and sourcetype `cloudflare:json`, trusting the HEC's CA when it serves TLS. `job` adds fields
    of the API's job object (`logpull_options`, `dataset`, ...); `hec=` pushes to another server
    (one from `fake_hec_factory`, say); other keywords go to `LogpushSimulator` (`count=`, 100
    unless given, `rate=`, `policy=`, `seed=`, `clock=`, ...). Uploads time out on the HEC's own
    clock: real time for `fake_hec`, logical time for a HEC made with the simulator's `clock=`.
    """
    from hecharness.clock import VirtualClock
    from hecharness.logpush import LogpushSimulator

    def make(
        job: Mapping[str, Any] | None = None, *, hec: FakeHEC | None = None, count: int | None = 100, **options: Any
    ) -> LogpushSimulator:
        target = hec or fake_hec
        options.setdefault("clock", VirtualClock())
        options.setdefault("destination_clock", target.clock)  # its answers take time on the clock it runs on
        options.setdefault("cafile", target.ca_path)
        # Logpush itself only pushes to 443 or 8088 over TLS; a fake on a free port, maybe plain, needs both lifted.
        options.setdefault("any_port", True)
        options.setdefault("allow_http", True)
        return LogpushSimulator({"destination_conf": _destination_conf(target), **(job or {})}, count=count, **options)

    return make


@pytest.fixture
def hec_preflight(fake_hec: FakeHEC) -> Callable[..., PreflightResult]:
    """Run the pre-flight check (the Logpush FAQ's curl test, with a diagnosis) against `fake_hec`.

        result = hec_preflight()                  # a Logpush destination for fake_hec, its CA trusted
        assert result.ok, result.cause
        assert hec_preflight(hec=other).failure.name == "hostname-mismatch"

    `hec=` checks another server; other keywords go to `hecharness.preflight.check`. Logpush pushes
    only over TLS, so a plain fake fails the check, saying so.
    """
    from hecharness import preflight

    def run(*, hec: FakeHEC | None = None, **options: Any) -> PreflightResult:
        target = hec or fake_hec
        options.setdefault("cafile", target.ca_path)
        options.setdefault("any_port", True)
        return preflight.check(_destination_conf(target), **options)

    return run


def _destination_conf(hec: FakeHEC) -> str:
    from hecharness.destination import Destination

    return Destination.for_hec(hec.url, token=hec.token).canonical(show_token=True)


# -- a test's use of a server ---------------------------------------------------------------------


def _take(request: pytest.FixtureRequest, server: FakeHEC) -> None:
    """Reset a shared server before the test uses it, once even if two fixtures hand out the same one."""
    watched = request.node.stash.setdefault(_WATCHED, {})
    if server not in watched:
        server.reset()
        watched[server] = 0


def _release(request: pytest.FixtureRequest, server: FakeHEC) -> None:
    # Whatever is still being served belongs to this test: end it now, before the next test's reset.
    if not server.settle(SETTLE_TIMEOUT):
        warnings.warn(
            pytest.PytestWarning(
                f"{server!r} was still serving a request {SETTLE_TIMEOUT:g}s after the test ended "
                "(a long delay fault, or a client still sending); it may show up in the next test's journal"
            ),
            stacklevel=1,
        )
    errors = _unreported_errors(request.node, [server])
    if errors:
        pytest.fail(errors, pytrace=False)


def _unreported_errors(item: pytest.Item, servers: Iterable[FakeHEC] | None = None) -> str:
    """The server tracebacks not reported yet for this test, as one message; empty if none."""
    watched = item.stash.get(_WATCHED, None)
    if not watched:
        return ""  # the test used no server (most tests): nothing to import or look at
    from hecharness.hec.server import ServerError

    tracebacks: list[str] = []
    for server in watched if servers is None else servers:
        seen = watched.get(server, 0)
        errors = server.errors
        tracebacks += errors[seen:]
        watched[server] = len(errors)
    return str(ServerError(tracebacks)) if tracebacks else ""


def _stop_all(servers: Iterable[FakeHEC]) -> None:
    # Each stop waits for uvicorn's shutdown tick (about 0.15 s); in parallel it is paid once.
    threads = [threading.Thread(target=server.stop, name=f"stop-{server!r}") for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
