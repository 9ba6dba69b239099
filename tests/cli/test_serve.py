"""`hecharness serve` as a user runs it: a real process, a ready file, a clean stop."""

from __future__ import annotations

import signal
import subprocess

import httpx
import pytest

from tests.serve_process import CLI, start_serve, stop_serve


def test_serve_makes_up_a_token_and_stops_cleanly(tmp_path):
    process, ready = start_serve(tmp_path)
    token = ready["tokens"][0]["value"]
    response = httpx.post(ready["url"] + "/services/collector/raw", content=b"hi", headers={"Authorization": f"Splunk {token}"})
    assert response.json() == {"text": "Success", "code": 0}
    counters = httpx.get(ready["admin_url"] + "/journal/counters").json()
    assert counters["events"] == 1
    assert oct((tmp_path / "ready.json").stat().st_mode & 0o777) == "0o600"
    code, out, err = stop_serve(process)
    assert code == 0
    assert token in out  # made up, so printed for the user to copy
    assert "POST /services/collector/raw 200 code=0 events=1" in err
    assert "stopped; 1 requests, 1 events" in err
    assert not (tmp_path / "ready.json").exists()  # serve removes what it created


def test_ctrl_c_is_how_serve_stops_so_it_exits_0_saying_what_it_served(tmp_path):
    process, ready = start_serve(tmp_path)
    httpx.get(ready["url"] + "/services/collector/health")
    code, out, err = stop_serve(process, signal.SIGINT)
    assert code == 0
    assert "stopped; 1 requests, 0 events" in err and "Traceback" not in err
    assert not (tmp_path / "ready.json").exists()


def test_unwritable_ready_file_is_refused_before_listening(tmp_path):
    path = tmp_path / "missing" / "ready.json"
    run = subprocess.run([*CLI, "serve", "--port", "0", "--ready-file", str(path)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 2
    assert f"Invalid value for '--ready-file': cannot write '{path}': No such file or directory" in run.stderr
    assert "listening" not in run.stdout and "Traceback" not in run.stderr


def test_help_lists_the_exit_codes():
    for command in ("serve", "push", "generate", "preflight", "certs", "fields"):
        run = subprocess.run([*CLI, command, "--help"], capture_output=True, text=True, timeout=30)
        assert "Exit codes:" in run.stdout, command
        assert "  2   bad input or usage" in run.stdout, command
        assert ("  130 interrupted" in run.stdout) == (command != "serve"), command  # Ctrl-C is how serve stops


def test_serve_with_config_masks_known_tokens(tmp_path):
    config = tmp_path / "hec.toml"
    config.write_text('raw_split = "body"\n[[tokens]]\nvalue = "logpush-secret-token"\nname = "logpush"\nack = true\n')
    process, ready = start_serve(tmp_path, "--config", str(config))
    assert ready["tokens"][0]["name"] == "logpush" and ready["tokens"][0]["ack"] is True
    httpx.post(
        ready["url"] + "/services/collector/raw",
        content=b"a\nb",
        headers={"Authorization": "Splunk logpush-secret-token", "X-Splunk-Request-Channel": "11111111-2222-4333-8444-555555555555"},
    )
    code, out, err = stop_serve(process)
    assert code == 0
    assert "logpush-secret-token" not in out + err
    assert "token logpush: logp****" in out
    assert "events=1" in err  # raw_split = body from the config


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--config", "/nonexistent/hec.toml"], "cannot read config"),
        (["--port", "99999"], "99999 is not in the range"),
        (["--raw-split", "words"], "'words' is not one of"),
        (["--token", "has space"], "contains white space"),
        (["--busy-keep-alive-idle-timeout", "0"], "busy_keep_alive_idle_timeout must be a number of seconds above 0, got 0.0"),
        (["--keep-alive-idle-timeout", "soon"], "'soon' is not a valid float"),
        (["--tls-profile", "splunk-9"], "'splunk-9' is not one of 'splunk-10.4', 'splunk-10.2'"),
    ],
)
def test_bad_input_gets_a_one_line_error(tmp_path, args, message):
    run = subprocess.run([*CLI, "serve", "--port", "0", *args], capture_output=True, text=True, timeout=30)
    assert run.returncode != 0
    assert message in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls", "valid", "--certs-dir", "{file}/certs"], "Invalid value for --certs-dir: {file}/certs: Not a directory"),
        (["--tls", "valid", "--tls-name", "bad name"], "not a host name or IP address: 'bad name'"),
    ],
)
def test_bad_input_exits_2(tmp_path, args, message):
    file = tmp_path / "a-file"
    file.write_text("")
    args = [arg.format(file=file) for arg in args]
    run = subprocess.run([*CLI, "serve", "--port", "0", *args], capture_output=True, text=True, timeout=30)
    assert run.returncode == 2
    assert message.format(file=file) in run.stderr
    assert "Traceback" not in run.stderr


