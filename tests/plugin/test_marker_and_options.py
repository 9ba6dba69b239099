"""`@pytest.mark.fake_hec` and the command-line and ini options."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_marker_faults_and_settings_keep_the_shared_server_for_that_test_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        urls = []

        @pytest.mark.fake_hec(faults=["error:9 first=1", "status:429 first=1"], settings={"health": "queues-full"})
        def test_marked(fake_hec):
            urls.append(fake_hec.url)
            with fake_hec.client() as client:
                assert [client.post("/services/collector/raw", content=b"x").status_code for _ in range(3)] == [503, 429, 200]
                assert client.get("/services/collector/health").json()["code"] == 18

        def test_unmarked(fake_hec):
            urls.append(fake_hec.url)
            assert len(fake_hec.faults) == 0 and fake_hec.settings.health == "healthy"
            assert len(set(urls)) == 1
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_marker_tokens_and_tls_give_a_server_of_their_own(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from hecharness.hec import Token

        seen = {}

        def test_default(fake_hec):
            seen["default"] = fake_hec.url

        @pytest.mark.fake_hec(tokens=["first-token", Token("ack-token", ack=True)])
        def test_tokens(fake_hec):
            assert fake_hec.url != seen["default"]
            assert fake_hec.token == "first-token" and fake_hec.tokens.get("ack-token").ack
            seen["tokens"] = fake_hec.url

        @pytest.mark.fake_hec(tokens=["first-token", Token("ack-token", ack=True)])
        def test_same_tokens_same_server(fake_hec):
            assert fake_hec.url == seen["tokens"]   # one server per configuration, reset between tests
            assert fake_hec.journal.counters.requests == 0

        @pytest.mark.fake_hec(tls="valid")
        def test_tls(fake_hec, hec_ca):
            assert fake_hec.url.startswith("https://") and fake_hec.ca_path == hec_ca.ca_path
            with fake_hec.client() as client:
                assert client.post("/services/collector/raw", content=b"x").status_code == 200

        @pytest.mark.fake_hec(tls=["valid", "expired"], client_cert_required=True)
        def test_several_modes_and_mutual_tls(fake_hec):
            assert list(fake_hec.urls) == ["valid", "expired"]
            with fake_hec.client() as client:   # trusts the CA and presents the client certificate
                assert client.get("/services/collector/health").status_code == 200
        """
    )
    pytester.runpytest().assert_outcomes(passed=5)


def test_markers_merge_from_module_class_and_function_the_closest_winning(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.fake_hec(tokens=["module-token"], settings={"flavor": "cloud"})

        @pytest.mark.fake_hec(faults="error:9 first=1")
        class TestMerged:
            def test_class_and_module(self, fake_hec):
                assert fake_hec.token == "module-token" and fake_hec.settings.flavor == "cloud"
                assert len(fake_hec.faults) == 1

            @pytest.mark.fake_hec(tokens=["method-token"], faults=[])
            def test_method_overrides(self, fake_hec):
                assert fake_hec.token == "method-token" and fake_hec.settings.flavor == "cloud"
                assert len(fake_hec.faults) == 0
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_a_fault_object_in_a_marker_starts_fresh_in_every_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from hecharness.faults import parse_fault
        from hecharness.hec import HECSettings

        @pytest.mark.fake_hec(faults=parse_fault("error:9 first=1"), settings=HECSettings(raw_split="body"))
        @pytest.mark.parametrize("attempt", [1, 2])
        def test_each_gets_its_503(fake_hec, attempt):
            with fake_hec.client() as client:
                assert client.post("/services/collector/raw", content=b"a").status_code == 503
                assert client.post("/services/collector/raw", content=b"a\\nb").status_code == 200
            assert fake_hec.journal.event_count == 1   # raw_split=body: the whole body is one event
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_marker_mistakes_fail_the_test_saying_what_is_wrong(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fake_hec(tsl="valid")
        def test_typo(fake_hec):
            pass

        @pytest.mark.fake_hec("valid")
        def test_positional(fake_hec):
            pass

        @pytest.mark.fake_hec(faults="error:999")
        def test_bad_fault(fake_hec):
            pass

        @pytest.mark.fake_hec(settings={"health": "sleepy"})
        def test_bad_setting(fake_hec):
            pass

        @pytest.mark.fake_hec(tls="tls1.3")
        def test_bad_mode(fake_hec):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=5)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.fake_hec got unknown option 'tsl'; known: tls, tokens, tls_names, client_cert_required, indexers, balancer, "
                "cookie_name, cookie_lifetime, channel_cookie, balancer_fallback, balancer_unavailable, settings, faults, restarts",
            "*@pytest.mark.fake_hec takes keyword arguments only, got ('valid',)",
            "@pytest.mark.fake_hec(faults=...): fault 'error:999': unknown HEC code 999: Splunk uses 0 to 28",
            "@pytest.mark.fake_hec(settings=...): health must be one of healthy, queues-full*; got 'sleepy'",
            "*unknown TLS mode 'tls1.3'*",
        ],
        consecutive=False,
    )
    # One line each, like a misspelt option: no traceback into the library.
    assert not [line for line in result.stdout.lines if "hecharness/faults" in line or "hecharness/hec/settings" in line]


