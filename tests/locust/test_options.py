"""The hecharness options on Locust's command line, checked once on the master, and each worker's share of them."""

from __future__ import annotations

import argparse

import pytest

from hecharness.errors import InvalidArgument
from hecharness.locust.options import RunOptions, add_arguments

DESTINATION = "splunk://hec.example.com:8088/services/collector/raw?channel=0aa7e2a5-8f35-4b7b-9d7e-3c1d9c2f4e10&header_Authorization=Splunk%20t"


class _Parser(argparse.ArgumentParser):
    """Locust's parser takes its web UI's and environment's keywords too; argparse's does not."""

    def add_argument(self, *args, **kwargs):
        for locust_only in ("is_secret", "env_var", "include_in_web_ui"):
            kwargs.pop(locust_only, None)
        return super().add_argument(*args, **kwargs)


def _parsed(*argv: str, master: bool = False, worker: bool = False, expect_workers: int = 1) -> argparse.Namespace:
    parser = _Parser()
    add_arguments(parser)
    options = parser.parse_args(list(argv))
    options.master, options.worker, options.expect_workers = master, worker, expect_workers
    return options


def test_a_count_is_shared_evenly_by_the_workers_the_master_expects() -> None:
    options = RunOptions.from_parsed(_parsed("--destination-conf", DESTINATION, "--count", "10", worker=True, expect_workers=3))
    assert [options.share(index) for index in range(3)] == [4, 3, 3]
    local = RunOptions.from_parsed(_parsed("--destination-conf", DESTINATION, "--count", "10", expect_workers=3))
    assert local.share(0) == 10
    endless = RunOptions.from_parsed(_parsed("--destination-conf", DESTINATION, worker=True, expect_workers=3))
    assert endless.share(2) is None


def test_the_job_and_the_slices_come_from_the_options() -> None:
    options = RunOptions.from_parsed(
        _parsed("--destination-conf", DESTINATION, "--dataset", "dns_logs", "--seed", "2", "--record-start", "1700000000",
                "--hec-admin", "http://a:9000, http://b:9000", "--max-upload-records", "5000")
    )
    assert options.job.dataset == "dns_logs" and options.job.upload_limits.max_records == 5000
    assert options.admin_urls == ("http://a:9000", "http://b:9000")
    assert options.slice_for(3).seed == 2 * 1_000_003 + 3
    assert options.slice_for(3).start == 1700000000.000003


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "--destination-conf is required"),
        (["--destination-conf", "ftp://x"], "--destination-conf: destination_conf is invalid"),
        (["--destination-conf", DESTINATION, "--max-upload-records", "5"], "--max-upload-records: max_upload_records must be 0"),
        (["--destination-conf", DESTINATION, "--count", "-1"], "--count must be 0"),
        (["--destination-conf", DESTINATION, "--gzip-level", "10"], "--gzip-level must be 0 to 9"),
        (["--destination-conf", DESTINATION, "--hec-admin", "a:9000"], "--hec-admin: 'a:9000' is not an http(s) URL"),
        (["--destination-conf", DESTINATION, "--cacert", "/nonexistent/ca.pem"], "--cacert: /nonexistent/ca.pem is not a readable file"),
        (["--destination-conf", DESTINATION, "--logpull-options", "fields=RayID&sample=0.5"], "sample= in logpull_options"),
        (["--destination-conf", DESTINATION, "--sent-file", "/nonexistent/dir/sent.json"], "--sent-file: /nonexistent/dir does not exist"),
    ],
)
def test_bad_options_are_one_line(argv: list[str], message: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        RunOptions.from_parsed(_parsed(*argv))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
