"""Safe unless told otherwise: loopback, masked tokens, private keys, loud insecurity, a lockable admin API.

No test here binds a non-loopback address: the warnings for a wide bind are checked with an address
from TEST-NET-1 (192.0.2.0/24, RFC 5737), which no machine has, so binding it fails after the warning.
"""

from __future__ import annotations

import json
import logging
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from hecharness.cli import main
from hecharness.destination import Destination
from hecharness.hec import FakeHEC, Token
from tests.serve_process import start_serve

CLI = [sys.executable, "-m", "hecharness.cli"]
SECRET = "5ecr3t00-aaaa-4bbb-8ccc-dddddddddddd"
QUERY_SECRET = "qu3ry000-aaaa-4bbb-8ccc-dddddddddddd"
ADMIN_SECRET = "adm1n-s3cret"
CHANNEL = "11111111-2222-4333-8444-555555555555"
UNROUTABLE = "192.0.2.1"  # TEST-NET-1: documentation only, assigned to no machine


def secrets_in(text: str) -> list[str]:
    return [secret for secret in (SECRET, QUERY_SECRET, ADMIN_SECRET) if secret in text]


# -- where servers listen --------------------------------------------------------------------------


def test_fake_hec_and_its_admin_api_listen_on_loopback_by_default():
    with FakeHEC() as hec:
        assert {listener.host for listener in hec.listeners} == {"127.0.0.1"}
        assert hec.url.startswith("http://127.0.0.1:") and hec.admin_url.startswith("http://127.0.0.1:")


def test_the_admin_api_stays_on_loopback_when_the_hec_listens_elsewhere():
    with FakeHEC(host="127.0.0.2") as hec:
        hosts = {listener.name: listener.host for listener in hec.listeners}
    assert hosts == {"plain": "127.0.0.2", "admin": "127.0.0.1"}


def test_fake_hec_says_so_when_told_to_listen_beyond_loopback(caplog):
    caplog.set_level(logging.WARNING, logger="hecharness.hec")
    with pytest.raises(OSError, match=f"cannot listen on {UNROUTABLE}"):
        FakeHEC(host=UNROUTABLE).start()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"listening on {UNROUTABLE}" in w and "reachable from other machines" in w for w in warnings), warnings


