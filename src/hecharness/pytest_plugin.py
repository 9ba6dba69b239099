"""pytest fixtures for the fake HEC, registered through the `pytest11` entry point.

    def test_sender_retries_on_busy(fake_hec):
        fake_hec.faults.add("error:9 first=2")
        my_sender.send(fake_hec.url, fake_hec.token, ["hello"])
        assert [r.status for r in fake_hec.requests(path="raw")] == [503, 503, 200]
        fake_hec.assert_delivered(["hello"])

Fixtures: `fake_hec` (configured by `@pytest.mark.fake_hec(...)`), `fake_hec_tls`, `fake_hec_factory`,
`hec_ca`, `logpush_records`, `logpush_job`, `hec_preflight`; options `--hec-host` / ini `hec_host`,
`--hec-tls` / ini `hec_tls` and `--hec-field-list` / ini `hec_field_lists`; docs/pytest-plugin.md tells them all. Only options, the marker and fixtures
live here; what they do is `hecharness.testing`, usable without pytest. An error raised inside a
server fails the test that was using it, with the server's traceback.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

# Every pytest run in an environment with hecharness loads this plugin, and most never start a
# server: hecharness.testing loads uvicorn, httpx, trustme and the generator on first use, not here.
from hecharness import testing
from hecharness.errors import HecHarnessError

if TYPE_CHECKING:
    from hecharness.hec.server import FakeHEC
    from hecharness.hec.tokens import Token
    from hecharness.logpush import LogpushSimulator
    from hecharness.preflight import PreflightResult
    from hecharness.testing import ErrorWatch, ServerPool, SessionCA


DEFAULT_HOST = "127.0.0.1"
DEFAULT_TLS = "plain"
MARKER = "fake_hec"
# Longest a test's teardown waits for requests still being served to finish.
SETTLE_TIMEOUT = 5.0

# Per test: the servers it used, and which of their errors were already reported.
_WATCH = pytest.StashKey["ErrorWatch"]()


def __getattr__(name: str) -> Any:
    # `SessionCA`, the type of `hec_ca`, stays importable from here without loading it with the plugin.
    if name == "SessionCA":
        return testing.SessionCA
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hecharness", "fake Splunk HEC (hecharness)")
    group.addoption("--hec-host", dest="hec_host", metavar="ADDRESS", help=(
        f"address the fake HEC fixtures listen on (default {DEFAULT_HOST}); "
        "a non-local address is added to the session's certificates"
    ))
    group.addoption("--hec-tls", dest="hec_tls", metavar="MODE", help=(
        "TLS mode(s) of fake_hec and fake_hec_factory: valid, self-signed, splunk-default, "
        f"mismatched-name, expired or plain (default {DEFAULT_TLS}); several comma-separated"
    ))
    group.addoption("--hec-field-list", dest="hec_field_lists", metavar="FILE", action="append", default=[], help=(
        "a field list file (JSON, as Cloudflare's reference lists): logpush_records and logpush_job can then "
        "name its datasets; repeatable"
    ))
    parser.addini("hec_host", f"address the fake HEC fixtures listen on (default {DEFAULT_HOST})", default=DEFAULT_HOST)
    parser.addini("hec_field_lists", "field list files whose datasets the Logpush fixtures can name", type="paths", default=[])
    parser.addini("hec_tls", f"default TLS mode(s) of the fake HEC fixtures (default {DEFAULT_TLS})", default=DEFAULT_TLS)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(tls=, tokens=, tls_names=, client_cert_required=, settings=, faults=, indexers=, balancer=, "
        "cookie_name=, cookie_lifetime=, channel_cookie=, balancer_fallback=, balancer_unavailable=, restarts=): "
        "configure the fake_hec fixture for this test (hecharness)",
    )
    field_lists = [*config.getini("hec_field_lists"), *config.getoption("hec_field_lists")]
    if field_lists:  # reading them loads the generator; most runs have none
        try:
            testing.add_field_lists(field_lists)
        except testing.OptionError as error:
            raise pytest.UsageError(str(error)) from None
    tls = _option(config, "hec_tls")
    if tls != DEFAULT_TLS:  # checking loads hecharness.tls; the default needs no check
        try:
            testing.check_tls(tls)
        except testing.OptionError as error:
            raise pytest.UsageError(str(error)) from None


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
    _fail_on(_unreported_errors(item))
    return result


def _unreported_errors(item: pytest.Item) -> str:
    watch = item.stash.get(_WATCH, None)  # most tests use no server: nothing to load or look at
    return watch.unreported() if watch else ""


def _fail_on(errors: str) -> None:
    if errors:
        pytest.fail(errors, pytrace=False)


def _watch(request: pytest.FixtureRequest) -> ErrorWatch:
    return request.node.stash.setdefault(_WATCH, testing.ErrorWatch())


def _or_fail(make: Callable[[], Any]) -> Any:
    """`make()`, or the test fails with the error's one line: no traceback into hecharness."""
    try:
        return make()
    except HecHarnessError as error:  # an option it refused (a TLS mode, a name, a fault...), said for a person
        problem = str(error)
    pytest.fail(problem, pytrace=False)  # outside the except, where pytest would chain the traceback


