"""`hecharness certs` and `hecharness serve --tls` as a user runs them."""

from __future__ import annotations

import ssl
import stat
import subprocess
from pathlib import Path

import pytest

from hecharness.tls import CERTIFICATE_MODES, TLS_MODES, CertificateAuthority
from tests.serve_process import CLI, start_serve, stop_serve
from tests.tls.conftest import curl, httpx_post



def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


def serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], dict]:
    return start_serve(tmp_path, "--no-admin", "--token", "cli-token", *args)


def stop(process: subprocess.Popen[str]) -> str:
    status, out, _ = stop_serve(process)
    assert status == 0
    return out


def test_certs_writes_every_mode_and_keeps_the_readme(tmp_path):
    out = tmp_path / "certs"
    out.mkdir()
    (out / "README.md").write_text("committed\n")
    done = run("certs", "--out", str(out), "--name", "hec.example")
    assert done.returncode == 0, done.stderr
    assert f"CA bundle (curl --cacert, SSL_CERT_FILE, httpx/requests verify): {out}/ca-bundle.pem" in done.stdout
    assert (out / "README.md").read_text() == "committed\n"
    assert (out / "GUIDE.md").is_file()
    for mode in CERTIFICATE_MODES:
        assert stat.S_IMODE((out / mode / "server.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "client.key").stat().st_mode) == 0o600
    assert CertificateAuthority.load(out).names == ("hec.example",)


def test_certs_refuses_a_bad_name_in_one_line(tmp_path):
    done = run("certs", "--out", str(tmp_path), "--name", "not a name")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "Error: Invalid value for --name: not a host name or IP address: 'not a name'"
    assert not (tmp_path / "ca-bundle.pem").exists()


def test_serve_every_mode_prints_and_records_a_url_per_mode(tmp_path):
    process, ready = serve(tmp_path, "--tls", ",".join(TLS_MODES))
    try:
        assert list(ready["urls"]) == list(TLS_MODES)
        assert ready["url"] == ready["urls"]["valid"]
        bundle = ready["ca_bundle"]
        assert Path(bundle).is_absolute() and Path(bundle).is_file()
        context = ssl.create_default_context(cafile=bundle)
        assert httpx_post(ready["urls"]["valid"], context).text.startswith('{"text":"Invalid token"')  # wrong token, right TLS
        outcome = httpx_post(ready["urls"]["splunk-default"].replace("127.0.0.1", "localhost"), context)
        assert "Hostname mismatch, certificate is not valid for 'localhost'." in outcome.text
    finally:
        out = stop(process)
    for mode, url in ready["urls"].items():
        assert f"fake HEC listening on {url} ({mode})" in out
    assert f"CA bundle: {bundle}" in out


def test_serve_with_a_certs_dir_and_client_certificates(tmp_path):
    certs = tmp_path / "certs"
    assert run("certs", "--out", str(certs)).returncode == 0
    process, ready = serve(tmp_path, "--tls", "valid", "--certs-dir", str(certs), "--client-cert-required")
    try:
        assert ready["ca_bundle"] == str(certs / "ca-bundle.pem")
        assert ready["client_cert"] == str(certs / "client.pem") and ready["client_key"] == str(certs / "client.key")
        url = ready["url"].replace("127.0.0.1", "localhost")
        with_cert = ["--cacert", ready["ca_bundle"], "--cert", ready["client_cert"], "--key", ready["client_key"]]
        assert '"code":4' in curl(url, *with_cert).text  # through TLS to the token check
        assert not curl(url, "--cacert", ready["ca_bundle"]).ok
    finally:
        out = stop(process)
    assert "client certificate required" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls", "valid,selfsigned"], "Error: Invalid value for --tls: unknown TLS mode 'selfsigned'; choose from valid, self-signed"),
        (["--tls", "plain,plain"], "Error: Invalid value for --tls: TLS mode 'plain' is given twice"),
        (["--tls", "valid", "--tls-name", "bad name"], "Error: not a host name or IP address: 'bad name'"),
        (["--client-cert-required"], "Error: client certificates need a TLS mode; plain HTTP has none"),
    ],
)
def test_serve_refuses_bad_tls_options_in_one_line(args, message):
    done = run("serve", "--port", "0", *args)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1].startswith(message)


def test_serve_names_what_is_missing_from_a_certs_dir(tmp_path):
    (tmp_path / "ca-bundle.pem").write_text("")
    done = run("serve", "--port", "0", "--tls", "valid", "--certs-dir", str(tmp_path))
    assert done.returncode == 2  # bad input, as every command counts it
    last = done.stderr.strip().splitlines()[-1]
    assert last == f"Error: Invalid value for --certs-dir: {tmp_path}/client.pem is missing; write a full set with `hecharness certs --out {tmp_path}`"
