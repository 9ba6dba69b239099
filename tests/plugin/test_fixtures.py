"""The plugin's fixtures, each run as a user would: inside a pytester session."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_the_entry_point_registers_fixtures_marker_and_options(pytester: pytest.Pytester) -> None:
    fixtures = pytester.runpytest("--fixtures")
    fixtures.stdout.fnmatch_lines(["*fixtures defined from hecharness.pytest_plugin*"])
    for name in ("fake_hec", "fake_hec_factory", "fake_hec_tls", "hec_ca [[]session scope[]]", "logpush_records", "logpush_job"):
        fixtures.stdout.fnmatch_lines([f"{name} -- *pytest_plugin.py*"])
    pytester.runpytest("--markers").stdout.fnmatch_lines(["@pytest.mark.fake_hec(tls=, tokens=, *"])
    pytester.runpytest("--help").stdout.fnmatch_lines(["*--hec-host=ADDRESS*", "*--hec-tls=MODE*", "*hec_host*", "*hec_tls*"])


def test_fake_hec_is_a_running_collector_with_its_parts_at_hand(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_send_and_read_back(fake_hec):
            assert fake_hec.url.startswith("http://127.0.0.1:")
            with fake_hec.client() as client:
                answer = client.post("/services/collector/event", json={"event": "hello"})
                assert answer.json() == {"text": "Success", "code": 0}
                fake_hec.faults.add("error:9 first=1")
                assert client.post("/services/collector/event", json={"event": "x"}).status_code == 503
            assert [event.event for event in fake_hec.journal.events] == ["hello"]
            assert fake_hec.tokens.get(fake_hec.token) is not None
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_fake_hec_is_shared_and_cleared_before_each_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        seen = {}

        def test_dirty(fake_hec):
            seen["url"], seen["token"] = fake_hec.url, fake_hec.token
            with fake_hec.client() as client:
                client.post("/services/collector/raw", content=b"left over")
            fake_hec.faults.add("error:9 every=1")
            fake_hec.tokens.add("extra-token")
            fake_hec.configure(health="queues-full", max_events=1)
            fake_hec.collector.errors.append("a stale traceback")  # as if the server had raised
            fake_hec.collector.errors.clear()  # (and reported) so that this test passes

        def test_clean(fake_hec):
            assert (fake_hec.url, fake_hec.token) == (seen["url"], seen["token"])  # the same server
            assert fake_hec.journal.counters.requests == 0 and fake_hec.journal.events == []
            assert len(fake_hec.faults) == 0
            assert [t.value for t in fake_hec.tokens.all()] == [fake_hec.token]
            assert fake_hec.settings.health == "healthy" and fake_hec.settings.max_events == 100_000
            with fake_hec.client() as client:
                assert client.post("/services/collector/raw", content=b"fresh").status_code == 200
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_servers_start_only_when_a_test_asks_for_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import threading

        def fake_hec_threads():
            return {t for t in threading.enumerate() if t.name.startswith("fake-hec-")}

        before = fake_hec_threads()   # servers of whatever runs this session in the same process

        def test_plain_test_starts_nothing(tmp_path_factory):
            assert fake_hec_threads() == before
            assert not (tmp_path_factory.getbasetemp() / "hecharness-certs").exists()

        def test_first_user(fake_hec):
            assert len(fake_hec_threads() - before) == 1

        def test_second_user_shares_it(fake_hec):
            assert len(fake_hec_threads() - before) == 1
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_factory_servers_take_their_options_and_stop_when_the_test_ends(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        from hecharness.hec import Token

        made = []

        def test_make(fake_hec_factory, fake_hec):
            small = fake_hec_factory(["token-a", Token("token-b", ack=True)], settings={"max_content_length": 64},
                                     faults="error:9 first=1")
            secure = fake_hec_factory(tls="valid", admin_port=0)
            made.extend([small, secure])
            assert len({small.url, secure.url, fake_hec.url}) == 3
            assert small.token == "token-a" and small.tokens.get("token-b").ack
            with small.client() as client:
                assert client.post("/services/collector/raw", content=b"x").status_code == 503   # the fault
                assert client.post("/services/collector/raw", content=b"x" * 100).status_code == 413  # the limit
            assert secure.url.startswith("https://") and secure.admin_url is not None
            with secure.client() as client:
                assert client.get("/services/collector/health").json()["code"] == 17

        def test_they_are_gone(fake_hec):
            assert [server.listeners[0].socket.fileno() for server in made] == [-1, -1]
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_hec_ca_is_the_certificate_set_every_tls_fixture_serves(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import ssl

        def test_ca(hec_ca, fake_hec_tls, fake_hec_factory):
            assert hec_ca.ca_path.is_file() and hec_ca.files.client_cert.is_file()
            assert isinstance(hec_ca.ssl_context(), ssl.SSLContext)
            assert fake_hec_tls.ca_path == hec_ca.ca_path
            assert fake_hec_factory(tls="expired").ca_path == hec_ca.ca_path
            assert fake_hec_factory(tls="valid", tls_names=["hec.example"]).ca_path != hec_ca.ca_path  # names it lacks
            with fake_hec_tls.client(verify=hec_ca.ssl_context()) as client:
                assert client.get("/services/collector/health").status_code == 200

        def test_mutual_tls(hec_ca, fake_hec_factory):
            hec = fake_hec_factory(tls="valid", client_cert_required=True)
            with hec.client(verify=hec_ca.ssl_context(client_cert=True)) as client:
                assert client.get("/services/collector/health").status_code == 200
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_fake_hec_tls_serves_one_mode_valid_unless_parametrized(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        def test_default_is_valid(fake_hec_tls):
            assert fake_hec_tls.tls_modes == ("valid",) and fake_hec_tls.url.startswith("https://127.0.0.1:")
            with httpx.Client(verify=fake_hec_tls.ssl_context()) as client:
                assert client.get(fake_hec_tls.url + "/services/collector/health").status_code == 200

        @pytest.mark.parametrize(
            "fake_hec_tls, error",
            [
                ("valid", None),
                ("self-signed", None),  # the CA bundle holds the self-signed leaf itself
                ("splunk-default", "IP address mismatch"),
                ("mismatched-name", "IP address mismatch"),
                ("expired", "certificate has expired"),
            ],
            indirect=["fake_hec_tls"],
        )
        def test_modes(fake_hec_tls, error):
            with httpx.Client(verify=fake_hec_tls.ssl_context()) as client:
                if error is None:
                    assert client.get(fake_hec_tls.url + "/services/collector/health").status_code == 200
                else:
                    with pytest.raises(httpx.ConnectError, match=error):
                        client.get(fake_hec_tls.url + "/services/collector/health")

        @pytest.mark.parametrize("fake_hec_tls", ["plain"], indirect=True)
        def test_plain(fake_hec_tls):
            assert fake_hec_tls.url.startswith("http://") and fake_hec_tls.ca_path is None
        """
    )
    pytester.runpytest().assert_outcomes(passed=7)