def test_bad_config_file_is_named(tmp_path):
    config = tmp_path / "hec.toml"
    config.write_text("max_events = 'many'\n")
    run = subprocess.run([*CLI, "serve", "--port", "0", "--config", str(config)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 2
    assert "hec.toml: max_events must be a whole number >= 0, got 'many'" in run.stderr
    assert "Traceback" not in run.stderr


def test_port_in_use_is_a_clear_error(tmp_path):
    process, ready = start_serve(tmp_path)
    port = ready["url"].rsplit(":", 1)[1]
    try:
        run = subprocess.run([*CLI, "serve", "--port", port], capture_output=True, text=True, timeout=30)
        assert run.returncode == 2  # bad input: the message names the option to change
        assert f"Invalid value for --port: cannot listen on 127.0.0.1:{port}: Address already in use (--port 0 picks a free port)" in run.stderr
        assert "Traceback" not in run.stderr
        admin = subprocess.run([*CLI, "serve", "--port", "0", "--admin-port", port], capture_output=True, text=True, timeout=30)
        assert admin.returncode == 2
        assert f"Invalid value for --admin-port: cannot listen on 127.0.0.1:{port}" in admin.stderr
    finally:
        stop_serve(process)


def test_wide_bind_warns(tmp_path):
    process, ready = start_serve(tmp_path, "--host", "0.0.0.0", "--no-admin")
    code, out, err = stop_serve(process)
    assert "warning: listening on 0.0.0.0" in err


def test_serve_with_faults(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text('[[faults]]\naction = "error:8"\nfirst = 1\nname = "planned"\n')
    process, ready = start_serve(tmp_path, "--fault", "error:9 first=1 name=busy", "--faults", str(plan))
    token = ready["tokens"][0]["value"]
    send = lambda: httpx.post(ready["url"] + "/services/collector/raw", content=b"x", headers={"Authorization": f"Splunk {token}"})
    assert [send().json()["code"] for _ in range(3)] == [9, 8, 0]
    listed = httpx.get(ready["admin_url"] + "/faults").json()
    assert [f["name"] for f in listed] == ["busy", "planned"]
    code, out, err = stop_serve(process)
    assert "fault busy: error:9 first=1 name=busy" in out
    assert "code=9 token=default fault=busy=error:9" in err  # a faulted request still names its token


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "error:99"], "Invalid value for --fault: 'error:99': unknown HEC code 99"),
        (["--fault", "error:9 every=zero"], "every must be a whole number >= 1, got 'zero'"),
        (["--faults", "/nonexistent/plan.toml"], "cannot read fault plan"),
    ],
)
def test_bad_fault_gets_a_one_line_error(args, message):
    run = subprocess.run([*CLI, "serve", "--port", "0", *args], capture_output=True, text=True, timeout=30)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_loopback_range_does_not_warn(tmp_path):
    process, ready = start_serve(tmp_path, "--host", "127.0.0.2", "--no-admin")
    code, out, err = stop_serve(process)
    assert "warning" not in err


def test_serve_with_extra_indexes(tmp_path):
    process, ready = start_serve(tmp_path, "--index", "cloudflare")
    token = ready["tokens"][0]["value"]
    send = lambda index: httpx.post(
        ready["url"] + "/services/collector/event",
        content=b'{"event":"x","index":"%s"}' % index.encode(),
        headers={"Authorization": f"Splunk {token}"},
    ).json()["code"]
    assert [send("cloudflare"), send("main"), send("nowhere")] == [0, 0, 7]
    stop_serve(process)


def test_serve_takes_connection_settings(tmp_path):
    process, ready = start_serve(
        tmp_path, "--keep-alive-idle-timeout", "60", "--busy-keep-alive-idle-timeout", "0.5", "--tls-profile", "splunk-10.2"
    )
    try:
        settings = httpx.get(ready["admin_url"] + "/settings").json()
    finally:
        stop_serve(process)
    assert (settings["keep_alive_idle_timeout"], settings["busy_keep_alive_idle_timeout"]) == (60, 0.5)
    assert settings["tls_profile"] == "splunk-10.2"