@pytest.fixture(scope="session")
def hec_ca(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> SessionCA:
    """The session's CA and server certificates for every TLS mode; one set per run, shared by xdist workers."""
    # Each xdist worker has its own basetemp inside the run's; beside them is one place for the whole run.
    root = tmp_path_factory.getbasetemp().parent if hasattr(pytestconfig, "workerinput") else tmp_path_factory.getbasetemp()
    return testing.session_ca(root, _option(pytestconfig, "hec_host"))


@pytest.fixture(scope="session")
def _hecharness_servers(pytestconfig: pytest.Config) -> Iterator[ServerPool]:
    servers = testing.ServerPool(_option(pytestconfig, "hec_host"), _option(pytestconfig, "hec_tls"))
    yield servers
    servers.stop()


@pytest.fixture
def fake_hec(request: pytest.FixtureRequest, _hecharness_servers: ServerPool) -> Iterator[FakeHEC]:
    """A running fake HEC, shared for the session and reset before each test.

    `.url`, `.token`, `.journal`, `.faults`, `.client()`; `.wait_for_events(n)`,
    `.assert_delivered(records, key=)`, `.requests(path=, status=, code=, channel=, fault=)`.
    Configure it with `@pytest.mark.fake_hec(...)`.
    """
    options = _or_fail(lambda: testing.marker_options(request.node.iter_markers(MARKER)))
    faults, settings = options.pop("faults", ()), options.pop("settings", None)
    restarts = options.pop("restarts", ())
    server = _take(request, _hecharness_servers, **options)
    if settings is not None:
        server.configure(**testing.settings_dict(settings))
    for fault in faults:
        server.faults.add(fault)
    for restart in restarts:
        _or_fail(lambda: server.restart(restart))  # noqa: B023 - called at once
    yield server
    _release(request, server)


@pytest.fixture
def fake_hec_tls(request: pytest.FixtureRequest, _hecharness_servers: ServerPool) -> Iterator[FakeHEC]:
    """A fake HEC serving one TLS mode from the session's CA: "valid", or the indirect parameter.

        @pytest.mark.parametrize("fake_hec_tls", ["valid", "expired"], indirect=True)

    `.url`, `.ca_path` (the bundle to trust) and `.ssl_context()` (a client context trusting it).
    """
    server = _take(request, _hecharness_servers, tls=getattr(request, "param", "valid"))
    yield server
    _release(request, server)


def _take(request: pytest.FixtureRequest, servers: ServerPool, **options: Any) -> FakeHEC:
    """A shared server, reset for this test (once, if two fixtures hand out the same one)."""
    server = _or_fail(lambda: servers.get(functools.partial(request.getfixturevalue, "hec_ca"), **options))
    _watch(request).take(server)
    return server


def _release(request: pytest.FixtureRequest, server: FakeHEC) -> None:
    # Whatever is still being served belongs to this test: end it now, before the next test's reset.
    watch = _watch(request)
    late = watch.release(server, SETTLE_TIMEOUT)
    if late:
        warnings.warn(pytest.PytestWarning(late), stacklevel=1)
    _fail_on(watch.unreported([server]))


@pytest.fixture
def fake_hec_factory(request: pytest.FixtureRequest, _hecharness_servers: ServerPool) -> Iterator[Callable[..., FakeHEC]]:
    """Start extra fake HECs for this test; each is stopped when the test ends.

        hec = fake_hec_factory(["token-a", Token("token-b", ack=True)], tls="valid",
                               settings={"max_content_length": 1024}, faults="error:9 first=1")

    Any other keyword goes to `FakeHEC` (`clock=`, `admin_port=0`, `client_cert_required=`, ...).
    The listen host and TLS mode default to `--hec-host` and `--hec-tls`.
    """
    started: list[FakeHEC] = []
    pool, ca = _hecharness_servers, functools.partial(request.getfixturevalue, "hec_ca")

    def make(tokens: Iterable[Token | str] | Token | str | None = None, **options: Any) -> FakeHEC:
        server = _or_fail(lambda: pool.start(ca, tokens, where="fake_hec_factory(faults=...):", **options))
        started.append(server)
        _watch(request).watch(server)
        return server

    yield make
    testing.stop_all(started)  # stopping ends hung requests and lets in-flight ones finish first
    _fail_on(_watch(request).unreported(started))


@pytest.fixture
def logpush_records() -> Callable[..., list[dict[str, Any]]]:
    """Make Logpush records: `logpush_records("http_requests", count=100, seed=0, fields=None)`, the same on every run.

    Other keywords go to `hecharness.generate.records` (`start=`, `rate=`, `profile=`, `sample_rate=`, `jitter=`).
    """
    return testing.records


@pytest.fixture
def logpush_job(fake_hec: FakeHEC) -> Callable[..., LogpushSimulator]:
    """Make a Logpush job simulator that pushes to `fake_hec`, on a `VirtualClock`.

        report = logpush_job(count=5000, job={"max_upload_records": 1000}, policy="faq").run_sync()

    `job` adds fields of the API's job object; `hec=` pushes to another server (one from
    `fake_hec_factory`, say); other keywords go to `LogpushSimulator`. See `hecharness.testing.logpush_job`.
    """

    return functools.partial(_aimed, testing.logpush_job, fake_hec)


@pytest.fixture
def hec_preflight(fake_hec: FakeHEC) -> Callable[..., PreflightResult]:
    """Run the pre-flight check (the Logpush FAQ's curl test, with a diagnosis) against `fake_hec`.

        result = hec_preflight()                  # a Logpush destination for fake_hec, its CA trusted
        assert hec_preflight(hec=other).failure.name == "hostname-mismatch"

    `hec=` checks another server; other keywords go to `hecharness.preflight.check`. Logpush pushes
    only over TLS, so a plain fake fails the check, saying so.
    """
    return functools.partial(_aimed, testing.preflight, fake_hec)


def _aimed(make: Callable[..., Any], fake_hec: FakeHEC, *args: Any, hec: FakeHEC | None = None, **options: Any) -> Any:
    return make(hec or fake_hec, *args, **options)