def test_factory_fault_mistake_is_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_bad_fault(fake_hec_factory):
            fake_hec_factory(faults=["error:9", "hang:forever"])
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["fake_hec_factory(faults=...): fault 'hang:forever': *"])
    assert not [line for line in result.stdout.lines if "hecharness/faults" in line]


def test_a_bad_tls_mode_or_name_is_one_line_from_marker_and_factory(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fake_hec(tls="bogus")
        def test_marker_mode(fake_hec):
            pass

        @pytest.mark.fake_hec(tls="valid", tls_names=["bad name!"])
        def test_marker_name(fake_hec):
            pass

        def test_factory_mode(fake_hec_factory):
            fake_hec_factory(tls="valid,bogus")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1, errors=2)
    result.stdout.fnmatch_lines(["*unknown TLS mode 'bogus'*", "*bad name!*", "*unknown TLS mode 'bogus'*"], consecutive=False)
    assert not [line for line in result.stdout.lines if "hecharness/tls" in line or "hecharness/testing" in line]


def test_hec_tls_option_and_ini_set_the_default_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_default_mode(fake_hec, fake_hec_factory, fake_hec_tls, pytestconfig):
            expected = pytestconfig.getoption("hec_tls") or pytestconfig.getini("hec_tls")
            assert fake_hec.tls_modes == (expected,) and fake_hec_factory().tls_modes == (expected,)
            with fake_hec.client() as client:
                assert client.get("/services/collector/health").status_code == 200
            if expected == "valid":
                assert fake_hec_tls is fake_hec     # the same configuration: the same server
        """
    )
    pytester.runpytest("--hec-tls", "valid").assert_outcomes(passed=1)
    pytester.makeini("[pytest]\nhec_tls = self-signed\n")
    pytester.runpytest().assert_outcomes(passed=1)
    result = pytester.runpytest("--hec-tls", "tls1.3")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--hec-tls / hec_tls: unknown TLS mode 'tls1.3'; choose from valid, *"])


def test_both_fixtures_on_one_server_reset_it_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fake_hec(faults="error:9 first=1")
        def test_marker_faults_survive(fake_hec, fake_hec_tls):
            assert fake_hec is fake_hec_tls and len(fake_hec.faults) == 1
        """
    )
    pytester.runpytest("--hec-tls", "valid").assert_outcomes(passed=1)


def test_hec_host_option_sets_the_listen_address_and_the_certificate_names(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_listen(fake_hec, pytestconfig):
            assert fake_hec.url.startswith("http://127.0.0.1:")

        def test_names(hec_ca, pytestconfig):
            host = pytestconfig.getoption("hec_host")
            assert hec_ca.names == (() if host == "localhost" else (host,))
        """
    )
    pytester.runpytest("--hec-host", "localhost").assert_outcomes(passed=2)
    # A documentation-only address (TEST-NET-1) no interface here has: the certificates carry it,
    # and a server cannot listen on it, which fails the test that asked for one, saying why.
    result = pytester.runpytest("--hec-host", "192.0.2.1")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*cannot listen on 192.0.2.1:0*"])


def test_marker_cluster_options_give_a_cluster_and_restarts_apply_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fake_hec(indexers=3, balancer="cookie", cookie_lifetime=60, restarts="restart node=2 for=600")
        def test_cluster(fake_hec):
            assert len(fake_hec.indexers) == 3 and fake_hec.cluster.balancing.cookie_lifetime == 60
            assert [node.up for node in fake_hec.indexers] == [True, False, True]

        @pytest.mark.fake_hec(indexers=3, balancer="cookie", cookie_lifetime=60)
        def test_same_cluster_reset(fake_hec):
            assert all(node.up for node in fake_hec.indexers)

        @pytest.mark.fake_hec(indexers=2, balancer="random")
        def test_bad_balancer(fake_hec):
            pass

        @pytest.mark.fake_hec(indexers=2, restarts="restart node=1 for=-1")
        def test_bad_restart(fake_hec):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(["*unknown balancer 'random'*", "*restart 'restart node=1 for=-1'*"])
    assert "Traceback" not in result.stdout.str()


FIELD_LIST = '{"datasets": {"plugin_audit": {"fields": [{"name": "When", "type": "int or string"}, {"name": "EventID", "type": "string"}]}}}'


def test_a_field_list_option_lets_the_logpush_fixtures_name_its_datasets(pytester: pytest.Pytester) -> None:
    pytester.makefile(".json", fields=FIELD_LIST)
    pytester.makeini("[pytest]\nhec_field_lists = fields.json\n")
    pytester.makepyfile(
        """
        def test_records(logpush_records):
            records = logpush_records("plugin_audit", count=5)
            assert [list(r) for r in records] == [["When", "EventID"]] * 5

        def test_job(fake_hec, logpush_job):
            report = logpush_job({"dataset": "plugin_audit"}, count=20).run_sync()
            assert report.metrics.records_uploaded == 20
            assert len(fake_hec.journal.events) == 20
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_a_bad_field_list_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".json", fields='{"datasets": {"x": {"fields": [{"name": "A", "type": "integer"}]}}}')
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("--hec-field-list", "fields.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--hec-field-list: fields.json: datasets.x.fields[[]0[]] ('A'): type 'integer' is not one of*"])