def test_logpush_records_are_seeded_and_shaped_by_their_arguments(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_records(logpush_records):
            records = logpush_records()
            assert len(records) == 100 and len({r["RayID"] for r in records}) == 100
            assert logpush_records() == records                      # seeded: same arguments, same records
            assert logpush_records(seed=1) != records
            few = logpush_records("firewall_events", count=3, fields=["RayID", "Action"])
            assert [list(r) for r in few] == [["RayID", "Action"]] * 3
            assert len(logpush_records("dns_logs", count=7)) == 7
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_logpush_job_pushes_to_fake_hec_on_a_virtual_clock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from hecharness.clock import VirtualClock

        @pytest.mark.fake_hec(faults="error:9 first=2")
        def test_plain(fake_hec, logpush_job):
            simulator = logpush_job(count=2500, job={"max_upload_records": 1000})
            assert isinstance(simulator.clock, VirtualClock)
            report = simulator.run_sync()       # the faq policy's 20 s and 60 s waits take no time
            assert (report.metrics.records_uploaded, report.metrics.retries) == (2500, 2)
            assert [r.status for r in fake_hec.requests(path="raw")] == [503, 503, 200, 200, 200]
            assert fake_hec.journal.event_count == 2500
            assert {e.sourcetype for e in fake_hec.journal.events} == {"cloudflare:json"}

        @pytest.mark.fake_hec(tls="valid")
        def test_tls(fake_hec, logpush_job):
            report = logpush_job(job={"logpull_options": "fields=RayID,EdgeStartTimestamp"}).run_sync()
            assert report.metrics.records_uploaded == 100
            assert report.job.destination_conf.startswith("splunk://127.0.0.1:")
            assert set(fake_hec.journal.events[0].data()) == {"RayID", "EdgeStartTimestamp"}

        def test_another_server(fake_hec, fake_hec_factory, logpush_job):
            other = fake_hec_factory(tls="self-signed")
            assert logpush_job(hec=other, count=10).run_sync().metrics.records_uploaded == 10
            assert (other.journal.event_count, fake_hec.journal.event_count) == (10, 0)
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_logpush_job_times_uploads_out_on_the_clock_the_fake_hec_runs_on(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from hecharness.clock import RealClock

        def test_on_the_harness_clock(fake_hec_factory, logpush_job):
            clock = RealClock(scale=60)
            hec = fake_hec_factory(clock=clock, faults="delay:120 first=1")  # 2 wall s: four deadlines
            report = logpush_job(hec=hec, clock=clock, count=10).run_sync()
            assert [a.outcome for a in report.attempts] == ["retry", "delivered"]
            assert report.attempts[0].error == "timeout: no complete answer in time"

        def test_on_its_own_clock(fake_hec_factory, logpush_job):
            hec = fake_hec_factory(faults="delay:2 first=1")  # real time: 2 s is well inside 30
            report = logpush_job(hec=hec, clock=RealClock(scale=60), count=10).run_sync()
            assert [a.outcome for a in report.attempts] == ["delivered"]
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_hec_preflight_checks_fake_hec_the_way_logpush_would(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fake_hec(tls="valid")
        def test_good(hec_preflight):
            result = hec_preflight()
            assert result.ok, result.cause
            assert result.exit_code == 0

        @pytest.mark.fake_hec(tls="valid", faults="error:9 path=raw")
        def test_busy(hec_preflight):
            assert hec_preflight().failure.name == "busy"

        def test_other_server(fake_hec_factory, hec_preflight):
            other = fake_hec_factory(tls="mismatched-name")
            result = hec_preflight(hec=other)
            assert result.failure.name == "hostname-mismatch"
            assert "valid for SplunkServerDefaultCert, not 127.0.0.1" in result.cause

        def test_plain_fails_as_logpush_would(hec_preflight):
            assert not hec_preflight().ok
        """
    )
    pytester.runpytest().assert_outcomes(passed=4)


def test_a_factory_server_the_test_stopped_tears_down_cleanly(pytester: pytest.Pytester) -> None:
    # Its teardown once printed the server and died on the closed socket (OSError: Bad file descriptor).
    pytester.makepyfile(
        """
        import httpx
        import pytest

        def test_refused(fake_hec_factory):
            hec = fake_hec_factory()
            url = hec.url
            hec.stop()
            with pytest.raises(httpx.ConnectError):
                httpx.get(url + "/services/collector/health")
            assert repr(hec) == f"<FakeHEC {url} stopped>"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