def test_fake_hec_is_quiet_on_loopback(caplog):
    caplog.set_level(logging.WARNING, logger="hecharness.hec")
    for host in ("127.0.0.1", "127.0.0.2", "localhost"):
        with FakeHEC(host=host, admin_port=None):
            pass
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_serve_says_so_once_when_told_to_listen_beyond_loopback():
    run = subprocess.run([*CLI, "serve", "--host", UNROUTABLE, "--port", "0"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2  # the address is nobody's: the warning came first, then the bind failed
    assert f"Invalid value for --host: cannot listen on {UNROUTABLE}" in run.stderr
    assert run.stderr.count(f"listening on {UNROUTABLE}") == 1, run.stderr
    assert "reachable from other machines" in run.stderr
    assert "Traceback" not in run.stderr


# -- tokens never show unless asked for ------------------------------------------------------------------


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[subprocess.Popen, dict, Path]]:
    config = tmp_path / "hec.toml"
    config.write_text(
        f'[[tokens]]\nvalue = "{SECRET}"\nname = "logpush"\n\n'
        f'[[tokens]]\nvalue = "{QUERY_SECRET}"\nname = "querying"\nquery_auth = true\n'
    )
    process, ready = start_serve(tmp_path, "--config", str(config), "--admin-token", ADMIN_SECRET)
    try:
        yield process, ready, tmp_path / "ready.json"
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_tokens_are_masked_in_the_log_the_journal_and_the_admin_api(served):
    process, ready, ready_file = served
    url, admin = ready["url"], ready["admin_url"]
    import base64

    basic = base64.b64encode(f"anyone:{SECRET}".encode()).decode()
    sent = [
        httpx.post(url + "/services/collector/raw", content=b"a", headers={"Authorization": f"Splunk {SECRET}"}),
        httpx.post(url + "/services/collector/raw", content=b"b", headers={"Authorization": f"Basic {basic}"}),
        httpx.post(url + "/services/collector/raw", content=b"c", params={"token": QUERY_SECRET, "channel": CHANNEL}),
        httpx.post(url + "/services/collector/event", content=b"{", headers={"Authorization": f"Splunk {SECRET}x"}),
    ]
    assert [r.status_code for r in sent] == [200, 200, 200, 403]
    bearer = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    exported = {path: httpx.get(admin + path, headers=bearer).text for path in ("/journal", "/journal/requests", "/tokens", "/settings")}
    for path, text in exported.items():
        assert secrets_in(text) == [], (path, text[:500])
    assert "Splunk 5ecr****" in exported["/journal/requests"] and "token=qu3r****" in exported["/journal/requests"]
    # Asked for explicitly, the admin API shows them.
    shown = httpx.get(admin + "/tokens", params={"show": "1"}, headers=bearer).json()
    assert {t["value"] for t in shown} == {SECRET, QUERY_SECRET}
    # The ready file hands them to other processes in full, so only its owner may read it.
    assert stat.S_IMODE(ready_file.stat().st_mode) == 0o600
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert secrets_in(out + err) == [], out + err
    assert "POST /services/collector/raw 200" in err  # the log did log the requests


def test_journal_export_masks_credentials():
    with FakeHEC([Token(SECRET, query_auth=True)], admin_port=None) as hec:
        httpx.post(hec.url + "/services/collector/raw", content=b"x", headers={"Authorization": f"Splunk {SECRET}"})
        httpx.post(hec.url + "/services/collector/raw", content=b"x", params={"token": SECRET})
        text = json.dumps(hec.journal.export())
    assert secrets_in(text) == []
    assert text.count("5ecr****") == 2  # masked, not dropped: requests stay tellable apart by token


def test_push_report_and_summary_mask_the_token(tmp_path):
    with FakeHEC([Token(SECRET)], tls="valid") as hec:
        conf = Destination.for_hec("localhost", hec.listeners[0].port, token=SECRET, channel=CHANNEL).canonical(show_token=True)
        report = tmp_path / "report.json"
        result = CliRunner().invoke(
            main,
            ["push", "--destination-conf", conf, "--any-port", "--cacert", str(hec.ca_path), "--count", "50",
             "--rate", "50", "--time-scale", "3000", "--quiet", "--report", str(report)],
        )
    assert result.exit_code == 0, result.output
    assert secrets_in(result.output) == []
    assert secrets_in(report.read_text()) == []
    assert "5ecr****" in report.read_text()


# -- private keys ------------------------------------------------------------------------------------------


def test_generated_private_keys_are_readable_by_their_owner_only(tmp_path):
    out = tmp_path / "certs"
    result = CliRunner().invoke(main, ["certs", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with FakeHEC(tls="valid") as hec:
        temporary = sorted(Path(hec.certificates.directory).rglob("*"))
        modes = {path: stat.S_IMODE(path.stat().st_mode) for path in temporary if path.is_file()}
    for path in out.rglob("*"):
        if path.is_file():
            modes[path] = stat.S_IMODE(path.stat().st_mode)
    keys = {path: mode for path, mode in modes.items() if "key" in path.name}
    assert len(keys) >= 4, sorted(modes)
    assert set(keys.values()) == {0o600}, keys
    assert all(mode & 0o077 == 0 or "key" not in path.name for path, mode in modes.items())


# -- insecurity is loud --------------------------------------------------------------------------------------


def test_push_with_insecure_skip_verify_says_what_is_no_longer_checked():
    with FakeHEC([Token(SECRET)], tls="self-signed") as hec:
        destination = Destination.for_hec("localhost", hec.listeners[0].port, token=SECRET, channel=CHANNEL, insecure_skip_verify=True)
        conf = destination.canonical(show_token=True)
        result = CliRunner().invoke(main, ["push", "--destination-conf", conf, "--any-port", "--count", "5", "--rate", "5", "--time-scale", "3000", "--quiet"])
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.output.splitlines() if line.startswith("warning:"))
    for checked in ("chain", "expiry", "host name"):
        assert checked in warning, warning


def test_preflight_insecure_warns_that_certificate_checks_are_off():
    pytest.importorskip("hecharness.preflight", reason="the pre-flight check is not on this branch")
    with FakeHEC([Token(SECRET)], tls="self-signed") as hec:
        url = hec.urls["self-signed"].replace("127.0.0.1", "localhost") + "/services/collector/raw"
        result = CliRunner().invoke(main, ["preflight", url, "--token", SECRET, "--insecure", "--any-port", "--timeout", "10"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "certificate checks are off" in text
    for checked in ("chain of trust", "expiry dates", "host name"):
        assert checked in text, text
    assert secrets_in(result.output) == []


# -- the admin API's own token --------------------------------------------------------------------------------

ADMIN_CALLS = [
    ("GET", "/journal"), ("GET", "/journal/counters"), ("GET", "/journal/requests"), ("GET", "/journal/events"),
    ("POST", "/journal/delivery"), ("POST", "/journal/clear"), ("POST", "/reset"), ("GET", "/tokens"),
    ("POST", "/tokens"), ("PATCH", "/tokens/logpush"), ("DELETE", "/tokens/logpush"), ("GET", "/settings"),
    ("PATCH", "/settings"), ("GET", "/faults"), ("POST", "/faults"), ("DELETE", "/faults/x"), ("DELETE", "/faults"),
]


def test_every_admin_call_needs_the_admin_token_when_one_is_set():
    with FakeHEC([Token(SECRET, name="logpush")], admin_token=ADMIN_SECRET) as hec:
        for method, path in ADMIN_CALLS:
            for headers in ({}, {"Authorization": f"Bearer {ADMIN_SECRET}x"}, {"Authorization": f"Splunk {SECRET}"},
                            {"Authorization": f"Basic {ADMIN_SECRET}"}, {"Authorization": ADMIN_SECRET}):
                answer = httpx.request(method, hec.admin_url + path, headers=headers, json={})
                assert answer.status_code == 401, (method, path, headers, answer.text)
                assert answer.json() == {"error": "the admin API needs 'Authorization: Bearer <admin token>'"}
        # Nothing was changed by the refused calls.
        assert [t.name for t in hec.tokens.all()] == ["logpush"]
        answer = httpx.get(hec.admin_url + "/journal/counters", headers={"Authorization": f"Bearer {ADMIN_SECRET}"})
        assert answer.status_code == 200
        # The HEC itself is unaffected by the admin token.
        hec_answer = httpx.post(hec.url + "/services/collector/raw", content=b"x", headers={"Authorization": f"Splunk {SECRET}"})
        assert hec_answer.json() == {"text": "Success", "code": 0}
