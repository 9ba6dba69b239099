"""hecharness.testing's pool, session CA and error bookkeeping, driven directly: no pytest fixture of the plugin."""

from __future__ import annotations

import ssl
import threading

import httpx
import pytest

from hecharness.testing import ErrorWatch, OptionError, ServerPool, SessionCA, marker_options, parse_faults, session_ca


@pytest.fixture
def pool():
    servers = ServerPool()
    yield servers
    servers.stop()


def no_ca() -> SessionCA:
    raise AssertionError("a plain server needs no certificates")


def test_the_pool_hands_out_one_server_per_configuration(pool):
    first = pool.get(no_ca)
    assert pool.get(no_ca) is first
    other = pool.get(no_ca, tokens=["another-token"])
    assert other is not first and other.token == "another-token"
    assert len(pool) == 2
    pool.stop()
    assert len(pool) == 0 and "stopped" in repr(first)


def test_the_pool_serves_tls_from_the_session_ca_when_it_covers_the_names(pool, tmp_path):
    ca = session_ca(tmp_path, "127.0.0.1")
    shared = pool.get(lambda: ca, tls="valid")
    assert shared.ca_path == ca.ca_path
    own = pool.start(lambda: ca, tls="valid", tls_names=["hec.example"])
    try:
        assert own.ca_path != ca.ca_path  # the session's leaves lack the name: a CA of its own
    finally:
        own.stop()


def test_the_session_ca_is_written_once_and_read_back(tmp_path):
    first, again = session_ca(tmp_path, "127.0.0.1"), session_ca(tmp_path, "localhost")
    assert first.directory == again.directory == tmp_path / "hecharness-certs"
    assert first.ca_path.read_bytes() == again.ca_path.read_bytes()
    assert first.names == () and first.files.client_cert.is_file()
    assert isinstance(first.ssl_context(client_cert=True), ssl.SSLContext)


def test_a_non_local_host_is_added_to_the_session_certificates(tmp_path):
    assert session_ca(tmp_path, "192.0.2.7").names == ("192.0.2.7",)


def test_start_applies_faults_and_settings_to_a_server_of_its_own(pool):
    hec = pool.start(no_ca, "t0ken", settings={"max_content_length": 5}, faults="error:9 first=1")
    try:
        assert hec is not pool.get(no_ca) and hec.settings.max_content_length == 5
        with hec.client() as client:
            assert client.post("/services/collector/raw", content=b"a").status_code == 503
    finally:
        hec.stop()


def test_start_names_where_a_bad_fault_came_from(pool):
    with pytest.raises(OptionError, match=r"^factory\(faults=\.\.\.\): fault 'nonsense':"):
        pool.start(no_ca, faults="nonsense", where="factory(faults=...):")
    assert len(pool) == 0


def test_the_error_watch_resets_once_and_reports_each_error_once(pool):
    hec = pool.get(no_ca)
    hec.faults.add("error:9")
    watch = ErrorWatch()
    assert not watch
    watch.take(hec)
    assert len(hec.faults) == 0  # reset before the test uses it
    hec.faults.add("error:9")
    watch.take(hec)  # a second fixture handing out the same server: no second reset
    assert len(hec.faults) == 1 and watch
    hec.collector.errors.append("Traceback: boom\n")
    assert "boom" in watch.unreported()
    assert watch.unreported() == ""  # reported once


def test_the_error_watch_says_when_a_request_outlasts_the_settling(pool):
    hec = pool.start(no_ca)
    watch = ErrorWatch()
    watch.watch(hec)
    assert watch.release(hec, timeout=1) == ""
    delay = hec.faults.add("delay:2")  # far longer than the 0.05 s settle below, even on a loaded machine
    sender = threading.Thread(target=_post_quietly, args=(hec.url,))
    sender.start()
    try:
        while not delay.fired:
            sender.join(0.01)
        assert f"{hec!r} was still serving a request 0.05s after the test ended" in watch.release(hec, timeout=0.05)
    finally:
        sender.join(10)
        hec.stop()


def _post_quietly(url: str) -> None:
    try:
        httpx.post(url + "/services/collector/raw", content=b"x", timeout=10)
    except httpx.HTTPError:
        pass


class Mark:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


def test_marker_options_merge_nearest_last_and_parse_faults():
    options = marker_options([Mark(tls="valid", faults="error:9"), Mark(tls="plain", tokens=["a"])])
    assert options["tls"] == "valid" and options["tokens"] == ["a"]
    assert [fault.describe() for fault in options["faults"]] == [parse_faults("error:9", "")[0].describe()]


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        ([Mark("valid")], r"^@pytest.mark.fake_hec takes keyword arguments only, got \('valid',\)$"),
        ([Mark(colour="blue")], r"^@pytest.mark.fake_hec got unknown option 'colour'; known: tls, "),
        ([Mark(settings={"no_such_setting": 1})], r"^@pytest.mark.fake_hec\(settings=\.\.\.\): "),
        ([Mark(faults=["error:9", "nonsense"])], r"^@pytest.mark.fake_hec\(faults=\.\.\.\): fault 'nonsense': "),
    ],
)
def test_marker_mistakes_are_one_line_option_errors(marks, message):
    with pytest.raises(OptionError, match=message):
        marker_options(marks)
