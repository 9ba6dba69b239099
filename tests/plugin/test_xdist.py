"""The fixtures under pytest-xdist: one server set per worker, one certificate set per run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


def test_two_workers_each_get_their_own_servers_and_share_the_certificates(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json
        import os
        from pathlib import Path

        import pytest

        def note(name, **seen):
            worker = os.environ["PYTEST_XDIST_WORKER"]
            Path("seen", f"{worker}-{name}.json").write_text(json.dumps({"worker": worker, **seen}))

        @pytest.mark.parametrize("n", range(8))
        def test_shared(fake_hec, n):
            with fake_hec.client() as client:
                assert client.post("/services/collector/raw", content=f"event {n}").status_code == 200
            assert [e.raw for e in fake_hec.journal.events] == [f"event {n}"]   # nothing from other tests
            note(f"shared-{n}", url=fake_hec.url)

        @pytest.mark.parametrize("fake_hec_tls", ["valid", "expired"], indirect=True)
        @pytest.mark.parametrize("n", range(3))
        def test_tls(fake_hec_tls, hec_ca, n):
            note(f"tls-{fake_hec_tls.tls_modes[0]}-{n}", ca=str(hec_ca.ca_path), served=str(fake_hec_tls.ca_path))

        @pytest.mark.parametrize("n", range(4))
        def test_factory(fake_hec_factory, n):
            hec = fake_hec_factory(tls="valid")
            with hec.client() as client:
                assert client.get("/services/collector/health").status_code == 200
            note(f"factory-{n}", url=hec.url, ca=str(hec.ca_path))
        """
    )
    (pytester.path / "seen").mkdir()
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=8 + 6 + 4)

    seen = [json.loads(path.read_text()) for path in (pytester.path / "seen").iterdir()]
    workers = {entry["worker"] for entry in seen}
    assert workers == {"gw0", "gw1"}
    shared = {(entry["worker"], entry["url"]) for entry in seen if "url" in entry and "ca" not in entry}
    # One shared server per worker, on a port of its own.
    assert len({worker for worker, _ in shared}) == len(shared) == len({url for _, url in shared})
    # One certificate set for the whole run, written once, served by every worker's TLS servers.
    cas = {entry["ca"] for entry in seen if "ca" in entry} | {entry["served"] for entry in seen if "served" in entry}
    assert len(cas) == 1
    run_temp = Path(cas.pop()).parent.parent
    assert {"popen-gw0", "popen-gw1"} <= {path.name for path in run_temp.iterdir()}  # beside the workers' own
