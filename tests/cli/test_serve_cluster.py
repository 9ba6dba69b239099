"""`hecharness serve --indexers N`: a cluster behind the balancer from the command line, and its bad options (#17)."""

from __future__ import annotations

import subprocess
import uuid

import httpx
import pytest

from tests.serve_process import CLI, start_serve, stop_serve


def test_serve_runs_a_cookie_sticky_cluster_with_a_restart(tmp_path):
    process, ready = start_serve(
        tmp_path, "--indexers", "3", "--balancer", "cookie", "--cookie-name", "LB", "--cookie-lifetime", "300",
        "--restart", "restart node=3 for=600",
    )
    headers = {"Authorization": f"Splunk {ready['tokens'][0]['value']}", "X-Splunk-Request-Channel": str(uuid.uuid4())}
    with httpx.Client(base_url=ready["url"], headers=headers) as client:
        assert client.post("/services/collector/raw", content=b"a").headers["set-cookie"].startswith("LB=")
        client.post("/services/collector/raw", content=b"b")
    view = httpx.get(ready["admin_url"] + "/cluster").json()
    assert [n["up"] for n in view["indexers"]] == [True, True, False]
    assert [n["counters"]["requests"] for n in view["indexers"]] == [2, 0, 0]
    code, out, err = stop_serve(process)
    assert code == 0
    assert "cluster of 3 indexers behind a cookie balancer" in out
    assert "indexer=1" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indexers", "0"], "--indexers"),
        (["--indexers", "2", "--balancer", "random"], "--balancer"),
        (["--cookie-lifetime", "5"], "cookie options need"),
        (["--indexers", "2", "--balancer", "cookie", "--cookie-lifetime", "-1"], "cookie_lifetime"),
        (["--indexers", "2", "--balancer", "cookie", "--channel-cookie", "a b"], "channel_cookie"),
        (["--indexers", "2", "--restart", "restart node=3"], "node 3 does not exist"),
        (["--indexers", "2", "--restart", "restart at=5"], "needs node=N"),
        (["--restart", "restart node=1"], "need a cluster"),
        (["--indexers", "2", "--balancer-unavailable", "503"], "--balancer-unavailable"),
    ],
)
def test_bad_cluster_options_are_one_line_and_exit_2(args, message):
    result = subprocess.run([*CLI, "serve", "--port", "0", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
